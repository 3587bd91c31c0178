"""What the benchmark does to the database; imported only after ``django.setup()``.

Both paths take a freshly filed deviation from ``reported`` to ``assessed``:

service  ``cases.services.do_transition(..., "assess", ...)``: the scoped load, the
         permission check, form validation (term, risk band, routing rule), the django-fsm
         transition, the optimistic-lock UPDATE, the chained audit row, on-commit events.
floor    the same rows written by hand in one psycopg transaction (``FloorWriter``): the
         case, its clock, its tasks, the audit row with its HMAC and the sealed head, the
         monthly counts, the counted case and the outbox row.
"""

import datetime
import re
import time
from collections import Counter

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg.types.json import Jsonb

from cases import audit
from cases.models import AuditEvent, OrgUnit, Report, RiskBand, RiskRoutingRule, Role, Term
from cases.services import do_file_report, do_grant_role, do_transition


def build_org(tag):
    """A board of its own per run, so that case numbers never meet an earlier run's."""
    kommun = OrgUnit.objects.create(kind="kommun", name=f"Benchkommun {tag}")
    board = OrgUnit.objects.create(
        kind="namnd", name="Socialnämnden", parent=kommun, case_number_prefix=f"B{tag}"
    )
    administration = OrgUnit.objects.create(kind="forvaltning", name="Socialförvaltningen", parent=board)
    department = OrgUnit.objects.create(kind="avdelning", name="Äldreomsorg", parent=administration)
    unit = OrgUnit.objects.create(kind="enhet", name="Hemtjänst Centrum", parent=department)
    User = get_user_model()
    reporter = User.objects.create_user(
        username=f"bench-reporter-{tag}", first_name="Rapportör", last_name="Bench"
    )
    manager = User.objects.create_user(
        username=f"bench-manager-{tag}", first_name="Enhetschef", last_name="Bench", title="Enhetschef"
    )
    do_grant_role(manager, Role.UNIT_MANAGER, unit, acting_user=None)
    return unit, reporter, manager


def file_deviations(count, unit, reporter):
    data = {
        "type": "deviation",
        "unit": unit.pk,
        "description": "Brukaren fick fel medicin på kvällen.",
        "occurred_at": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
    }
    return [do_file_report(acting_user=reporter, data=data).pk for _ in range(count)]


def assess_data():
    """Low risk (2 × 2), so the deviation stays a deviation and no linked case is spawned."""
    category = Term.objects.filter(vocabulary="deviation_category", parent__isnull=True).first()
    return {"probability": 2, "severity": 2, "category": category.pk}


def fresh(user):
    """The acting user as a request has it: loaded anew, no role scope cached on it yet."""
    return get_user_model().objects.get(pk=user.pk)


def service_transition(report_id, manager, data):
    return service_transition_as(report_id, fresh(manager), data)


def service_transition_as(report_id, user, data):
    started = time.perf_counter()
    do_transition(report_id, "assess", acting_user=user, data=data)
    return time.perf_counter() - started


