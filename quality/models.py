"""What the quality room keeps: the analysis tasks raised by signals in the control charts.

A ``SignalAnalysis`` is raised by ``quality.services.raise_signals`` (the scheduler's job) when a
signal rule fires on a series of monthly counts (one unit × type × category, or for a cluster
one unit across types): it keeps the series as it was charted (months, counts, median, limits),
the cases behind the signal's points, and what the board's SAS concluded. One row per series,
rule and first month of the signal, so that a run that goes on for another month is still the
same task."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit, ReportType, Term
from cases.models.reference import Validity
from lib import spc


class SignalAnalysis(models.Model):
    class Rule(models.TextChoices):
        RUN = spc.RUN, _("Run on one side of the median")
        TREND = spc.TREND, _("Trend")
        BEYOND = spc.BEYOND, _("Point beyond the control limits")
        CLUSTER = spc.CLUSTER, _("Cluster of reports about one unit across types")

    class Direction(models.TextChoices):
        UP = spc.UP, _("up")
        DOWN = spc.DOWN, _("down")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting analysis")
        CONCLUDED = "concluded", _("Analysed")

    class Conclusion(models.TextChoices):
        SPECIAL_CAUSE = "special_cause", _("A real change: a cause was found and is being acted on")
        EXPLAINED = "explained", _("Explained: no action needed")
        NO_CAUSE = "no_cause", _("No cause found: watched on")

    board = models.ForeignKey(OrgUnit, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # Empty for a cluster, which is about the unit across types.
    report_type = models.CharField(_("report type"), max_length=20, choices=ReportType.choices, blank=True)
    category = models.ForeignKey(
        Term, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    series_key = models.CharField(_("series"), max_length=80)
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    # {"months": [iso dates], "counts": [...], "median", "mean", "lower", "upper"}
    series = models.JSONField(_("series"), default=dict)
    case_ids = models.JSONField(_("cases behind the signal"), default=list)
    raised_at = models.DateTimeField(_("raised at"))
    due_by = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    analysis = models.TextField(_("analysis"), blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=20, choices=Conclusion.choices, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    concluded_at = models.DateTimeField(_("analysed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signal analysis")
        verbose_name_plural = _("signal analyses")
        ordering = ["-first_month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "series_key", "rule", "first_month"], name="signal_once_per_series_rule"
            )
        ]
        indexes = [models.Index(fields=["board", "status"], name="signal_board_status")]

    def __str__(self):
        return f"{self.get_rule_display()} {self.series_key} {self.first_month:%Y-%m}"


class SignalSettings(Validity):
    """A board's signal rules, with validity dates (its administrators keep them in the admin).
    Without a row in force the defaults apply (``lib.spc`` and the fields' defaults)."""

    board = models.ForeignKey(
        OrgUnit,
        verbose_name=_("board"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "namnd"},
    )
    chart_months = models.PositiveSmallIntegerField(
        _("months charted"), default=24, validators=[MinValueValidator(12), MaxValueValidator(120)]
    )
    run_length = models.PositiveSmallIntegerField(
        _("points in a run"), default=spc.RUN_LENGTH, validators=[MinValueValidator(6), MaxValueValidator(12)]
    )
    trend_length = models.PositiveSmallIntegerField(
        _("points in a trend"),
        default=spc.TREND_LENGTH,
        validators=[MinValueValidator(5), MaxValueValidator(10)],
    )
    sigmas = models.DecimalField(
        _("limits in sigmas"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("2.0")), MaxValueValidator(Decimal("4.0"))],
    )
    cluster_months = models.PositiveSmallIntegerField(
        _("cluster window in months"), default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    cluster_types = models.PositiveSmallIntegerField(
        _("report types in a cluster"), default=3, validators=[MinValueValidator(2), MaxValueValidator(4)]
    )
    analysis_days = models.PositiveSmallIntegerField(
        _("days for the SAS's analysis"), default=30, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("signal rules")
        verbose_name_plural = _("signal rules")
        ordering = ["board", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["board", "valid_from"], name="signal_settings_board_from")
        ]

    def __str__(self):
        return f"{self.board} {self.valid_from:%Y-%m-%d}"

    @classmethod
    def in_force(cls, board, day):
        """The board's row valid on ``day``, or an unsaved row of defaults."""
        found = cls.objects.valid_on(day).filter(board=board).order_by("-valid_from").first()
        return found or cls(board=board)


class SignalRun(models.Model):
    """That a board's charts were read for signals up to a month (once per month and board)."""

    board = models.ForeignKey(OrgUnit, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("last month charted"))
    ran_at = models.DateTimeField(_("ran at"))
    raised = models.PositiveIntegerField(_("signals raised"), default=0)

    class Meta:
        verbose_name = _("signal run")
        verbose_name_plural = _("signal runs")
        constraints = [models.UniqueConstraint(fields=["board", "month"], name="signal_run_once")]

    def __str__(self):
        return f"{self.board} {self.month:%Y-%m}"


class RiskAnalysis(models.Model):
    """A risk analysis of a planned change or a process (SOSFS 2011:9 5 kap. 1 §), not of a
    case: what is analysed, on which board (and unit), by whom (several assessors)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    board = models.ForeignKey(OrgUnit, verbose_name=_("board"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("what is analysed"), max_length=200)
    description = models.TextField(_("the change or process"), blank=True)
    analysed_on = models.DateField(_("analysed on"))
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("assessors"), related_name="+", blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk analysis")
        verbose_name_plural = _("risk analyses")
        ordering = ["-analysed_on", "-pk"]

    def __str__(self):
        return self.title


class Risk(models.Model):
    """One risk of an analysis on the 4×4 matrix. Its probability and severity are the means of
    the assessors' scores (one decimal: 1.5 × 1.4), the level follows from their product with
    the risk levels in force on the analysis day (``quality.risks.level_for``)."""

    analysis = models.ForeignKey(RiskAnalysis, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField(_("risk"))
    probability = models.DecimalField(_("probability"), max_digits=3, decimal_places=1, null=True, blank=True)
    severity = models.DecimalField(_("severity"), max_digits=3, decimal_places=1, null=True, blank=True)
    level = models.ForeignKey(
        "cases.RiskBand", verbose_name=_("risk level"), null=True, blank=True, on_delete=models.PROTECT
    )
    materialised_in = models.ManyToManyField(
        "cases.Report", verbose_name=_("deviations where the risk materialised"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["pk"]

    def __str__(self):
        return self.description[:60]

    @property
    def score(self):
        if self.probability is None or self.severity is None:
            return None
        return (self.probability * self.severity).quantize(Decimal("0.01"))


class RiskScore(models.Model):
    """One assessor's score of a risk (whole steps of the matrix)."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="scores")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    probability = models.PositiveSmallIntegerField(
        _("probability"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )

    class Meta:
        verbose_name = _("risk score")
        verbose_name_plural = _("risk scores")
        constraints = [
            models.UniqueConstraint(fields=["risk", "assessor"], name="risk_score_once_per_assessor")
        ]


class RiskMeasure(models.Model):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="measures")
    description = models.TextField(_("measure"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    follow_up_on = models.DateField(_("follow-up date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["follow_up_on", "pk"]

    def __str__(self):
        return self.description[:60]
