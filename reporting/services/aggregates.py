"""Keeping ``MonthlyCount`` equal to a fresh count of the cases, and reading from it.

* ``fresh_cells(where)`` counts the cases matching ``where`` (a ``Q`` on ``Report``) into
  cells, from the case tables: four grouped queries. It is the definition of what a cell
  holds (its row part is ``row_keys``); the rebuild, the drift check and the partial months
  of a read use it.
* ``recount(report_id)`` counts one case (two statements, ``row_keys`` again) and adds the
  difference to what it counted in before (``CountedCase``) to the cells. It is called by
  ``cases.audit.record`` for every row of the change chain that names a case, inside the
  transaction of the change: every service writes that row after its change, so the import,
  the public form and ``seed_demo`` are covered like any other service.
* ``counted(where, dimension, start, end, by)`` sums the cells of whole months and counts
  the partial months at either end of the period from the cases, so that any period gives
  the same result as counting the cases.
"""

import datetime
import itertools
import json
from collections import Counter, namedtuple
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models.lifecycles import UNCOUNTED_STATES
from reporting.models.aggregates import MonthlyCount

Dimension = MonthlyCount.Dimension
Cell = namedtuple("Cell", "month type unit namnd dimension key key2")

# Dimensions read from the report row itself (one grouped query); the others come from
# the category marks, the persons concerned and the actions.
ROW_DIMENSIONS = {
    Dimension.REPORTS,
    Dimension.STATE,
    Dimension.KIND,
    Dimension.RISK,
    Dimension.CATEGORY,
    Dimension.COMPLAINT,
    Dimension.ACTED,
    Dimension.BREACH,
}
ALL_DIMENSIONS = set(Dimension.values)

DEVIATION, COMPLAINT, DATA_BREACH = "deviation", "complaint", "data_breach"


def zone():
    return ZoneInfo(settings.TIME_ZONE)


def _models(apps=None):
    apps = apps or global_apps
    report = apps.get_model("cases", "Report")
    return SimpleNamespace(
        Report=report,
        Mark=report.categories.through,
        Person=apps.get_model("cases", "AffectedPerson"),
        Action=apps.get_model("cases", "Action"),
        Notification=apps.get_model("cases", "RegulatorNotification"),
        Decision=apps.get_model("cases", "DelegationDecision"),
        MonthlyCount=_optional(apps, "MonthlyCount"),
        CountedCase=_optional(apps, "CountedCase"),
    )


def _optional(apps, name):
    """A counting model: in reporting now, in cases in the historical states of the migrations
    before the move (cases 0011 and 0012 rebuild the counts); ``None`` where a migration's state
    does not have it yet (``CountedCase`` came after the monthly counts)."""
    for app_label in ("reporting", "cases"):
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    return None


def _key(value):
    return "" if value is None else str(value)


def _month(value):
    return value.astimezone(zone()).date() if isinstance(value, datetime.datetime) else value


