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
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from viewflow.workflow.models import Task

from cases import audit
from cases.access import role_scope
from cases.models import AuditEvent, OrgUnit, Report, ReportType, User
from records.models import LogPick, LogReview
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
            "e.id, e.actor_id, e.actor_name, e.report_id, e.occurred_at, e.action, r.case_number, cu.path"
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

    def count(self):
        return self.fetch(f"SELECT count(*) {self.base}", self.params)[0][0]

    def targeted(self, reason, hashed, limit):
        condition, params = self.conditions[reason]
        return self.rows(
            f"SELECT {self.columns} {self.reader_base} AND {condition} "
            f"ORDER BY {hashed.sql('e.id')}, e.id LIMIT %s",
            [*self.params, *params, limit],
        )


def targeted_picks(query, seed):
    """``{event pk: (row, [reasons])}`` of the targeted categories: a few rows each."""
    picks = {}
    hashed = _Hash(seed, "targeted")
    for reason in query.conditions:
        for row in query.targeted(reason, hashed, settings.RECORDS_LOG_TARGETED_MAX):
            picks.setdefault(row[0], (row, []))[1].append(reason)
    return picks


def insert_random_picks(query, review, seed, share, leave_out):
    """Write the rows picked at random as picks of ``review`` with one INSERT … SELECT (no
    row passes through Python), but for the ``leave_out`` ids (the targeted picks, written
    with all their reasons by the caller). The readers' roles follow (``fill_roles``)."""
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
    sql = (
        f"INSERT INTO {q(LogPick._meta.db_table)} ({', '.join(map(q, columns))}) "
        f"SELECT e.id, e.actor_name, '[]', e.report_id, r.case_number, e.action, e.occurred_at, "
        f"'[\"{Reason.RANDOM}\"]', '', '', '', e.actor_id, %s "
        f"{query.base} AND {_Hash(seed, 'random').sql('e.id')} < %s{excluded}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk, *query.params, threshold])
        return cursor.rowcount


def fill_roles(review):
    """The readers' roles on the case's unit for the picks written without them: one lookup
    per reader and unit, one UPDATE per reader and set of roles."""
    pairs = (
        LogPick.objects.filter(review=review, reader__isnull=False, reader_roles=[])
        .annotate(path=Subquery(Report.objects.filter(pk=OuterRef("report_id")).values("unit__path")[:1]))
        .values_list("reader_id", "path")
        .distinct()
    )
    by_reader = {}
    for reader_id, path in pairs:
        by_reader.setdefault(reader_id, set()).add(path)
    users = User.objects.in_bulk(list(by_reader))
    for reader_id, paths in by_reader.items():
        grouped = {}
        for path in paths:
            roles = tuple(sorted(role_scope(users[reader_id]).roles_on(_Unit(path))))
            if roles:
                grouped.setdefault(roles, []).append(path)
        for roles, unit_paths in grouped.items():
            LogPick.objects.filter(
                review=review,
                reader_id=reader_id,
                report_id__in=Report.objects.filter(unit__path__in=unit_paths).values("pk"),
            ).update(reader_roles=list(roles))


class _Picks:
    """Writes the picks in batches, with the reader's roles on the case's unit (one lookup
    per reader and unit)."""

    def __init__(self, review):
        self.review, self.readers, self.roles, self.written = review, {}, {}, 0

    def _roles(self, user, path):
        key = (user.pk, path)
        if key not in self.roles:
            self.roles[key] = sorted(role_scope(user).roles_on(_Unit(path)))
        return self.roles[key]

    def write(self, picks):
        wanted = {row[1] for row, _reasons in picks if row[1] and row[1] not in self.readers}
        self.readers.update(User.objects.in_bulk(wanted))
        objects = []
        for row, reasons in picks:
            pk, actor_id, actor_name, report_id, occurred_at, action, case_number, path = row
            user = self.readers.get(actor_id)
            objects.append(
                LogPick(
                    review=self.review,
                    event_id=pk,
                    reader=user,
                    reader_name=actor_name,
                    reader_roles=self._roles(user, path) if user else [],
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
    same rows and seed give the same picks."""
    seed = seed or secrets.token_hex(16)
    share = Decimal(str(share if share is not None else settings.RECORDS_LOG_SAMPLE_SHARE))
    query = _Query(board, start, end)
    local_end = timezone.localtime(end)
    due_month = local_end.date().replace(day=1)
    due_by = due_month.replace(day=min(settings.RECORDS_LOG_REVIEW_DUE_DAY, 28))
    if due_by < timezone.localdate(now):
        due_by = timezone.localdate(now) + datetime.timedelta(days=14)
    with transaction.atomic():
        reads = query.count()
        targeted = targeted_picks(query, seed)
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
        writer = _Picks(review)
        writer.write(
            [
                (row, [Reason.RANDOM, *reasons] if randomly(row[0]) < threshold else reasons)
                for row, reasons in sorted(targeted.values())
            ]
        )
        written = writer.written + insert_random_picks(query, review, seed, share, leave_out=list(targeted))
        fill_roles(review)
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


class _Unit:
    """Enough of a unit for ``RoleScope.roles_on``: its path."""

    def __init__(self, path):
        self.path = path
