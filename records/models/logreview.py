"""Loggkontroll: a periodic review of the read log of one board.

A ``LogReview`` holds the picks drawn for one period: a random share of the case reads
(Bernoulli draws from a seeded generator, the seed stored, so the draw can be repeated) plus
targeted picks (``LogPick.Reason``). Each pick is judged justified (motiverad) or questioned
(ifrågasatt) with a note; a questioned read goes to the reader's manager for follow-up. The
review is signed when every pick is judged.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit


class LogReview(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SIGNED = "signed", _("Signed")

    board = models.ForeignKey(OrgUnit, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+")
    period_start = models.DateTimeField(_("period from"))
    period_end = models.DateTimeField(_("period to"))
    seed = models.CharField(_("seed"), max_length=64)
    share = models.DecimalField(_("random share"), max_digits=5, decimal_places=4)
    reads_in_period = models.PositiveBigIntegerField(_("case reads in the period"), default=0)
    created_at = models.DateTimeField(_("created at"))
    due_by = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("log review")
        verbose_name_plural = _("log reviews")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "period_start"], name="log_review_board_period"),
        ]

    def __str__(self):
        return f"{self.board} {self.period_start:%Y-%m}"


class LogPick(models.Model):
    class Reason(models.TextChoices):
        RANDOM = "random", _("Random sample")
        OUTSIDE_UNITS = "outside_units", _("Case outside the reader's own units")
        SUBSTITUTE = "substitute", _("Read while standing in for someone")
        SENSITIVE_TYPE = "sensitive_type", _("Personal-data breach or lex Sarah case")
        NO_TASK = "no_task", _("The reader never had a task on the case")
        OFF_HOURS = "off_hours", _("Outside office hours")

    class Verdict(models.TextChoices):
        PENDING = "", _("Not judged")
        JUSTIFIED = "justified", _("Justified (motiverad)")
        QUESTIONED = "questioned", _("Questioned (ifrågasatt)")

    # A review holds a tenth of a month's reads (a million rows for ten million reads): the
    # picks are written with one INSERT … SELECT (records.sampling), so every index and every
    # foreign-key check per row counts (docs/records.md, "Benchmarks"). The review and the
    # reader are kept by the application (the review is never deleted but with its picks,
    # users are deactivated, never deleted): no database constraint, and no index that the
    # unique (review, log row) already gives or that only a few judged rows would fill.
    review = models.ForeignKey(
        LogReview, on_delete=models.CASCADE, related_name="picks", db_index=False, db_constraint=False
    )
    event_id = models.BigIntegerField(_("log row"))
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reader"),
        db_constraint=False,
    )
    reader_name = models.CharField(_("reader"), max_length=200)
    reader_roles = models.JSONField(_("reader's roles"), default=list)
    report_id = models.BigIntegerField()
    case_number = models.CharField(_("case number"), max_length=40)
    action = models.CharField(_("what"), max_length=80)
    occurred_at = models.DateTimeField(_("when"))
    reasons = models.JSONField(_("why picked"), default=list)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, blank=True, default="")
    note = models.TextField(_("note"), blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("followed up by"),
        db_index=False,
    )
    follow_up_note = models.TextField(_("follow-up"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)

    class Meta:
        verbose_name = _("log pick")
        verbose_name_plural = _("log picks")
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "event_id"], name="log_pick_unique")]
        indexes = [
            models.Index(
                fields=["follow_up_by"],
                condition=models.Q(follow_up_by__isnull=False),
                name="log_pick_follow_up",
            )
        ]

    def reason_labels(self):
        return [self.Reason(r).label for r in self.reasons if r in self.Reason.values]