def _prefixed(q, prefix):
    """``q`` on Report, as a condition on a model with a foreign key ``report``."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return clone


def breach_outcome(notified, outcome, documented_only):
    """The row of the breaches table a personal data breach counts in."""
    if notified:
        return outcome or "awaiting"
    if documented_only:
        return "not_notified"
    return "undecided"


def fresh_cells(where, *, dimensions=None, apps=None, by_case=False):
    """Counter {Cell: n} of the cases matching ``where``, counted from the case tables;
    with ``by_case``, Counter {(report id, Cell): n}: what each case counts in."""
    dimensions = ALL_DIMENSIONS if dimensions is None else set(dimensions)
    # A withdrawn report and a merged duplicate count in nothing (cases.models.UNCOUNTED_STATES).
    where = where & ~Q(state__in=UNCOUNTED_STATES)
    m = _models(apps)
    tz = zone()
    cells = Counter()
    if dimensions & ROW_DIMENSIONS:
        _row_cells(m, where, dimensions, tz, cells, by_case)
    related = _prefixed(where, "report__")
    group = ["m", "report__type", "report__unit_id", "report__namnd_id"] + (["report_id"] if by_case else [])

    def add(values, dimension, key="", n=0):
        month, type_, unit, namnd = values[:4]
        cell = Cell(_month(month), type_, unit, namnd, dimension, key, "")
        cells[(values[4], cell) if by_case else cell] += n

    if Dimension.MARK in dimensions:
        rows = (
            m.Mark.objects.filter(related)
            .annotate(m=TruncMonth("report__reported_at", tzinfo=tz))
            .values_list(*group, "term_id")
            .annotate(n=Count("id"))
        )
        for *values, term, n in rows:
            add(values, Dimension.MARK, _key(term), n)
    if Dimension.PERSONS in dimensions:
        rows = (
            m.Person.objects.filter(related)
            .annotate(m=TruncMonth("report__reported_at", tzinfo=tz))
            .values_list(*group)
            .annotate(n=Count("id"))
        )
        for *values, n in rows:
            add(values, Dimension.PERSONS, "", n)
    if Dimension.ACTION in dimensions:
        rows = (
            m.Action.objects.filter(related)
            .annotate(m=TruncMonth("report__reported_at", tzinfo=tz))
            .values_list(*group, "status")
            .annotate(n=Count("id"))
        )
        for *values, status, n in rows:
            add(values, Dimension.ACTION, status, n)
    return cells


def row_keys(row, dimensions=ALL_DIMENSIONS):
    """The (dimension, key, key2) a case counts in by its own row: the one definition shared by
    the grouped count and the count of one case. ``row`` maps the Report columns read below
    (and ``acted``, ``notified``, ``outcome``, ``documented_only``) to their values."""
    type_ = row["type"]
    if Dimension.REPORTS in dimensions:
        yield Dimension.REPORTS, "", ""
    if Dimension.STATE in dimensions:
        yield Dimension.STATE, row["state"], ""
    if Dimension.KIND in dimensions:
        yield Dimension.KIND, _key(row["complaint_kind_id"]), ""
    if Dimension.RISK in dimensions:
        yield Dimension.RISK, _key(row["risk_band_id"]), ""
    if Dimension.CATEGORY in dimensions:
        yield Dimension.CATEGORY, _key(row["category_id"]), ""
    if Dimension.COMPLAINT in dimensions and type_ == COMPLAINT:
        yield Dimension.COMPLAINT, _key(row["subject_area_id"]), _key(row["complaint_kind_id"])
    if Dimension.ACTED in dimensions and type_ == DEVIATION and row["acted"]:
        yield Dimension.ACTED, _key(row["category_id"]), ""
    if Dimension.BREACH in dimensions and type_ == DATA_BREACH:
        yield Dimension.BREACH, breach_outcome(row["notified"], row["outcome"], row["documented_only"]), ""


def _weighted(m):
    """Whether the cases carry ``event_count`` (not in the states of migrations before it)."""
    return any(f.name == "event_count" for f in m.Report._meta.get_fields())


def _weight(m):
    """What a case adds to the cells read from its own row: its number of events (a bulk
    report stands for that many; every other case for one)."""
    return Sum("event_count") if _weighted(m) else Count("id")


def _row_cells(m, where, dimensions, tz, cells, by_case):
    qs = m.Report.objects.filter(where).annotate(m=TruncMonth("reported_at", tzinfo=tz))
    fields = ["m", "type", "unit_id", "namnd_id"] + (["id"] if by_case else [])
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
        qs = qs.annotate(
            acted=Case(
                When(type=DEVIATION, then=Exists(m.Action.objects.filter(report=OuterRef("pk")))),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        fields.append("acted")
    if Dimension.BREACH in dimensions:
        imy = m.Notification.objects.filter(report=OuterRef("pk"), regulator="imy")
        not_notified = m.Decision.objects.filter(report=OuterRef("pk"), kind="not_notify_imy")
        breach = Q(type=DATA_BREACH)
        qs = qs.annotate(
            notified=Case(When(breach, then=Exists(imy)), default=Value(False), output_field=BooleanField()),
            outcome=Case(
                When(breach, then=Subquery(imy.order_by("pk").values("outcome")[:1])),
                default=Value(""),
                output_field=CharField(),
            ),
            documented_only=Case(
                When(breach, then=Exists(not_notified)), default=Value(False), output_field=BooleanField()
            ),
        )
        fields += ["notified", "outcome", "documented_only"]
    for values in qs.values_list(*fields).annotate(n=_weight(m)):
        row = dict(zip(fields, values[:-1], strict=True))
        n = values[-1]
        base = (_month(row["m"]), row["type"], row["unit_id"], row["namnd_id"])
        for dimension, key, key2 in row_keys(row, dimensions):
            cell = Cell(*base, dimension, key, key2)
            cells[(row["id"], cell) if by_case else cell] += n


# --- Periods -------------------------------------------------------------------------


def month_start(day):
    return day.replace(day=1)


def next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def local_bounds(start, end_exclusive):
    """Aware datetimes for local midnight of two dates."""
    tz = zone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tz),
        datetime.datetime.combine(end_exclusive, datetime.time.min, tz),
    )


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
        rows = (
            MonthlyCount.objects.filter(
                where, dimension=dimension, month__gte=first, month__lte=last, **filters
            )
            .values_list(*by)
            .annotate(total=Sum("n"))
        )
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


def recount(report_id):
    """Bring the cells up to date with one case: add what it counts in now, take away what it
    counted in before (its ``CountedCase``), and remember the new cells. Idempotent; writes
    nothing when nothing counted changed. A case that moved to another month, unit or type
    leaves its old cells because they are named in what it counted in before.

    Runs where ``cases.audit.record`` calls it: after the change chain's lock, which every
    audited change takes and holds until its commit. Recounts therefore run one after the
    other, each reading what the one before committed (what the case counted in included),
    and a change not yet at its audit row is counted when it gets there. The case's row is
    not locked here: a transition holds it from its UPDATE on and waits for the chain's lock
    afterwards, so locking it after the chain's lock would deadlock with it
    (``tests/cases/test_concurrency.py``). The cells are changed by adding."""
    m = _models()
    with transaction.atomic(savepoint=False):
        now, before = _case_cells(m, report_id)
        difference = Counter(now)
        difference.subtract(before)
        difference = {cell: n for cell, n in difference.items() if n}
        if difference:
            _add(m, difference)
            _remember(m, report_id, now)
    return now


def _snapshot(cells):
    return [
        [cell.month.isoformat(), cell.type, cell.unit, cell.namnd, cell.dimension, cell.key, cell.key2, n]
        for cell, n in sorted(cells.items(), key=str)
        if n
    ]


def _from_snapshot(value):
    if isinstance(value, str):  # SQLite hands the JSON over as text
        value = json.loads(value)
    return Counter(
        {Cell(datetime.date.fromisoformat(month), *rest[:-1]): rest[-1] for month, *rest in value or ()}
    )


def _sql(m):
    """The two statements that count one case, built once from the models' tables.

    Written out, not built by the ORM: they run with every audited change of a case, and
    compiling the equivalent querysets cost several times more than running them
    (docs/performance.md). What they read is exactly what ``fresh_cells`` groups by; the
    tests compare the two for every case after every kind of change."""
    q = connection.ops.quote_name

    def table(model):
        return q(model._meta.db_table)

    def col(model, name):
        return q(model._meta.get_field(name).column)

    R, A, N, D, P = m.Report, m.Action, m.Notification, m.Decision, m.Person
    mark_report, mark_term = (
        q(f.column) for f in (m.Mark._meta.get_field("report"), m.Mark._meta.get_field("term"))
    )
    weight = f"r.{col(R, 'event_count')}" if _weighted(m) else "1"
    row = (
        f"SELECT r.{col(R, 'reported_at')}, r.{col(R, 'type')}, r.{col(R, 'unit')}, r.{col(R, 'namnd')}, "
        f"r.{col(R, 'state')}, r.{col(R, 'complaint_kind')}, r.{col(R, 'subject_area')}, r.{col(R, 'risk_band')}, "
        f"r.{col(R, 'category')}, {weight}, "
        f"EXISTS (SELECT 1 FROM {table(A)} a WHERE a.{col(A, 'report')} = r.{col(R, 'id')}), "
        f"EXISTS (SELECT 1 FROM {table(N)} n WHERE n.{col(N, 'report')} = r.{col(R, 'id')} "
        f"AND n.{col(N, 'regulator')} = 'imy'), "
        f"(SELECT n.{col(N, 'outcome')} FROM {table(N)} n WHERE n.{col(N, 'report')} = r.{col(R, 'id')} "
        f"AND n.{col(N, 'regulator')} = 'imy' ORDER BY n.{col(N, 'id')} LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {table(D)} d WHERE d.{col(D, 'report')} = r.{col(R, 'id')} "
        f"AND d.{col(D, 'kind')} = 'not_notify_imy'), "
        f"c.{col(m.CountedCase, 'cells')} "
        f"FROM {table(R)} r LEFT OUTER JOIN {table(m.CountedCase)} c ON c.{col(m.CountedCase, 'report')} = r.{col(R, 'id')} "
        f"WHERE r.{col(R, 'id')} = %s"
    )
    related = (
        f"SELECT 'mark', CAST({mark_term} AS VARCHAR(40)), COUNT(*) FROM {table(m.Mark)} "
        f"WHERE {mark_report} = %s GROUP BY {mark_term} "
        f"UNION ALL SELECT 'persons', '', COUNT(*) FROM {table(P)} WHERE {col(P, 'report')} = %s "
        f"UNION ALL SELECT 'action', {col(A, 'status')}, COUNT(*) FROM {table(A)} WHERE {col(A, 'report')} = %s "
        f"GROUP BY {col(A, 'status')}"
    )
    return row, related


_STATEMENTS = {}
ROW_COLUMNS = (
    "reported_at",
    "type",
    "unit_id",
    "namnd_id",
    "state",
    "complaint_kind_id",
    "subject_area_id",
    "risk_band_id",
    "category_id",
    "event_count",
    "acted",
    "notified",
    "outcome",
    "documented_only",
)


def _case_cells(m, report_id):
    """(cells the case counts in now, cells it counted in before): two statements."""
    key = connection.alias, connection.vendor
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _sql(m)
    row_sql, related_sql = _STATEMENTS[key]
    with connection.cursor() as cursor:
        cursor.execute(row_sql, [report_id])
        found = cursor.fetchone()
        if found is None:
            return Counter(), Counter()
        *values, stored = found
        row = dict(zip(ROW_COLUMNS, values, strict=True))
        reported_at = row["reported_at"]
        if isinstance(reported_at, str):
            reported_at = parse_datetime(reported_at)
        if timezone.is_naive(reported_at):  # SQLite keeps UTC without a zone
            reported_at = reported_at.replace(tzinfo=datetime.UTC)
        for name in ("acted", "notified", "documented_only"):
            row[name] = bool(row[name])
        if row["state"] in UNCOUNTED_STATES:
            return Counter(), _from_snapshot(stored)
        base = (_month(reported_at).replace(day=1), row["type"], row["unit_id"], row["namnd_id"])
        weight = row["event_count"] or 1
        now = Counter({Cell(*base, dimension, key, key2): weight for dimension, key, key2 in row_keys(row)})
        cursor.execute(related_sql, [report_id] * 3)
        for dimension, key, n in cursor.fetchall():
            if n:
                now[Cell(*base, dimension, key, "")] += n
    return now, _from_snapshot(stored)


def _add(m, difference):
    """Add ``difference`` {Cell: n} to the cells in one statement, creating missing cells.
    In a fixed order, so that two transactions never wait for each other's rows crosswise."""
    q = connection.ops.quote_name
    table = q(m.MonthlyCount._meta.db_table)
    columns = [
        q(m.MonthlyCount._meta.get_field(name).column)
        for name in ("month", "type", "unit", "namnd", "dimension", "key", "key2", "n")
    ]
    rows = sorted(difference.items(), key=str)
    n = columns[-1]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        + f" ON CONFLICT ({', '.join(columns[:-1])}) DO UPDATE SET {n} = {table}.{n} + EXCLUDED.{n}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for cell, count in rows for value in (*cell, count)])


