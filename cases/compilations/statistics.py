"""Counts of the cases a user may count, by one dimension and period, with a three-year
trend; and the drill-down from a count to the cases behind it that the user may see."""

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncYear
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.compilations import periods
from cases.models import TYPE_MODELS, OrgUnit, Report, ReportType, RiskBand, Term

NONE_KEY = "none"


def _state_labels():
    labels = {}
    for model in TYPE_MODELS.values():
        labels.update({k: str(v) for k, v in model.STATES.items()})
    return labels


# dimension -> (field counted on Report, how keys become labels)
FIELDS = {
    "type": "type",
    "kind": "complaint_kind_id",
    "unit": "unit_id",
    "namnd": "namnd_id",
    "risk": "risk_band_id",
    "state": "state",
}


def _labels(by, keys):
    keys = [k for k in keys if k is not None]
    if by == "type":
        return {t.value: str(t.label) for t in ReportType}
    if by == "state":
        return _state_labels()
    if by in ("kind", "category"):
        return {t.pk: str(t) for t in Term.objects.filter(pk__in=keys).select_related("parent")}
    if by in ("unit", "namnd"):
        return dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "risk":
        return {b.pk: str(b) for b in RiskBand.objects.filter(pk__in=keys)}
    raise ValueError(by)


def _in_range(qs, start, end, prefix=""):
    low, high = periods.local_range(start, end)
    qs = qs.filter(**{f"{prefix}reported_at__gte": low, f"{prefix}reported_at__lt": high})
    return qs


def _monthly(reports, by):
    """((key, year, month), count) for the dimension; categories count each mark.

    Grouped by the truncated local month (one key, which PostgreSQL aggregates by hashing,
    rather than year and month extracted separately, which it sorts)."""
    if by == "category":
        through = Report.categories.through
        marks = (through.objects.filter(report__in=reports).annotate(month=TruncMonth("report__reported_at"))
                 .values_list("term_id", "month").annotate(n=Count("id")))
        single = (reports.filter(category__isnull=False).annotate(month=TruncMonth("reported_at"))
                  .values_list("category_id", "month").annotate(n=Count("id")))
        rows = [*marks, *single]
    else:
        rows = (reports.annotate(month=TruncMonth("reported_at")).values_list(FIELDS[by], "month")
                .annotate(n=Count("id")))
    result = defaultdict(int)
    for key, month, n in rows:
        result[(key, month.year, month.month)] += n
    return result.items()


def statistics(user, *, by, period, start, end, type=None):
    reports = selectors.aggregate_reports(user)
    if type:
        reports = reports.filter(type=type)
    buckets = periods.buckets(period, start, end)
    index = {key: i for i, (key, _label) in enumerate(buckets)}
    counts = defaultdict(lambda: [0] * len(buckets))
    for (key, year, month), n in _monthly(_in_range(reports, start, end), by):
        bucket_key, _label = periods.bucket(period, year, month)
        counts[key][index[bucket_key]] += n
    labels = _labels(by, counts.keys())
    rows = [{"key": NONE_KEY if key is None else key,
             "label": str(labels.get(key, _("Not stated"))) if key is not None else str(_("Not stated")),
             "counts": values, "total": sum(values)}
            for key, values in counts.items()]
    rows.sort(key=lambda row: (-row["total"], row["label"]))
    years = [end.year - 2, end.year - 1, end.year]
    trend_rows = (_in_range(reports, datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31))
                  .annotate(year=TruncYear("reported_at")).values_list("year").annotate(n=Count("id")))
    trend = {year.year: n for year, n in trend_rows}
    return {
        "by": by,
        "period": period,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "type": type or None,
        "periods": [label for _key, label in buckets],
        "rows": rows,
        "totals": [sum(row["counts"][i] for row in rows) for i in range(len(buckets))],
        "total": sum(row["total"] for row in rows),
        "trend": [{"year": y, "count": trend.get(y, 0)} for y in years],
    }


def drill_down(user, *, by, value, start, end, type=None):
    """The cases behind one count, among those the user may see (``selectors.report_list``)."""
    reports = _in_range(selectors.report_list(user, type=type or None), start, end)
    if by == "category":
        if value == NONE_KEY:
            return reports.filter(category__isnull=True, categories__isnull=True)
        if not value.isdigit():
            return reports.none()
        return reports.filter(Q(category_id=int(value)) | Q(categories__id=int(value))).distinct()
    field = FIELDS[by]
    if value == NONE_KEY:
        return reports.filter(**{f"{field}__isnull": True})
    if field.endswith("_id"):
        if not value.isdigit() or int(value) > 2**63 - 1:
            return reports.none()
        return reports.filter(**{field: int(value)})
    return reports.filter(**{field: value})
