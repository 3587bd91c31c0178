"""The quality room's tables in the board's compilation (registered in apps.py with
``reporting.selectors.tables.register``): the series whose control charts signalled in the
period, the SAS's analyses of the signals, the lead times, and the share of each legal clock
kept. Counts are suppressed in the public version like every other table's; the SAS's
analysis text is only in the internal version."""

import datetime

from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit, ReportType
from lib.table import Table
from quality import leadtimes
from quality.models import SignalAnalysis
from quality.selectors import charts, labels
from reporting.services.aggregates import month_start


def _last_month(end):
    """The last whole month of a period ending on ``end``."""
    if (end + datetime.timedelta(days=1)).day == 1:
        return month_start(end)
    return month_start(month_start(end) - datetime.timedelta(days=1))


def _type_labels():
    return {t.value: str(t.label) for t in ReportType}


def control_charts(scope):
    """Every series of the compiled boards with a signal in the period: its reports in the
    period, the run chart's median, the upper control limit, and the signals."""
    last = _last_month(scope.end)
    rows = []
    rule_labels = dict(SignalAnalysis.Rule.choices)
    for board in scope.boards():
        months, series_list, clusters = charts(board, last)
        in_period = [i for i, m in enumerate(months) if scope.start <= m <= scope.end]
        shown = [
            s
            for s in [*series_list, *clusters]
            if any(signal.last in in_period for signal in s.signals) and scope.in_provision(s.unit_id)
        ]
        units, categories, types = labels(shown)
        for s in shown:
            chart = s.chart
            signals = sorted(
                {
                    f"{rule_labels[signal.rule]} ({months[signal.first]:%Y-%m}–{months[signal.last]:%Y-%m})"
                    for signal in s.signals
                    if signal.last in in_period
                }
            )
            rows.append(
                [
                    units.get(s.unit_id, ""),
                    types.get(s.report_type, str(_("Every type"))),
                    categories.get(s.category_id, "") if s.category_id else "",
                    int(sum(s.counts[i] for i in in_period)),
                    round(chart.median, 1) if chart else None,
                    round(chart.upper, 1) if chart else None,
                    "; ".join(signals),
                ]
            )
    return Table(
        key="control_charts",
        title=_("Control charts: series with signals"),
        columns=[
            _("Unit"),
            _("Type"),
            _("Category"),
            _("Reports in the period"),
            _("Median per month"),
            _("Upper control limit"),
            _("Signals"),
        ],
        rows=rows,
        stub=3,
        counts=[3],
        derived={4: 3, 5: 3},
        footnotes=[
            _(
                "Monthly counts per unit, type and category over the months the board's signal rules chart, "
                "ending with the period's last whole month; c′ chart (Laney), limits at 3 sigma. Bulk reports "
                "count as their number of events. Only series with a signal in the period are listed."
            )
        ],
    )


def _analyses(scope):
    boards = [b.pk for b in scope.boards()]
    return (
        SignalAnalysis.objects.filter(
            board__in=boards, first_month__lte=scope.end, last_month__gte=scope.start
        )
        .select_related("unit", "category")
        .order_by("first_month", "pk")
    )


def signal_analyses(scope):
    """The signals raised in the period and what the SAS concluded (the analysis itself in the
    internal version only)."""
    types = _type_labels()
    rows = []
    for a in _analyses(scope):
        if not scope.in_provision(a.unit_id):
            continue
        series = types.get(a.report_type, str(_("Every type")))
        if a.category_id:
            series = f"{series}, {a.category}"
        row = [
            a.unit.name,
            series,
            a.get_rule_display(),
            f"{a.first_month:%Y-%m}–{a.last_month:%Y-%m}",
            a.get_status_display(),
            a.get_conclusion_display() if a.conclusion else "",
        ]
        if not scope.public:
            row.append(a.analysis)
        rows.append(row)
    columns = [_("Unit"), _("Series"), _("Signal"), _("Months"), _("Status"), _("Conclusion")]
    if not scope.public:
        columns.append(_("Analysis"))
    return Table(
        key="signal_analyses",
        title=_("Signals and the SAS's analyses"),
        columns=columns,
        rows=rows,
        stub=len(columns),
        footnotes=[_("Signals whose months overlap the period, with the conclusion of the SAS's analysis.")],
    )


def _units(scope, ids):
    return dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))