def _remember(m, report_id, cells):
    """Store what the case counts in now (insert or replace its ``CountedCase``)."""
    q = connection.ops.quote_name
    table = q(m.CountedCase._meta.db_table)
    field = m.CountedCase._meta.get_field("cells")
    report, cells_column = q(m.CountedCase._meta.get_field("report").column), q(field.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({report}, {cells_column}) VALUES (%s, %s) ON CONFLICT ({report}) "
            f"DO UPDATE SET {cells_column} = EXCLUDED.{cells_column}",
            [report_id, field.get_db_prep_save(_snapshot(cells), connection)],
        )


def _row(m, cell, n):
    return m.MonthlyCount(
        month=cell.month,
        type=cell.type,
        unit_id=cell.unit,
        namnd_id=cell.namnd,
        dimension=cell.dimension,
        key=cell.key,
        key2=cell.key2,
        n=n,
    )


def _years(m):
    """The local years that hold cases or cells."""
    years = {d.year for d in m.MonthlyCount.objects.dates("month", "year")}
    years |= {d.year for d in m.Report.objects.datetimes("reported_at", "year", tzinfo=zone())}
    return sorted(years)


def _year_where(year):
    low, high = local_bounds(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))
    return Q(reported_at__gte=low, reported_at__lt=high)


