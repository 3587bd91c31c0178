"""Pre-aggregated counts of cases per local month, for statistics and compilations.

One row per cell: (month, type, unit, nämnd, dimension, key, key2) → n. Every report counts
once in the ``reports`` dimension and once in each other dimension that applies to it, so a
statistic or a compilation table reads one dimension and sums whole months instead of
counting millions of cases. ``reporting.services.aggregates`` keeps the cells equal to a
fresh count: ``recount`` runs in the transaction of every audited change of a case and
applies the difference between what the case counts in now and what it counted in before
(``CountedCase``), and ``manage.py aggregates --check`` compares the table with a count from
the cases.

Keys are text ('' when the case states no value): a term, risk band or unit id, a state,
an action status or a breach outcome. ``key2`` is used only by ``complaint`` (the kind,
beside the subject area in ``key``). A cell may hold 0 once its last case has moved on (a
state left behind); readers treat it as absent, and a rebuild drops it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.organisation import OrgUnit


class MonthlyCount(models.Model):
    class Dimension(models.TextChoices):
        REPORTS = "reports", _("Reports")
        STATE = "state", _("State")
        KIND = "kind", _("Kind")
        RISK = "risk", _("Risk level")
        CATEGORY = "category", _("Category")
        MARK = "mark", _("Category mark")
        COMPLAINT = "complaint", _("Subject area and kind")
        PERSONS = "persons", _("Individuals concerned")
        ACTED = "acted", _("Led to documented actions")
        ACTION = "action", _("Action status")
        BREACH = "breach", _("Breach outcome")

    month = models.DateField()  # the first day of the local month the case was reported in
    type = models.CharField(max_length=20)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    namnd = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=40, blank=True)
    key2 = models.CharField(max_length=40, blank=True)
    n = models.BigIntegerField()

    class Meta:
        db_table = "cases_monthlycount"  # the table it had in cases (a state-only move)
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "type", "unit", "namnd", "dimension", "key", "key2"],
                name="monthly_count_cell",
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "month"], name="monthly_count_dim_month"),
            models.Index(fields=["namnd", "dimension", "month"], name="monthly_count_namnd_dim"),
            models.Index(fields=["unit", "type", "month"], name="monthly_count_group"),
        ]

    def __str__(self):
        return (
            f"{self.month:%Y-%m} {self.type} {self.unit_id} {self.dimension} {self.key} {self.key2}: {self.n}"
        )


class CountedCase(models.Model):
    """What one case adds to ``MonthlyCount``: the cells it counts in, as last counted.

    The sum over all cases equals the table (``manage.py aggregates --check`` tells). A change
    of the case applies the difference between its cells now and these, instead of counting
    its whole month again. ``cells`` holds ``[month, type, unit, nämnd, dimension, key, key2,
    n]`` lists; a case without a row counts nowhere yet (written past the services, to be
    counted by ``manage.py aggregates --rebuild`` or its next audited change)."""

    report = models.OneToOneField(
        "cases.Report", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    cells = models.JSONField(default=list)

    class Meta:
        db_table = "cases_countedcase"  # the table it had in cases (a state-only move)
        verbose_name = _("counted case")
        verbose_name_plural = _("counted cases")

    def __str__(self):
        return f"{self.report_id}: {len(self.cells)} cells"
