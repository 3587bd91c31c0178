"""Keeping ``MonthlyCount`` equal to a fresh count of the cases, and reading from it.

* ``fresh_cells(where)`` counts the cases matching ``where`` (a ``Q`` on ``Report``) into
  cells, from the case tables: four grouped queries. It is the one definition of what a
  cell holds; the rebuild, the drift check, the recount and the partial months of a read
  all use it.
* ``recount(report_id, previous=...)`` recounts the cells of the case's group (its local
  month, type, unit and nämnd), and of the group it was in before when a change moved it
  (``previous``: the reported time, type, unit and nämnd as read). It is called by
  ``cases.audit.record`` for every row of the change chain that names a case, inside the
  transaction of the change: every service writes that row after its change, so the import,
  the public form and ``seed_demo`` are covered like any other service.
* ``counted(where, dimension, start, end, by)`` sums the cells of whole months and counts
  the partial months at either end of the period from the cases, so that any period gives
  the same result as counting the cases.
"""

import datetime
from collections import Counter, namedtuple
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, CharField, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth

from cases.models.aggregates import MonthlyCount

Dimension = MonthlyCount.Dimension
Cell = namedtuple("Cell", "month type unit namnd dimension key key2")

# Dimensions read from the report row itself (one grouped query); the others come from
# the category marks, the persons concerned and the actions.
ROW_DIMENSIONS = {Dimension.REPORTS, Dimension.STATE, Dimension.KIND, Dimension.RISK, Dimension.CATEGORY,
                  Dimension.COMPLAINT, Dimension.ACTED, Dimension.BREACH}
ALL_DIMENSIONS = set(Dimension.values)

DEVIATION, COMPLAINT, DATA_BREACH = "deviation", "complaint", "data_breach"


def zone():
    return ZoneInfo(settings.TIME_ZONE)


def _models(apps=None):
    apps = apps or global_apps
    report = apps.get_model("cases", "Report")
    return SimpleNamespace(
        Report=report, Mark=report.categories.through, Person=apps.get_model("cases", "AffectedPerson"),
        Action=apps.get_model("cases", "Action"), Notification=apps.get_model("cases", "RegulatorNotification"),
        Decision=apps.get_model("cases", "DelegationDecision"), MonthlyCount=apps.get_model("cases", "MonthlyCount"))


def _key(value):
    return "" if value is None else str(value)


def _month(value):
    return value.astimezone(zone()).date() if isinstance(value, datetime.datetime) else value