def rebuild(apps=None, batch_size=5000, chunk=20_000, out=None):
    """Replace every cell, and what every case counted in, by a fresh count, one local year at
    a time and within it ``chunk`` cases at a time. Returns the cells written."""
    m = _models(apps)
    written = 0
    with transaction.atomic():
        years = _years(m)
        m.MonthlyCount.objects.all().delete()
        if m.CountedCase is not None:
            m.CountedCase.objects.all().delete()
        for year in years:
            where = _year_where(year)
            cells = Counter()
            ids = list(m.Report.objects.filter(where).order_by("pk").values_list("pk", flat=True))
            bounds = ids[::chunk]
            for low, high in itertools.pairwise([*bounds, None]):  # none for a year without cases
                part = where & Q(pk__gte=low) & (Q(pk__lt=high) if high is not None else Q())
                of_case = {}
                for (report_id, cell), n in fresh_cells(part, apps=apps, by_case=True).items():
                    of_case.setdefault(report_id, Counter())[cell] += n
                    cells[cell] += n
                if m.CountedCase is not None:  # not yet in migration 0011's state
                    m.CountedCase.objects.bulk_create(
                        [
                            m.CountedCase(report_id=report_id, cells=_snapshot(counted))
                            for report_id, counted in of_case.items()
                        ],
                        batch_size=batch_size,
                    )
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
        stored = Counter(
            {
                Cell(month, t, u, nd, d, k, k2): n
                for month, t, u, nd, d, k, k2, n in m.MonthlyCount.objects.filter(
                    month__year=year
                ).values_list("month", "type", "unit_id", "namnd_id", "dimension", "key", "key2", "n")
            }
        )
        for cell in sorted(set(fresh) | set(stored), key=str):
            if fresh.get(cell, 0) != stored.get(cell, 0):
                differences.append((cell, stored.get(cell, 0), fresh.get(cell, 0)))
    return differences
