"""What the quality room reads: the control charts of a board's monthly counts, the lead times
of its cases, and the analysis tasks a user may see.

The charts are read from ``reporting``'s monthly counts (``MonthlyCount``, the ``category``
dimension: one cell per month × type × unit × category, a case with no category in key ``''``),
never from the cases: one query per board however many cases it has (bench/signals.py). A
bulk report counts as its number of events there, so it counts so here too."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from cases import selectors
from cases.access import AGGREGATE_ROLES, QUALITY_CHART_ROLES, SIGNAL_ANALYSIS_ROLES, role_scope
from cases.models import OrgUnit, ReportType, Term
from lib import spc
from quality.models import SignalAnalysis, SignalSettings
from reporting.models import MonthlyCount
from reporting.services.aggregates import Dimension, month_start, next_month


@dataclass
class Series:
    """One unit × type × category (or a unit's cluster), charted over ``months``."""

    key: str
    unit_id: int
    report_type: str
    category_id: int | None
    months: list[datetime.date]
    counts: list[float]
    chart: spc.Chart | None = None
    signals: list[spc.Signal] = field(default_factory=list)

    @property
    def total(self):
        return sum(self.counts)


def series_key(unit_id, report_type, category_id):
    return f"{unit_id}:{report_type}:{category_id or ''}"


def months_back(last_month, count):
    """The ``count`` months ending with ``last_month`` (first days), oldest first."""
    months = [month_start(last_month)]
    while len(months) < count:
        previous = months[-1] - datetime.timedelta(days=1)
        months.append(previous.replace(day=1))
    return months[::-1]


def last_whole_month(today):
    return (month_start(today) - datetime.timedelta(days=1)).replace(day=1)


def board_series(board, months, *, units=None):
    """{key: Series} of every unit × type × category under ``board`` with a count in ``months``
    (zeros filled in), from one grouped query of the monthly counts."""
    index = {m: i for i, m in enumerate(months)}
    rows = MonthlyCount.objects.filter(
        namnd=board, dimension=Dimension.CATEGORY, month__gte=months[0], month__lte=months[-1]
    )
    if units is not None:
        rows = rows.filter(unit_id__in=units)
    found: dict[str, Series] = {}
    for month, type_, unit_id, key, n in (
        rows.values_list("month", "type", "unit_id", "key").annotate(total=Sum("n")).iterator()
    ):
        if not n:
            continue
        category = int(key) if key else None
        skey = series_key(unit_id, type_, category)
        series = found.get(skey)
        if series is None:
            series = found[skey] = Series(skey, unit_id, type_, category, months, [0] * len(months))
        series.counts[index[month]] += n
    return found


def charts(board, last_month, *, rules=None, units=None):
    """The control chart of every series of the board over the months its rules chart, ending
    with ``last_month``, each with its signals; and the clusters per unit across types."""
    rules = rules or SignalSettings.in_force(board, last_month)
    months = months_back(last_month, rules.chart_months)
    found = board_series(board, months, units=units)
    sigmas = float(rules.sigmas)
    for series in found.values():
        series.chart = chart(series.counts, rules, sigmas)
        series.signals = list(series.chart.signals)
    by_unit: dict[int, dict[str, list[float]]] = defaultdict(dict)
    for series in found.values():
        per_type = by_unit[series.unit_id].setdefault(series.report_type, [0] * len(months))
        for i, n in enumerate(series.counts):
            per_type[i] += n
    clusters = []
    for unit_id, per_type in by_unit.items():
        signals = spc.clusters(per_type, rules.cluster_months, rules.cluster_types)
        if signals:
            total = [sum(values[i] for values in per_type.values()) for i in range(len(months))]
            cluster = Series(series_key(unit_id, "", None), unit_id, "", None, months, total)
            cluster.signals = signals
            cluster.per_type = per_type  # type: ignore[attr-defined]
            clusters.append(cluster)
    ordered = sorted(found.values(), key=lambda s: (s.unit_id, s.report_type, s.category_id or 0))
    return months, ordered, clusters


def chart(counts, rules, sigmas=None):
    """``spc.chart`` with the board's rule lengths and limits."""
    return spc.chart(
        counts,
        run_length=rules.run_length,
        trend_length=rules.trend_length,
        sigmas=float(rules.sigmas) if sigmas is None else sigmas,
    )


def labels(series_list):
    """({unit id: name}, {category id: label}, {type: label}) for the series."""
    unit_ids = {s.unit_id for s in series_list}
    category_ids = {s.category_id for s in series_list if s.category_id}
    units = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    categories = {t.pk: str(t) for t in Term.objects.filter(pk__in=category_ids).select_related("parent")}
    return units, categories, {t.value: str(t.label) for t in ReportType}


# --- Who sees which units ------------------------------------------------------------------


def chart_units(user, board):
    """The ids of the units under ``board`` whose charts ``user`` sees: all of them for the
    board's SAS, a unit manager's own units (and those below); none for anybody else."""
    if not user.is_authenticated:
        return []
    scope = role_scope(user)
    q = scope.units_q(QUALITY_CHART_ROLES, prefix="")
    return list(OrgUnit.objects.filter(q, path__startswith=board.path).values_list("pk", flat=True))


def chart_boards(user):
    """The boards where the user sees some unit's charts."""
    if not user.is_authenticated:
        return []
    scope = role_scope(user)
    paths = [p for role in QUALITY_CHART_ROLES for p in scope.paths.get(role, ())]
    boards = OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD).order_by("name")
    return [b for b in boards if any(p.startswith(b.path) or b.path.startswith(p) for p in paths)]


def may_analyse(user, board):
    scope = role_scope(user)
    return user.is_authenticated and any(scope.has(role, board) for role in SIGNAL_ANALYSIS_ROLES)


def visible_types(user, unit):
    """The report types whose counts ``user`` sees on ``unit``'s charts: those their chart role
    there counts (a unit manager not the breaches, which are the DSO's and the SAS's)."""
    scope = role_scope(user)
    return [
        t
        for t in ReportType.values
        if any(scope.has(role, unit) for role in AGGREGATE_ROLES[t] & QUALITY_CHART_ROLES)
    ]


def sees_series(user, unit, report_type):
    """Whether ``user`` sees the chart of ``unit`` for ``report_type`` ('' is the cluster across
    types: for those who see every type)."""
    types = visible_types(user, unit)
    return len(types) == len(ReportType.values) if not report_type else report_type in types


def analyses_for(user):
    """The signal analyses the user may read: those of series whose charts they see."""
    if not user.is_authenticated:
        return SignalAnalysis.objects.none()
    scope = role_scope(user)
    q = scope.units_q(QUALITY_CHART_ROLES, prefix="unit__")
    found = SignalAnalysis.objects.filter(q).select_related("board", "unit", "category", "concluded_by")
    hidden = [a.pk for a in found if not sees_series(user, a.unit, a.report_type)]
    return found.exclude(pk__in=hidden) if hidden else found


def analysis_or_404(user, analysis_id):
    from django.http import Http404

    found = analyses_for(user).filter(pk=analysis_id).first()
    if found is None:
        raise Http404
    return found


def signal_cases(user, analysis):
    """The cases behind the signal that the user may see (a unit manager sees fewer types)."""
    return selectors.visible_reports(user).filter(pk__in=analysis.case_ids).order_by("reported_at")


def month_after(day):
    return next_month(day)
