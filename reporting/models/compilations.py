"""What compilations and regulator documents keep: the small-count threshold (data with
validity dates), the exact document sent to a regulator, frozen with its SHA-256, and the
background export jobs with their progress."""

import hashlib
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
        db_table = "cases_suppressionrule"  # the table it had in cases (a state-only move)
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
        db_table = "cases_regulatordocument"  # the table it had in cases (a state-only move)
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
        db_table = "cases_exportjob"  # the table it had in cases (a state-only move)
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


class SummaryDraft(models.Model):
    """The automatic anonymisation of a closed lex Sarah case's summary and decision, stored
    when it is made (the case's change, the SAS's approval: ``reporting.services.drafts``)
    so that a compilation does not redact thousands of texts on every request.

    ``inputs_sha256`` is the fingerprint of everything the anonymisation was made from: the
    case's summary and decision, the names the case knows of and the words allowed for its
    unit (``reporting.selectors.reviews.fingerprint``). A compilation uses the stored text only
    while the fingerprint of the case as it is now matches; otherwise it anonymises the case
    afresh, so the stored text can never show something other than a fresh anonymisation.
    The markers (``[namn]``/``[name]``) are in the reader's language: one row per language."""

    report = models.ForeignKey("cases.Report", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    inputs_sha256 = models.CharField(max_length=64)
    summary = models.TextField(blank=True)
    decision = models.TextField(blank=True)
    made_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("anonymised summary")
        verbose_name_plural = _("anonymised summaries")
        constraints = [models.UniqueConstraint(fields=["report", "language"], name="summary_draft_language")]

    def __str__(self):
        return f"{self.report_id} ({self.language})"
