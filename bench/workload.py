"""What the benchmark does to the database; imported only after ``django.setup()``.

Both paths take a freshly filed deviation from ``reported`` to ``assessed``:

service  ``cases.services.do_transition(..., "assess", ...)``: the scoped load, the
         permission check, form validation (term, risk band, routing rule), the django-fsm
         transition, the optimistic-lock UPDATE, the chained audit row, on-commit events.
raw      one psycopg transaction: the UPDATE of the same report columns to the same values
         (keeping the ``state = 'reported'`` predicate), the INSERT of the same audit row and
         the upsert of its chain's sealed head, seq, HMAC and seal computed beforehand,
         outside the timing.
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
from cases.models import AuditEvent, AuditHead, OrgUnit, Report, RiskBand, RiskRoutingRule, Role, Term
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


class RawWriter:
    """The same two rows written by hand, on a psycopg connection of its own."""

    UPDATE = """
        UPDATE cases_report SET state = 'assessed', probability = %s, severity = %s, risk_band_id = %s,
               suggested_route = %s, route = %s, risk_override_reason = '', category_id = %s, updated_at = %s
         WHERE id = %s AND state = 'reported'
    """
    INSERT = """
        INSERT INTO cases_auditevent (chain, seq, occurred_at, actor_id, actor_name, action, object_type,
               object_id, report_id, payload, request_id, ip, prev_hash, hash)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    """
    HEAD = """
        INSERT INTO cases_audithead (chain, seq, hash, sealed_at, seal) VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, sealed_at = excluded.sealed_at,
               seal = excluded.seal
    """

    def __init__(self, url, manager, data):
        self.conn = psycopg.connect(url, autocommit=True)
        self.manager = manager
        score = data["probability"] * data["severity"]
        self.band = RiskBand.for_score(score)
        self.route = RiskRoutingRule.suggested_route(score, data["severity"])
        self.data = data

    def event(self, report_id):
        """The audit row do_transition would write, sealed onto the current chain head."""
        head = AuditHead.objects.filter(chain=AuditEvent.Chain.CHANGE).values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, audit.GENESIS)
        event = AuditEvent(
            chain=AuditEvent.Chain.CHANGE,
            seq=seq,
            occurred_at=timezone.now(),
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
        e = self.event(report_id)
        started = time.perf_counter()
        with self.conn.transaction():
            updated = self.conn.execute(
                self.UPDATE,
                [
                    self.data["probability"],
                    self.data["severity"],
                    self.band.pk if self.band else None,
                    self.route,
                    self.route,
                    self.data["category"],
                    e.occurred_at,
                    report_id,
                ],
            ).rowcount
            self.conn.execute(
                self.INSERT,
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
                ],
            )
            self.conn.execute(
                self.HEAD,
                [
                    e.chain,
                    e.seq,
                    e.hash,
                    e.occurred_at,
                    audit.seal_head(e.chain, e.seq, e.hash, e.occurred_at),
                ],
            )
        elapsed = time.perf_counter() - started
        assert updated == 1, f"report {report_id} was not in state 'reported'"
        return elapsed

    def close(self):
        self.conn.close()


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


def equivalent_rows(service_report_id, raw_report_id):
    """The two paths leave the same report columns and the same audit row, but for ids,
    seq and times."""
    columns = ("state", "probability", "severity", "risk_band", "suggested_route", "route", "category")
    fields = ("action", "object_type", "actor_id", "actor_name", "payload", "request_id", "ip")
    reports = Report.objects.values(*columns)
    events = AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE, action="report.assess").values(*fields)
    return reports.get(pk=service_report_id) == reports.get(pk=raw_report_id) and events.get(
        report_id=service_report_id
    ) == events.get(report_id=raw_report_id)


def chain_verified():
    verified, broken, reason = audit.verify()
    return verified, (None if broken is None else f"{broken}: {reason}")


def states(report_ids):
    return Counter(Report.objects.filter(pk__in=report_ids).values_list("state", flat=True))
