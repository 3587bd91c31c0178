"""Drawing a loggkontroll: the random share and the targeted picks of one board's case reads.

The reads are the access chain's rows naming one case (``report_id``) of the board in the
period. The draw runs in the database, set-based (docs/records.md, "Benchmarks"): every row
gets a number ``h(id)`` in ``[0, P)`` from a hash of its id whose constants come from the
seed (``_Hash``: an affine map, a square and another affine map modulo the prime
``P = 2^31 - 1``, plain integer arithmetic that PostgreSQL and SQLite compute alike); a row is
picked at random when ``h(id) < share × P``. Each targeted category (``LogPick.Reason``) is
one query for at most ``RECORDS_LOG_TARGETED_MAX`` rows, the ones with the smallest number
under a second hash from the same seed. So the same rows and the same seed give the same
picks, whatever order the database reads them in.
"""

import datetime
import hashlib
import json
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from cases import audit
from cases.models import AuditEvent, OrgUnit, Report, ReportType, User
from records.models import LogPick, LogReview
from records.roles import RoleHistory
from workflows.models import CaseProcess, Substitute

Reason = LogPick.Reason
SENSITIVE = {ReportType.DATA_BREACH, ReportType.LEX_SARAH, ReportType.LEX_MARIA}
PRIME = 2**31 - 1


class _Hash:
    """``h(id)``: four constants in ``[1, P)`` from ``sha256(seed:purpose)``."""

    def __init__(self, seed, purpose):
        digest = hashlib.sha256(f"{seed}:{purpose}".encode()).digest()
        self.a, self.b, self.c, self.d = (
            1 + int.from_bytes(digest[i : i + 8], "big") % (PRIME - 1) for i in range(0, 32, 8)
        )

    def sql(self, column):
        """The same as SQL, for a statement run with parameters (``%%`` is the operator)."""
        first = f"((CAST({column} AS BIGINT) * {self.a} + {self.b}) %% {PRIME})"
        return f"((({first} * {first}) %% {PRIME}) * {self.c} + {self.d}) %% {PRIME}"

    def __call__(self, row_id):
        first = (row_id * self.a + self.b) % PRIME
        return ((first * first) % PRIME * self.c + self.d) % PRIME


def _office_windows(start, end):
    """The office hours in [start, end) as UTC intervals, worked out in the local zone (so
    summer time is right): reads outside all of them are off hours."""
    first, last = settings.RECORDS_OFFICE_HOURS
    day = timezone.localtime(start).date() - datetime.timedelta(days=1)
    windows = []
    zone = timezone.get_current_timezone()
    while day <= timezone.localtime(end).date():
        if day.weekday() < 5:
            opens = datetime.datetime.combine(day, datetime.time(first), tzinfo=zone)
            closes = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone) + datetime.timedelta(
                hours=last
            )
            windows.append((opens, closes))
        day += datetime.timedelta(days=1)
    return windows