def _prefixed(q, prefix):
    """``q`` on Report, as a condition on a model with a foreign key ``report``."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [_prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
                      for child in q.children]
    return clone


def breach_outcome(notified, outcome, documented_only):
    """The row of the breaches table a personal data breach counts in."""
    if notified:
        return outcome or "awaiting"
    if documented_only:
        return "not_notified"
    return "undecided"


def fresh_cells(where, *, dimensions=None, apps=None):
    """Counter {Cell: n} of the cases matching ``where``, counted from the case tables."""
    dimensions = ALL_DIMENSIONS if dimensions is None else set(dimensions)
    m = _models(apps)
    tz = zone()
    cells = Counter()
    if dimensions & ROW_DIMENSIONS:
        _row_cells(m, where, dimensions, tz, cells)
    related = _prefixed(where, "report__")
    group = ["m", "report__type", "report__unit_id", "report__namnd_id"]
    if Dimension.MARK in dimensions:
        rows = (m.Mark.objects.filter(related).annotate(m=TruncMonth("report__reported_at", tzinfo=tz))
                .values_list(*group, "term_id").annotate(n=Count("id")))
        for month, type_, unit, namnd, term, n in rows:
            cells[Cell(_month(month), type_, unit, namnd, Dimension.MARK, _key(term), "")] += n
    if Dimension.PERSONS in dimensions:
        rows = (m.Person.objects.filter(related).annotate(m=TruncMonth("report__reported_at", tzinfo=tz))
                .values_list(*group).annotate(n=Count("id")))
        for month, type_, unit, namnd, n in rows:
            cells[Cell(_month(month), type_, unit, namnd, Dimension.PERSONS, "", "")] += n
    if Dimension.ACTION in dimensions:
        rows = (m.Action.objects.filter(related).annotate(m=TruncMonth("report__reported_at", tzinfo=tz))
                .values_list(*group, "status").annotate(n=Count("id")))
        for month, type_, unit, namnd, status, n in rows:
            cells[Cell(_month(month), type_, unit, namnd, Dimension.ACTION, status, "")] += n
    return cells


def _row_cells(m, where, dimensions, tz, cells):
    qs = m.Report.objects.filter(where).annotate(m=TruncMonth("reported_at", tzinfo=tz))
    fields = ["m", "type", "unit_id", "namnd_id"]
    if Dimension.STATE in dimensions:
        fields.append("state")
    if dimensions & {Dimension.KIND, Dimension.COMPLAINT}:
        fields.append("complaint_kind_id")
    if Dimension.COMPLAINT in dimensions:
        fields.append("subject_area_id")
    if Dimension.RISK in dimensions:
        fields.append("risk_band_id")
    if dimensions & {Dimension.CATEGORY, Dimension.ACTED}:
        fields.append("category_id")
    if Dimension.ACTED in dimensions:
        # Only a deviation's actions decide the deviations table; other types skip the probe.
        qs = qs.annotate(acted=Case(When(type=DEVIATION, then=Exists(m.Action.objects.filter(report=OuterRef("pk")))),
                                    default=Value(False), output_field=BooleanField()))
        fields.append("acted")
    if Dimension.BREACH in dimensions:
        imy = m.Notification.objects.filter(report=OuterRef("pk"), regulator="imy")
        not_notified = m.Decision.objects.filter(report=OuterRef("pk"), kind="not_notify_imy")
        breach = Q(type=DATA_BREACH)
        qs = qs.annotate(
            notified=Case(When(breach, then=Exists(imy)), default=Value(False), output_field=BooleanField()),
            outcome=Case(When(breach, then=Subquery(imy.values("outcome")[:1])), default=Value(""),
                         output_field=CharField()),
            documented_only=Case(When(breach, then=Exists(not_notified)), default=Value(False),
                                 output_field=BooleanField()))
        fields += ["notified", "outcome", "documented_only"]
    for values in qs.values_list(*fields).annotate(n=Count("id")):
        row = dict(zip(fields, values[:-1]))
        n = values[-1]
        base = (_month(row["m"]), row["type"], row["unit_id"], row["namnd_id"])

        def add(dimension, key="", key2=""):
            cells[Cell(*base, dimension, key, key2)] += n

        if Dimension.REPORTS in dimensions:
            add(Dimension.REPORTS)
        if Dimension.STATE in dimensions:
            add(Dimension.STATE, row["state"])
        if Dimension.KIND in dimensions:
            add(Dimension.KIND, _key(row["complaint_kind_id"]))
        if Dimension.RISK in dimensions:
            add(Dimension.RISK, _key(row["risk_band_id"]))
        if Dimension.CATEGORY in dimensions:
            add(Dimension.CATEGORY, _key(row["category_id"]))
        if Dimension.COMPLAINT in dimensions and row["type"] == COMPLAINT:
            add(Dimension.COMPLAINT, _key(row["subject_area_id"]), _key(row["complaint_kind_id"]))
        if Dimension.ACTED in dimensions and row["type"] == DEVIATION and row["acted"]:
            add(Dimension.ACTED, _key(row["category_id"]))
        if Dimension.BREACH in dimensions and row["type"] == DATA_BREACH:
            add(Dimension.BREACH, breach_outcome(row["notified"], row["outcome"], row["documented_only"]))


# --- Periods -------------------------------------------------------------------------

def month_start(day):
    return day.replace(day=1)


def next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def local_bounds(start, end_exclusive):
    """Aware datetimes for local midnight of two dates."""
    tz = zone()
    return (datetime.datetime.combine(start, datetime.time.min, tz),
            datetime.datetime.combine(end_exclusive, datetime.time.min, tz))


def split(start, end):
    """(first whole month, last whole month or None, [partial day ranges]) for the local days
    ``start``..``end`` inclusive: whole months are read from the cells, the rest from the cases."""
    first = start if start.day == 1 else next_month(start)
    after = end + datetime.timedelta(days=1)
    last = month_start(after) - datetime.timedelta(days=1)  # the last day of the last whole month
    if first > last:
        return None, None, [(start, after)]
    partial = []
    if start < first:
        partial.append((start, first))
    if after > last + datetime.timedelta(days=1):
        partial.append((last + datetime.timedelta(days=1), after))
    return first, month_start(last), partial


def counted(where, dimension, start, end, by, **filters):
    """Counter {tuple of ``by``: n} for one dimension over the cases matching ``where`` and
    ``filters`` (conditions that hold on both Report and MonthlyCount: type, unit, nämnd)
    reported on the local days ``start``..``end``. ``by`` names Cell fields."""
    first, last, partial = split(start, end)
    result = Counter()
    if first is not None:
        rows = (MonthlyCount.objects.filter(where, dimension=dimension, month__gte=first, month__lte=last, **filters)
                .values_list(*by).annotate(total=Sum("n")))
        for *keys, n in rows:
            if n:
                result[tuple(keys)] += n
    for low_day, high_day in partial:
        low, high = local_bounds(low_day, high_day)
        cases = where & Q(reported_at__gte=low, reported_at__lt=high, **filters)
        for cell, n in fresh_cells(cases, dimensions={dimension}).items():
            if cell.dimension == dimension and n:
                result[tuple(getattr(cell, name) for name in by)] += n
    return result


# --- Keeping the cells --------------------------------------------------------------

def group_of(reported_at, type_, unit_id, namnd_id):
    return (reported_at.astimezone(zone()).date().replace(day=1), type_, unit_id, namnd_id)


def recount(report_id, previous=None):
    """Recount the cells of the case's group, and of ``previous`` (reported_at, type, unit id,
    nämnd id as they were before the change) when that differs. Idempotent."""
    row = _models().Report.objects.filter(pk=report_id).values_list(
        "reported_at", "type", "unit_id", "namnd_id").first()
    groups = set()
    if row is not None:
        groups.add(group_of(*row))
    if previous is not None and None not in previous:
        groups.add(group_of(*previous))
    with transaction.atomic(savepoint=False):
        for group in sorted(groups, key=str):
            recount_group(group)


def _lock(group):
    """Two transactions recounting one group wait for each other (PostgreSQL); SQLite
    serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                           ["monthly:" + ":".join(str(part) for part in group)])