class FloorWriter:
    """The floor: every row ``do_transition`` writes for the same assessment, written by hand
    in one psycopg transaction on a connection of its own (autocommit outside it).

    Inside the timing, in one transaction: the case's UPDATE (still ``WHERE state =
    'reported'``, the optimistic lock); its assessment clock stopped; the assess task closed,
    the next task (complete the investigation) opened and linked to it, in one statement; the
    change chain's head read ``FOR UPDATE``, the row's HMAC and the head's seal computed, the
    audit row and the sealed head in one statement; the monthly counts' difference upserted;
    the case's counted cells stored; the outbox row. After the commit, as the service's
    on-commit delivery does, the outbox row is marked delivered.

    Outside the timing, what a hand-written path would know without asking: the risk band and
    route of the score, the case's reporting month and unit, and therefore the cells before
    and after (the service reads them: ``aggregates.recount``)."""

    UPDATE = """
        UPDATE cases_report SET state = 'assessed', probability = %s, severity = %s, risk_band_id = %s,
               suggested_route = %s, route = %s, category_id = %s, updated_at = %s
         WHERE id = %s AND state = 'reported'
    """
    CLOCK = """
        UPDATE cases_caseclock SET stopped_at = %s
         WHERE report_id = %s AND stopped_at IS NULL AND code IN ('deviation-assessment')
    """
    TASKS = """
        WITH done AS (
            UPDATE viewflow_task SET status = 'DONE', assigned = %(now)s, started = %(now)s, finished = %(now)s,
                   owner_id = %(actor)s
             WHERE process_id = (SELECT process_ptr_id FROM workflows_caseprocess WHERE report_id = %(report)s)
               AND flow_task = 'workflows/flows.DeviationFlow.assess' AND status IN ('NEW', 'ASSIGNED', 'STARTED')
            RETURNING id, process_id, owner_permission, owner_permission_content_type_id, owner_permission_obj_pk
        ), next AS (
            INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, token, owner_permission,
                   owner_permission_content_type_id, owner_permission_obj_pk, process_id, data)
            SELECT 'workflows/flows.DeviationFlow.complete_investigation', 'HUMAN', 'NEW', %(now)s, 'start',
                   owner_permission, owner_permission_content_type_id, owner_permission_obj_pk, process_id, '{}'
              FROM done
            RETURNING id
        )
        INSERT INTO viewflow_task_previous (from_task_id, to_task_id) SELECT next.id, done.id FROM next, done
    """
    HEAD = "SELECT seq, hash FROM cases_audithead WHERE chain = 'change' FOR UPDATE"
    AUDIT = """
        WITH row AS (
            INSERT INTO cases_auditevent (chain, seq, occurred_at, actor_id, actor_name, action, object_type,
                   object_id, report_id, payload, request_id, ip, prev_hash, hash)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            RETURNING chain, seq, hash, occurred_at
        )
        INSERT INTO cases_audithead (chain, seq, hash, sealed_at, seal) SELECT chain, seq, hash, occurred_at, %s FROM row
        ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, sealed_at = excluded.sealed_at,
               seal = excluded.seal
    """
    CELLS = """
        INSERT INTO cases_monthlycount (month, type, unit_id, namnd_id, dimension, key, key2, n)
        SELECT * FROM unnest(%s::date[], %s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::text[],
                             %s::text[], %s::int[])
        ON CONFLICT (month, type, unit_id, namnd_id, dimension, key, key2) DO UPDATE
           SET n = cases_monthlycount.n + excluded.n
    """
    COUNTED = """
        INSERT INTO cases_countedcase (report_id, cells) VALUES (%s, %s)
        ON CONFLICT (report_id) DO UPDATE SET cells = excluded.cells
    """
    OUTBOX = """
        INSERT INTO cases_outboxevent (name, report_id, actor_id, data, created_at, next_attempt_at, attempts,
               last_error)
        VALUES ('report.assess', %s, %s, %s, %s, %s, 0, '') RETURNING id
    """
    DELIVERED = "UPDATE cases_outboxevent SET delivered_at = %s WHERE delivered_at IS NULL AND id = %s"

    def __init__(self, url, manager, data):
        self.conn = psycopg.connect(url, autocommit=True)
        self.manager = manager
        score = data["probability"] * data["severity"]
        self.band = RiskBand.for_score(score)
        self.route = RiskRoutingRule.suggested_route(score, data["severity"])
        self.data = data

    def cells(self, report_id):
        """The monthly counts' difference and the case's new cells, as ``aggregates.recount``
        would find them: what the transition changes is known (state, risk band, category)."""
        from reporting.models import CountedCase
        from reporting.services import aggregates

        before = aggregates._from_snapshot(CountedCase.objects.get(report_id=report_id).cells)
        after = Counter()
        for cell, n in before.items():
            if cell.dimension == "state":
                cell = cell._replace(key="assessed")
            elif cell.dimension == "risk":
                cell = cell._replace(key=str(self.band.pk) if self.band else "")
            elif cell.dimension == "category":
                cell = cell._replace(key=str(self.data["category"]))
            after[cell] += n
        difference = Counter(after)
        difference.subtract(before)
        difference = {cell: n for cell, n in difference.items() if n}
        return difference, aggregates._snapshot(after)

    def event(self, report_id, prev, occurred_at):
        seq, prev_hash = (prev[0] + 1, prev[1]) if prev else (1, audit.GENESIS)
        event = AuditEvent(
            chain=AuditEvent.Chain.CHANGE,
            seq=seq,
            occurred_at=occurred_at,
            actor_id=self.manager.pk,
            actor_name=self.manager.display_name,
            action="report.assess",
            object_type="cases.deviation",
            object_id=str(report_id),
            report_id=report_id,
            request_id="",
            ip=None,
            prev_hash=prev_hash,
            payload={
                "from": "reported",
                "to": "assessed",
                "fields": sorted([*self.data, "risk_band", "route", "suggested_route"]),
            },
        )
        event.hash = audit.compute_hash(prev_hash, event)
        return event

    def transition(self, report_id):
        difference, counted = self.cells(report_id)
        columns = list(zip(*[(*cell, n) for cell, n in difference.items()], strict=True))
        band = self.band.pk if self.band else None
        started = time.perf_counter()
        now = timezone.now()
        with self.conn.transaction():
            updated = self.conn.execute(
                self.UPDATE,
                [
                    *(self.data[k] for k in ("probability", "severity")),
                    band,
                    self.route,
                    self.route,
                    self.data["category"],
                    now,
                    report_id,
                ],
            ).rowcount
            self.conn.execute(self.CLOCK, [now, report_id])
            self.conn.execute(self.TASKS, {"now": now, "actor": self.manager.pk, "report": report_id})
            e = self.event(report_id, self.conn.execute(self.HEAD).fetchone(), now)
            self.conn.execute(
                self.AUDIT,
                [
                    e.chain,
                    e.seq,
                    e.occurred_at,
                    e.actor_id,
                    e.actor_name,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.report_id,
                    Jsonb(e.payload),
                    e.request_id,
                    e.ip,
                    e.prev_hash,
                    e.hash,
                    audit.seal_head(e.chain, e.seq, e.hash, e.occurred_at),
                ],
            )
            self.conn.execute(self.CELLS, [list(c) for c in columns])
            self.conn.execute(self.COUNTED, [report_id, Jsonb(counted)])
            outbox = self.conn.execute(
                self.OUTBOX,
                [
                    report_id,
                    self.manager.pk,
                    Jsonb({"source": "reported", "target": "assessed"}),
                    now,
                    now + datetime.timedelta(seconds=30),
                ],
            ).fetchone()[0]
        self.conn.execute(self.DELIVERED, [timezone.now(), outbox])
        elapsed = time.perf_counter() - started
        assert updated == 1, f"report {report_id} was not in state 'reported'"
        return elapsed

    def close(self):
        self.conn.close()


