"""What compilations and regulator documents keep: the small-count threshold (data with
validity dates), the exact document sent to a regulator, frozen with its SHA-256, and the
background export jobs with their progress."""

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.reference import Validity
from cases.models.regulators import RegulatorNotification, Supplement

DEFAULT_SUPPRESSION_THRESHOLD = 5


class SuppressionRule(Validity):
    """Public compilations hide counts below ``threshold`` (and what would reveal them)."""

    threshold = models.PositiveSmallIntegerField(
        _("smallest count shown"),
        default=DEFAULT_SUPPRESSION_THRESHOLD,
        help_text=_("Counts from 1 up to one below this are hidden in public compilations."),
    )
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("small-count rule")
        verbose_name_plural = _("small-count rules")
        ordering = ["-valid_from"]

    def __str__(self):
        return f"< {self.threshold}"

    @classmethod
    def threshold_on(cls, day=None):
        rule = cls.objects.valid_on(day).order_by("-valid_from").first()
        return rule.threshold if rule else DEFAULT_SUPPRESSION_THRESHOLD


class FrozenDocumentError(Exception):
    pass


class RegulatorDocument(models.Model):
    """The exact bytes sent to IVO or IMY: the structured JSON and the PDF made from it.

    Written once when the notification (or a supplement) is recorded as sent, never changed:
    ``save`` refuses an update and database triggers refuse UPDATE and DELETE."""

    class Kind(models.TextChoices):
        NOTIFICATION = "notification", _("Notification")
        SUPPLEMENT = "supplement", _("Supplement")

    notification = models.ForeignKey(
        RegulatorNotification, on_delete=models.PROTECT, related_name="documents"
    )
    supplement = models.OneToOneField(
        Supplement, null=True, blank=True, on_delete=models.PROTECT, related_name="document"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    regulator_case_number = models.CharField(_("the regulator's case number"), max_length=60, blank=True)
    json_bytes = models.BinaryField(_("document (JSON)"))
    json_sha256 = models.CharField(max_length=64)
    pdf_bytes = models.BinaryField(_("document (PDF)"))
    pdf_sha256 = models.CharField(max_length=64)
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("document sent to a regulator")
        verbose_name_plural = _("documents sent to a regulator")
        ordering = ["frozen_at", "id"]

    def __str__(self):
        return f"{self.notification} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise FrozenDocumentError("A document sent to a regulator is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenDocumentError("A document sent to a regulator is never deleted.")

    def verifies(self):
        """Both stored hashes still match the stored bytes."""
        return (
            hashlib.sha256(bytes(self.json_bytes)).hexdigest() == self.json_sha256
            and hashlib.sha256(bytes(self.pdf_bytes)).hexdigest() == self.pdf_sha256
        )


class ExportJob(models.Model):
    """A compilation export made in the background; the requester downloads it when done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        """Why a job failed, in words for its requester: the details are in the log."""

        NOT_ALLOWED = (
            "not_allowed",
            _("You may no longer make this compilation: your roles have changed since you asked for it."),
        )
        ERROR = (
            "error",
            _(
                "The file could not be made because of an error in the system. The error has been "
                "logged for the operator; try again later, and quote the reference below if you "
                "contact your system administrator."
            ),
        )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    params = models.JSONField(_("parameters"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (per cent)"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    content = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(
        _("reason for the failure"), max_length=16, choices=Failure.choices, blank=True
    )

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    @property
    def failure_message(self):
        """What the requester is told about a failed job (a job failed before reasons were
        kept gets the general one)."""
        if self.status != self.Status.FAILED:
            return ""
        return self.Failure(self.failure or self.Failure.ERROR).label


class SummaryReview(models.Model):
    """The SAS's review of a closed lex Sarah investigation's anonymised summary: the text
    as edited and approved for publication, who approved it and when.

    ``source_sha256`` is the SHA-256 of the case's summary and decision as they were when the
    reviewer approved; if the case's text changes afterwards the review no longer matches and
    the summary is awaiting review again. Only approved summaries appear in public
    compilations. Written by ``cases.services.do_approve_summary`` only."""

    report = models.OneToOneField("cases.Report", on_delete=models.CASCADE, related_name="summary_review")
    summary = models.TextField(_("summary as approved"))
    decision = models.TextField(_("decision as approved"), blank=True)
    source_sha256 = models.CharField(max_length=64)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        verbose_name = _("summary review")
        verbose_name_plural = _("summary reviews")
        ordering = ["-approved_at"]

    def __str__(self):
        return f"{self.report_id} ({self.approved_at:%Y-%m-%d})"


def summary_source_digest(summary, decision):
    """The fingerprint of a case's summary and decision (see ``SummaryReview.source_sha256``)."""
    return hashlib.sha256(json.dumps([summary, decision], ensure_ascii=False).encode()).hexdigest()


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
