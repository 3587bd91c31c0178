"""A gallring run and what it leaves behind.

``DisposalRun``: the cases of one board found due on one day, for the board's archivist to
review; each ``DisposalItem`` is one case, which the reviewer may hold back with a reason.
``DisposedCase``: the tombstone of a disposed case (case number, type, unit, dates, state,
the rule applied, who approved); the ``Report`` row stays too, emptied of its content.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit, Report, ReportType
from records.models.retention import RetentionRule


class DisposalRun(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting review")
        APPROVED = "approved", _("Approved; disposal in progress")
        DONE = "done", _("Disposed")

    board = models.ForeignKey(OrgUnit, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    due_by = models.DateField(_("review due by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("gallring run")
        verbose_name_plural = _("gallring runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["board", "status"])]

    def __str__(self):
        return f"{self.board} {self.created_at:%Y-%m-%d}"


class DisposalItem(models.Model):
    run = models.ForeignKey(DisposalRun, on_delete=models.CASCADE, related_name="items")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    held_back = models.BooleanField(_("held back"), default=False)
    hold_reason = models.TextField(_("reason to hold back"), blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case in a gallring run")
        verbose_name_plural = _("cases in a gallring run")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["run", "report"], name="disposal_item_unique")]
        # The next batch of a run (records.services.dispose_batch): the items still to go,
        # without walking past the ones already disposed of.
        indexes = [
            models.Index(
                fields=["run", "id"],
                condition=models.Q(disposed_at__isnull=True, held_back=False),
                name="disposal_item_pending",
            )
        ]


class DisposedCase(models.Model):
    """What remains of a disposed case: never content, only what identifies the case and the
    decision that disposed of it (arkivlagen 10 §: disposal by the authority's decision)."""

    # Written 100,000 at a time by a gallring (records.services._write_tombstones): the rows it
    # points to are kept by the application (cases, units, rules and users are protected from
    # deletion in the ORM, runs are never deleted), so no database foreign-key check per row and
    # no index but the case's, the board's and the run's (docs/records.md, "Benchmarks").
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(_("case number"), max_length=40)
    report_type = models.CharField(_("type"), max_length=20, choices=ReportType.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    namnd = models.ForeignKey(
        OrgUnit, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    reported_at = models.DateTimeField(_("reported at"))
    closed_at = models.DateTimeField(_("closed at"), null=True)
    state = models.CharField(_("state"), max_length=40)
    rule = models.ForeignKey(
        RetentionRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    rule_basis = models.CharField(_("basis"), max_length=300)
    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    approved_by_name = models.CharField(_("approved by"), max_length=200)
    disposed_at = models.DateTimeField(_("disposed at"))

    class Meta:
        verbose_name = _("disposed case")
        verbose_name_plural = _("disposed cases")
        ordering = ["-disposed_at", "-id"]

    def __str__(self):
        return self.case_number


class ArchivalPackage(models.Model):
    """A package of one case made before disposal (``records.package``), kept in storage for
    delivery to the board's e-archive; its SHA-256 names the exact bytes."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    objid = models.CharField(_("package identifier"), max_length=80, unique=True)
    file = models.CharField(_("stored as"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("archival package")
        verbose_name_plural = _("archival packages")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.objid
