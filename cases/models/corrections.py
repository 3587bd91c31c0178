"""Corrections of a case after the fact, kept beside it (cases.services.corrections).

Each row is one correction: the case reopened, withdrawn as filed by mistake, merged into
another case (and, on the survivor, the duplicate merged into it), or its description edited.
The reason and the earlier description are the case's content, kept here and not in the audit
trail (whose rows never hold content); they are read by whoever may read the case, and
blanked with the rest of its texts when the case is disposed of (records.destruction).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.reports import Report


class CaseCorrection(models.Model):
    class Kind(models.TextChoices):
        REOPENED = "reopened", _("Reopened")
        WITHDRAWN = "withdrawn", _("Withdrawn as filed by mistake")
        MERGED = "merged", _("Merged into another case")
        MERGED_IN = "merged_in", _("A duplicate was merged into this case")
        DESCRIPTION = "description", _("Description edited")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("case")
    )
    kind = models.CharField(_("correction"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)
    previous_text = models.TextField(
        _("earlier text"), blank=True, help_text=_("The description as it was before this edit.")
    )
    other = models.ForeignKey(
        Report,
        verbose_name=_("other case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField(_("from state"), max_length=30, blank=True)
    to_state = models.CharField(_("to state"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("correction of a case")
        verbose_name_plural = _("corrections of cases")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report_id} {self.kind}"