def recount_group(group, apps=None):
    month, type_, unit_id, namnd_id = group
    m = _models(apps)
    _lock(group)
    low, high = local_bounds(month, next_month(month))
    fresh = fresh_cells(Q(type=type_, unit_id=unit_id, namnd_id=namnd_id, reported_at__gte=low, reported_at__lt=high),
                        apps=apps)
    stored = {Cell(month, type_, unit_id, namnd_id, d, k, k2): (pk, n) for pk, d, k, k2, n in
              m.MonthlyCount.objects.filter(month=month, type=type_, unit_id=unit_id, namnd_id=namnd_id)
              .values_list("pk", "dimension", "key", "key2", "n")}
    gone = [pk for cell, (pk, _n) in stored.items() if not fresh.get(cell)]
    changed = [m.MonthlyCount(pk=stored[cell][0], n=n) for cell, n in fresh.items()
               if cell in stored and stored[cell][1] != n]
    new = [_row(m, cell, n) for cell, n in fresh.items() if n and cell not in stored]
    if gone:
        m.MonthlyCount.objects.filter(pk__in=gone).delete()
    if changed:
        m.MonthlyCount.objects.bulk_update(changed, ["n"])
    if new:
        m.MonthlyCount.objects.bulk_create(new)


def _row(m, cell, n):
    return m.MonthlyCount(month=cell.month, type=cell.type, unit_id=cell.unit, namnd_id=cell.namnd,
                          dimension=cell.dimension, key=cell.key, key2=cell.key2, n=n)


def _years(m):
    """The local years that hold cases or cells."""
    years = {d.year for d in m.MonthlyCount.objects.dates("month", "year")}
    years |= {d.year for d in m.Report.objects.datetimes("reported_at", "year", tzinfo=zone())}
    return sorted(years)


def _year_where(year):
    low, high = local_bounds(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))
    return Q(reported_at__gte=low, reported_at__lt=high)


def rebuild(apps=None, batch_size=5000, out=None):
    """Replace every cell by a fresh count, one local year at a time. Returns the cells written."""
    m = _models(apps)
    written = 0
    with transaction.atomic():
        years = _years(m)
        m.MonthlyCount.objects.all().delete()
        for year in years:
            cells = fresh_cells(_year_where(year), apps=apps)
            rows = [_row(m, cell, n) for cell, n in cells.items() if n]
            m.MonthlyCount.objects.bulk_create(rows, batch_size=batch_size)
            written += len(rows)
            if out:
                out(f"{year}: {len(rows)} cells")
    return written


def drift(apps=None):
    """[(cell, stored, fresh)] for every cell where the table differs from a fresh count."""
    m = _models(apps)
    differences = []
    for year in _years(m):
        fresh = fresh_cells(_year_where(year), apps=apps)
        stored = Counter({Cell(month, t, u, nd, d, k, k2): n for month, t, u, nd, d, k, k2, n in
                          m.MonthlyCount.objects.filter(month__year=year).values_list(
                              "month", "type", "unit_id", "namnd_id", "dimension", "key", "key2", "n")})
        for cell in sorted(set(fresh) | set(stored), key=str):
            if fresh.get(cell, 0) != stored.get(cell, 0):
                differences.append((cell, stored.get(cell, 0), fresh.get(cell, 0)))
    return differences
