"""Counts of the cases a user may count, by one dimension and period, with a three-year
trend; and the drill-down from a count to the cases behind it that the user may see.

The counts are read from the monthly cells (``MonthlyCount``), scoped by the same
condition as ``selectors.aggregate_reports``; drill-down reads the cases themselves.

Someone who counts cases they may not see (leadership, ``access.counts_only``) gets the
counts as a public compilation shows them: the range widened to whole periods, counts below
the ``SuppressionRule`` threshold hidden, and further counts hidden until none of them can be
worked out from the totals (``suppression.suppress``); hidden counts are ``None``."""

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.models import TYPE_MODELS, UNCOUNTED_STATES, OrgUnit, ReportType, RiskBand, Term
from lib import periods
from lib.suppression import suppress
from lib.table import Table
from reporting.access import counts_only
from reporting.models import SuppressionRule
from reporting.services.aggregates import Dimension, counted

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


# dimension -> (cells read, Cell field holding the key, whether the key is an id)
CELLS = {
    "type": (Dimension.REPORTS, "type", False),
    "unit": (Dimension.REPORTS, "unit", False),
    "namnd": (Dimension.REPORTS, "namnd", False),
    "kind": (Dimension.KIND, "key", True),
    "risk": (Dimension.RISK, "key", True),
    "state": (Dimension.STATE, "key", False),
}


def _id(key):
    return int(key) if key else None


def _monthly(where, by, start, end, filters):
    """((key, year, month), count) for the dimension over the local days start..end, read
    from the monthly cells (reporting.services.aggregates); categories count each mark:
    the marks of ``categories`` and the single ``category``."""
    if by == "category":
        rows = [
            (_id(key), month, n)
            for (key, month), n in counted(
                where, Dimension.MARK, start, end, ("key", "month"), **filters
            ).items()
        ]
        rows += [
            (_id(key), month, n)
            for (key, month), n in counted(
                where, Dimension.CATEGORY, start, end, ("key", "month"), **filters
            ).items()
            if key
        ]
    else:
        dimension, field, is_id = CELLS[by]
        rows = [
            (_id(key) if is_id else key, month, n)
            for (key, month), n in counted(where, dimension, start, end, (field, "month"), **filters).items()
        ]
    result = defaultdict(int)
    for key, month, n in rows:
        result[(key, month.year, month.month)] += n
    return result.items()


def whole_periods(period, start, end):
    """[start, end] widened to the first and last day of the periods it touches: counts of
    parts of a period would let hidden counts be worked out by comparing ranges."""
    first = periods.bucket_months(period, start.year, start.month)[0]
    last = periods.bucket_months(period, end.year, end.month)[-1]
    following = datetime.date(last[0] + last[1] // 12, last[1] % 12 + 1, 1)
    return datetime.date(first[0], first[1], 1), following - datetime.timedelta(days=1)


def statistics(user, *, by, period, start, end, type=None):
    if by not in FIELDS and by != "category":
        raise ValueError(by)
    protected = counts_only(user)
    if protected:
        start, end = whole_periods(period, start, end)
    where = selectors.aggregate_scope(user)
    filters = {"type": type} if type else {}
    buckets = periods.buckets(period, start, end)
    index = {key: i for i, (key, _label) in enumerate(buckets)}
    counts = defaultdict(lambda: [0] * len(buckets))
    for (key, year, month), n in _monthly(where, by, start, end, filters):
        bucket_key, _label = periods.bucket(period, year, month)
        counts[key][index[bucket_key]] += n
    if by == "unit":
        # Every unit the user counts that existed in the range is a row, with zeros when it had no cases.
        for unit in selectors.aggregate_units(user, type or None):
            if unit.existed_between(start, end):
                counts.setdefault(unit.pk, [0] * len(buckets))
    labels = _labels(by, counts.keys())
    rows = [
        {
            "key": NONE_KEY if key is None else key,
            "label": str(labels.get(key, _("Not stated"))) if key is not None else str(_("Not stated")),
            "counts": values,
            "total": sum(values),
        }
        for key, values in counts.items()
    ]
    rows.sort(key=lambda row: (-row["total"], row["label"]))
    years = [end.year - 2, end.year - 1, end.year]
    trend = defaultdict(int)
    for (month,), n in counted(
        where,
        Dimension.REPORTS,
        datetime.date(years[0], 1, 1),
        datetime.date(years[-1], 12, 31),
        ("month",),
        **filters,
    ).items():
        trend[month.year] += n
    result = {
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
        "threshold": None,
        "footnotes": [],
    }
    if protected:
        _suppress(result, [key for key, _label in buckets], SuppressionRule.threshold_on(end), start, end)
    return result


def _suppress(result, bucket_keys, threshold, start, end):
    """Hide small counts in ``result`` (in place), and every count they could be worked out from."""
    rows, width = result["rows"], len(bucket_keys)
    table = Table(
        key="statistics",
        title="",
        columns=["", *bucket_keys, "total"],
        rows=[[row["label"], *row["counts"], row["total"]] for row in rows]
        + [["", *result["totals"], result["total"]]],
        counts=list(range(1, width + 2)),
        total_row=True,
        total_column=width + 1,
        row_parts=list(range(1, width + 1)),
    )
    suppress(table, threshold)
    for r, row in enumerate(rows):
        row["counts"] = [table.value(r, c) for c in range(1, width + 1)]
        row["total"] = table.value(r, width + 1)
    last = len(rows)
    result["totals"] = [table.value(last, c) for c in range(1, width + 1)]
    result["total"] = table.value(last, width + 1)
    # A year the range covers whole is the sum of its period totals: hidden with any of them.
    for point in result["trend"]:
        year = point["year"]
        whole = start <= datetime.date(year, 1, 1) and datetime.date(year, 12, 31) <= end
        covered = [c for c, key in enumerate(bucket_keys, start=1) if key[0] == year]
        if 0 < point["count"] < threshold or (whole and any((last, c) in table.suppressed for c in covered)):
            point["count"] = None
    # In order of their labels: an order by size would tell how large a hidden count is.
    rows.sort(key=lambda row: row["label"])
    result["threshold"] = threshold
    result["footnotes"] = [str(f) for f in table.footnotes]
    if not table.footnotes and any(point["count"] is None for point in result["trend"]):
        result["footnotes"] = [str(_("* Hidden: fewer than %(threshold)d.") % {"threshold": threshold})]


def drill_down(user, *, by, value, start, end, type=None):
    """The cases behind one count, among those the user may see (``selectors.report_list``)."""
    reports = _in_range(selectors.report_list(user, type=type or None), start, end).exclude(
        state__in=UNCOUNTED_STATES
    )
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
