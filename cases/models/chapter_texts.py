"""The SAS's own text blocks of the kvalitetsberättelse chapter (one per board or municipality
and year): written by a service on the floor (``cases.services.do_save_chapter_texts``), read by
reporting when it makes the chapter; so the model lives on the floor, like ``SummaryReview``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChapterText(models.Model):
    """The SAS's own text blocks of a board's (or the municipality's) kvalitetsberättelse chapter
    for one year: written on the page ``/compilations/quality-chapter/texts/`` through
    ``cases.services.do_save_chapter_texts`` (audited with each block's SHA-256, never the text)
    and put into the chapter around the tables. Paragraphs are separated by a blank line."""

    unit = models.ForeignKey(
        "cases.OrgUnit", verbose_name=_("board or municipality"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    introduction = models.TextField(_("introduction"), blank=True, max_length=10000)
    analysis = models.TextField(_("analysis"), blank=True, max_length=10000)
    conclusions = models.TextField(_("conclusions"), blank=True, max_length=10000)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, related_name="+"
    )

    BLOCKS = ("introduction", "analysis", "conclusions")

    class Meta:
        verbose_name = _("text of the kvalitetsberättelse")
        verbose_name_plural = _("texts of the kvalitetsberättelse")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="chapter_text_unit_year")]

    def __str__(self):
        return f"{self.unit} {self.year}"

    def blocks(self):
        return {name: getattr(self, name) for name in self.BLOCKS}