def _aware(value):
    """A timestamp as the raw cursor hands it over: SQLite gives UTC text."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)


class _Query:
    """The period's case reads of one board as SQL, with a condition per targeted category."""

    def __init__(self, board, start, end):
        q = connection.ops.quote_name
        self.columns = (
            "e.id, e.actor_id, e.actor_name, e.report_id, e.occurred_at, e.action, r.case_number, cu.path, "
            "r.unit_id"
        )
        self.base = (
            f"FROM {q(AuditEvent._meta.db_table)} e "
            f"JOIN {q(Report._meta.db_table)} r ON r.id = e.report_id "
            f"JOIN {q(OrgUnit._meta.db_table)} cu ON cu.id = r.unit_id "
            f"WHERE e.chain = %s AND e.occurred_at >= %s AND e.occurred_at < %s AND r.namnd_id = %s"
        )
        adapt = connection.ops.adapt_datetimefield_value
        self.params = [str(AuditEvent.Chain.ACCESS), adapt(start), adapt(end), board.pk]
        reader = (
            f" JOIN {q(User._meta.db_table)} u ON u.id = e.actor_id "
            f"LEFT JOIN {q(OrgUnit._meta.db_table)} hu ON hu.id = u.home_unit_id "
        )
        self.reader_base = self.base.replace(" WHERE ", reader + "WHERE ", 1)
        windows = _office_windows(start, end)
        adapt = connection.ops.adapt_datetimefield_value
        in_office = " OR ".join(["(e.occurred_at >= %s AND e.occurred_at < %s)"] * len(windows)) or "1 = 0"
        task, process = Task._meta, CaseProcess._meta
        self.conditions = {
            Reason.OUTSIDE_UNITS: (
                "(hu.id IS NULL OR substr(cu.path, 1, length(hu.path)) <> hu.path)",
                [],
            ),
            Reason.SUBSTITUTE: (
                f"EXISTS (SELECT 1 FROM {q(Substitute._meta.db_table)} s WHERE s.substitute_id = e.actor_id "
                "AND s.starts_at <= e.occurred_at AND e.occurred_at < s.ends_at)",
                [],
            ),
            Reason.SENSITIVE_TYPE: (f"r.type IN ({', '.join(['%s'] * len(SENSITIVE))})", sorted(SENSITIVE)),
            Reason.NO_TASK: (
                "(r.reporter_id IS NULL OR r.reporter_id <> e.actor_id) "
                "AND (r.handler_id IS NULL OR r.handler_id <> e.actor_id) "
                f"AND NOT EXISTS (SELECT 1 FROM {q(task.db_table)} t JOIN {q(process.db_table)} cp "
                f"ON cp.{q(process.pk.column)} = t.{q(task.get_field('process').column)} "
                f"WHERE cp.report_id = e.report_id AND t.{q(task.get_field('owner').column)} = e.actor_id)",
                [],
            ),
            Reason.OFF_HOURS: (
                f"NOT ({in_office})",
                [adapt(moment) for window in windows for moment in window],
            ),
        }

    def fetch(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def rows(self, sql, params):
        return [(*row[:4], _aware(row[4]), *row[5:]) for row in self.fetch(sql, params)]

    def survey(self):
        """``[(reader id, unit id, unit path, reads)]``: one pass over the period's reads, for
        their count and the readers and units whose roles the picks show."""
        return self.fetch(
            f"SELECT e.actor_id, r.unit_id, cu.path, count(*) {self.base} "
            "GROUP BY e.actor_id, r.unit_id, cu.path",
            self.params,
        )

    def targeted(self, reason, hashed, limit):
        condition, params = self.conditions[reason]
        return self.rows(
            f"SELECT {self.columns} {self.reader_base} AND {condition} "
            f"ORDER BY {hashed.sql('e.id')}, e.id LIMIT %s",
            [*self.params, *params, limit],
        )

    def candidates(self, hashed, below):
        """The reads whose targeted number is below ``below``, each with a flag per targeted
        category: one pass, the categories' conditions worked out for those rows only."""
        flags, params = [], []
        for condition, condition_params in self.conditions.values():
            flags.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END")
            params += condition_params
        return self.rows(
            f"SELECT {self.columns}, {', '.join(flags)} {self.reader_base} AND {hashed.sql('e.id')} < %s",
            [*params, *self.params, below],
        )


# At most this many rows come back from the pass that looks for the targeted picks.
CANDIDATES = 20_000


def targeted_picks(query, seed, reads):
    """``{event pk: (row, [reasons])}`` of the targeted categories: at most
    ``RECORDS_LOG_TARGETED_MAX`` rows each, those with the smallest number under the seed's
    second hash. One pass fetches the rows whose number is below a bound chosen so that about
    ``CANDIDATES`` rows come back; a category with enough rows among them has its picks there
    (the smallest numbers of all its rows are below the bound), and only a category with too
    few (a rare one) is looked for on its own, with its own query."""
    limit = settings.RECORDS_LOG_TARGETED_MAX
    hashed = _Hash(seed, "targeted")
    below = PRIME if reads <= CANDIDATES else PRIME * CANDIDATES // reads
    reasons = list(query.conditions)
    found = {reason: [] for reason in reasons}
    for row in query.candidates(hashed, below):
        for reason, flag in zip(reasons, row[9:], strict=True):
            if flag:
                found[reason].append((hashed(row[0]), row[0], row[:9]))
    picks = {}
    for reason in reasons:
        if len(found[reason]) >= limit or below >= PRIME:
            rows = [row for _h, _pk, row in sorted(found[reason])[:limit]]
        else:
            rows = query.targeted(reason, hashed, limit)
        for row in rows:
            picks.setdefault(row[0], (row, []))[1].append(reason)
    return picks


class _Roles:
    """The roles each reader held on each unit when they read, by span of time
    (``records.roles``), in a temporary table the random picks' INSERT joins."""

    TABLE = "records_draw_roles"

    def __init__(self, survey, start, end):
        self.start, self.end = start, end
        self.history = RoleHistory({reader for reader, *_x in survey}, start)
        self.spans = {}
        self.by_pair = {}
        for reader, unit_id, path, _count in survey:
            if reader is None:
                continue
            spans = self.spans.setdefault(reader, self.history.spans(reader, start, end))
            self.by_pair[(reader, unit_id)] = [
                (first, last, self.history.roles_at(reader, path, first)) for first, last in spans
            ]

    def at(self, reader, unit_id, moment):
        for first, last, roles in self.by_pair.get((reader, unit_id), ()):
            if first <= moment < last:
                return roles
        return []

    def create(self):
        """The temporary table of the spans with roles; returns its JOIN for the INSERT."""
        q = connection.ops.quote_name
        postgres = connection.vendor == "postgresql"
        kind = "jsonb" if postgres else "text"
        moment = "timestamp with time zone" if postgres else "datetime"
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {q(self.TABLE)}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {q(self.TABLE)} (reader_id bigint, unit_id bigint, "
                f"valid_from {moment}, valid_to {moment}, roles {kind})"
            )
            rows = [
                (reader, unit_id, adapt(first), adapt(last), json.dumps(roles))
                for (reader, unit_id), spans in self.by_pair.items()
                for first, last, roles in spans
                if roles
            ]
            if rows:
                cursor.executemany(f"INSERT INTO {q(self.TABLE)} VALUES (%s, %s, %s, %s, %s)", rows)
        return (
            f" LEFT JOIN {q(self.TABLE)} m ON m.reader_id = e.actor_id AND m.unit_id = r.unit_id "
            "AND m.valid_from <= e.occurred_at AND e.occurred_at < m.valid_to "
        )

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(self.TABLE)}")