def _lead_times(scope):
    """The lead times of the scope, computed once for both tables."""
    if not hasattr(scope, "_quality_lead_times"):
        scope._quality_lead_times = leadtimes.lead_times(scope.reports, scope.start, scope.end)
    return scope._quality_lead_times


def lead_times(scope):
    """Per unit and type: the cases reported in the period and the median days to assessment,
    decision and closure."""
    times, _shares = _lead_times(scope)
    units = _units(scope, {k[0] for k in times})
    types = _type_labels()
    order = {t: i for i, t in enumerate(ReportType.values)}
    rows = []
    for (unit_id, type_), entry in sorted(
        times.items(), key=lambda kv: (units.get(kv[0][0], ""), order.get(kv[0][1], 9))
    ):
        rows.append(
            [
                units.get(unit_id, ""),
                types.get(type_, type_),
                entry.cases,
                entry.median(entry.to_assessment),
                entry.median(entry.to_decision),
                entry.median(entry.to_closure),
            ]
        )
    return Table(
        key="lead_times",
        title=_("Lead times (median days)"),
        columns=[
            _("Unit"),
            _("Type"),
            _("Cases"),
            _("Days to assessment"),
            _("Days to decision"),
            _("Days to closure"),
        ],
        rows=rows,
        stub=2,
        counts=[2],
        derived={3: 2, 4: 2, 5: 2},
        footnotes=[
            _(
                "Cases reported in the period; each median counts the cases that have reached the step. "
                "Assessment: the first assessment (for complaints the registration)."
            )
        ],
    )


def clock_shares(scope):
    """Per unit and legal clock: the clocks settled (stopped, or past their deadline) of the
    cases reported in the period, how many were kept, and the share."""
    _times, shares = _lead_times(scope)
    units = _units(scope, {k[0] for k in shares})
    rows = [
        [units.get(s.unit_id, ""), s.name, s.settled, s.within, s.share]
        for s in sorted(shares.values(), key=lambda s: (units.get(s.unit_id, ""), s.name))
    ]
    return Table(
        key="clock_shares",
        title=_("Legal clocks kept"),
        columns=[_("Unit"), _("Clock"), _("Settled"), _("Within the deadline"), _("Share within")],
        rows=rows,
        stub=2,
        counts=[2, 3],
        derived={4: 2},
        percent=[4],
        footnotes=[
            _(
                "The clocks of the cases reported in the period that have stopped or passed their deadline; "
                "a clock still running before its deadline is not counted yet."
            )
        ],
    )


def risks_by_level(scope):
    """The risks of the risk analyses made in the period (by their analysis day), by the level
    of their mean score, with their measures and how many are still open (not done)."""
    from django.db.models import Count, Q

    from cases.models import RiskBand
    from quality.models import Risk

    boards = [b.pk for b in scope.boards()]
    risks = Risk.objects.filter(
        analysis__board__in=boards,
        analysis__analysed_on__gte=scope.start,
        analysis__analysed_on__lte=scope.end,
    )
    if scope.provision != "all":
        risks = risks.filter(analysis__unit__in=[pk for pk in scope.units() if scope.in_provision(pk)])
    counted = {
        row["level"]: row
        for row in risks.values("level").annotate(
            n_risks=Count("pk", distinct=True),
            n_measures=Count("measures", distinct=True),
            n_open=Count("measures", filter=Q(measures__done_at__isnull=True), distinct=True),
        )
    }
    bands = list(RiskBand.objects.valid_on(scope.end).order_by("-min_score"))
    keys = [(b.pk, str(b.name)) for b in bands]
    keys += [
        (b.pk, str(b.name))
        for b in RiskBand.objects.filter(pk__in=[k for k in counted if k]).exclude(
            pk__in=[b.pk for b in bands]
        )
    ]
    if None in counted:
        keys.append((None, str(_("Not scored"))))
    rows = []
    for key, label in keys:
        row = counted.get(key, {})
        rows.append([label, row.get("n_risks", 0), row.get("n_measures", 0), row.get("n_open", 0)])
    rows.append([_("Total"), *[sum(r[c] for r in rows) for c in (1, 2, 3)]])
    return Table(
        key="risks_by_level",
        title=_("Risk analyses: risks by level and open measures"),
        columns=[_("Risk level"), _("Risks"), _("Measures"), _("Open measures")],
        rows=rows,
        counts=[1, 2, 3],
        total_row=True,
        footnotes=[
            _(
                "The risks of the risk analyses made in the period, by the level of the product of the "
                "assessors' mean probability and severity under the risk levels in force."
            )
        ],
    )