STATEMENTS_FLOOR = (
    10  # BEGIN, UPDATE, UPDATE clock, tasks, head, audit + head, cells, counted, outbox, COMMIT (+1 after)
)


def _kind(sql):
    """A statement reduced to its verb and first table, for the profile."""
    sql = " ".join(sql.split())
    table = re.search(r'(?:FROM|INTO|UPDATE) "?(\w+)"?', sql, re.IGNORECASE)
    if table is None:
        return re.sub(r'"[^"]*"', "", sql)[:48].strip()
    verb = sql.lstrip("(").split(None, 1)[0].upper()
    return f"{verb} {table.group(1)}{' UNION ...' if ' UNION ' in sql else ''}"


def profile(counted_ids, timed_ids, manager, data):
    """Where a service transition's time goes.

    One pass counts every statement with CaptureQueriesContext (it sees BEGIN and COMMIT
    too); another, without its logging overhead, times each statement's round trip with an
    execute wrapper. The rest of the call is Python: building and compiling ORM queries,
    the form, django-fsm, the HMAC, plus BEGIN and COMMIT."""
    counts = []
    for report_id in counted_ids:
        user = fresh(manager)
        with CaptureQueriesContext(connection) as captured:
            do_transition(report_id, "assess", acting_user=user, data=data)
        counts.append(len(captured))

    waits, seen, total = Counter(), Counter(), 0.0

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waits[_kind(sql)] += time.perf_counter() - started
            seen[_kind(sql)] += 1

    for report_id in timed_ids:
        user = fresh(manager)
        with connection.execute_wrapper(timed):
            total += service_transition_as(report_id, user, data)
    runs = len(timed_ids)
    return {
        "statements_per_transition": max(counts),
        "mean_ms": total / runs * 1000,
        "statement_ms": {
            kind: {"per_transition": seen[kind] / runs, "ms": wait / runs * 1000}
            for kind, wait in waits.most_common()
        },
        "outside_statements_ms": (total - sum(waits.values())) / runs * 1000,
    }


def written(report_id):
    """Every row the assessment of ``report_id`` left, but for ids, seq and times."""
    from cases.models import CaseClock, OutboxEvent
    from reporting.models import CountedCase
    from workflows.models import CaseProcess

    columns = ("state", "probability", "severity", "risk_band", "suggested_route", "route", "category")
    fields = ("action", "object_type", "actor_id", "actor_name", "payload", "request_id", "ip")
    process = CaseProcess.objects.get(report_id=report_id)
    tasks = [
        (
            t.flow_task.name if hasattr(t.flow_task, "name") else str(t.flow_task),
            t.status,
            t.owner_id,
            t.owner_permission,
            sorted(p.flow_task.name for p in t.previous.all()),
        )
        for t in process.task_set.order_by("pk")
    ]
    return {
        "report": Report.objects.values(*columns).get(pk=report_id),
        "audit": list(
            AuditEvent.objects.filter(
                chain=AuditEvent.Chain.CHANGE, report_id=report_id, action="report.assess"
            ).values(*fields)
        ),
        "clocks": sorted(
            (c.code, c.stopped_at is None) for c in CaseClock.objects.filter(report_id=report_id)
        ),
        "tasks": tasks,
        "counted": CountedCase.objects.get(report_id=report_id).cells,
        "outbox": sorted(
            (
                (e.name, e.data, e.delivered_at is None)
                for e in OutboxEvent.objects.filter(report_id=report_id)
            ),
            key=str,
        ),
    }


def equivalent_rows(service_report_id, floor_report_id):
    """The two paths leave the same rows (the case, its clocks, its tasks, its counted cells,
    its audit row and outbox events), but for ids, seq and times; the monthly counts are
    checked whole afterwards (``cells_exact``)."""
    service, floor = written(service_report_id), written(floor_report_id)
    assert service == floor, f"the floor wrote other rows than the service:\n{service}\n{floor}"
    return True


def cells_exact():
    """The monthly counts equal a fresh count of the cases (both paths' changes included)."""
    from reporting.services.aggregates import drift

    return not drift()


def chain_verified():
    verified, broken, reason = audit.verify()
    return verified, (None if broken is None else f"{broken}: {reason}")


def states(report_ids):
    return Counter(Report.objects.filter(pk__in=report_ids).values_list("state", flat=True))