def insert_random_picks(query, review, seed, share, leave_out, roles):
    """Write the rows picked at random as picks of ``review`` with one INSERT … SELECT (no
    row passes through Python), with the reader's roles at the time from ``roles`` (a
    ``_Roles``), but for the ``leave_out`` ids (the targeted picks, written with all their
    reasons by the caller)."""
    q = connection.ops.quote_name
    threshold = int(Decimal(share) * PRIME)
    columns = [
        "event_id",
        "reader_name",
        "reader_roles",
        "report_id",
        "case_number",
        "action",
        "occurred_at",
        "reasons",
        "verdict",
        "note",
        "follow_up_note",
        "reader_id",
        "review_id",
    ]
    excluded = f" AND e.id NOT IN ({', '.join(str(int(pk)) for pk in leave_out)})" if leave_out else ""
    empty = "'[]'::jsonb" if connection.vendor == "postgresql" else "'[]'"
    base = query.base.replace(" WHERE ", roles.create() + "WHERE ", 1)
    sql = (
        f"INSERT INTO {q(LogPick._meta.db_table)} ({', '.join(map(q, columns))}) "
        f"SELECT e.id, e.actor_name, COALESCE(m.roles, {empty}), e.report_id, r.case_number, e.action, "
        f"e.occurred_at, '[\"{Reason.RANDOM}\"]', '', '', '', e.actor_id, %s "
        f"{base} AND {_Hash(seed, 'random').sql('e.id')} < %s{excluded}"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [review.pk, *query.params, threshold])
            return cursor.rowcount
    finally:
        roles.drop()


class _Picks:
    """Writes the targeted picks with the reader's roles when they read (``_Roles``)."""

    def __init__(self, review, roles):
        self.review, self.roles, self.readers, self.written = review, roles, {}, 0

    def write(self, picks):
        wanted = {row[1] for row, _reasons in picks if row[1] and row[1] not in self.readers}
        self.readers.update(User.objects.in_bulk(wanted))
        objects = []
        for row, reasons in picks:
            pk, actor_id, actor_name, report_id, occurred_at, action, case_number, _path, unit_id = row
            user = self.readers.get(actor_id)
            objects.append(
                LogPick(
                    review=self.review,
                    event_id=pk,
                    reader=user,
                    reader_name=actor_name,
                    reader_roles=self.roles.at(actor_id, unit_id, occurred_at) if user else [],
                    report_id=report_id,
                    case_number=case_number,
                    action=action,
                    occurred_at=occurred_at,
                    reasons=[str(r) for r in reasons],
                )
            )
        LogPick.objects.bulk_create(objects, batch_size=1000)
        self.written += len(objects)


def draw_log_review(board, start, end, *, now, seed=None, share=None):
    """Draw the board's review of the reads in [start, end) and store it with its seed. The
    same rows and seed give the same picks. Passes over the period's reads: one for their
    count (and the readers and units), one for the targeted picks (and one for each rare
    category), one for the random share."""
    seed = seed or secrets.token_hex(16)
    share = Decimal(str(share if share is not None else settings.RECORDS_LOG_SAMPLE_SHARE))
    query = _Query(board, start, end)
    local_end = timezone.localtime(end)
    due_month = local_end.date().replace(day=1)
    due_by = due_month.replace(day=min(settings.RECORDS_LOG_REVIEW_DUE_DAY, 28))
    if due_by < timezone.localdate(now):
        due_by = timezone.localdate(now) + datetime.timedelta(days=14)
    with transaction.atomic():
        survey = query.survey()
        reads = sum(count for *_x, count in survey)
        roles = _Roles(survey, start, end)
        targeted = targeted_picks(query, seed, reads)
        review = LogReview.objects.create(
            board=board,
            period_start=start,
            period_end=end,
            seed=seed,
            share=share,
            reads_in_period=reads,
            created_at=now,
            due_by=due_by,
        )
        randomly = _Hash(seed, "random")
        threshold = int(share * PRIME)
        writer = _Picks(review, roles)
        writer.write(
            [
                (row, [Reason.RANDOM, *reasons] if randomly(row[0]) < threshold else reasons)
                for row, reasons in sorted(targeted.values())
            ]
        )
        written = writer.written + insert_random_picks(
            query, review, seed, share, leave_out=list(targeted), roles=roles
        )
        audit.record(
            "logreview.drawn",
            obj=review,
            payload={
                "by": "scheduler",
                "board": board.pk,
                "period_start": start,
                "period_end": end,
                "seed": seed,
                "share": str(share),
                "reads": reads,
                "picks": written,
            },
        )
    return review
