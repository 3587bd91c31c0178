"""Server time of the web pages people open most, on a database holding 1,000,000 cases:
the work inbox (a unit manager's and a board-wide SAS's) and its search by case number, the
case register (its first page, a case number, a word among the closed cases), the case page
and My reports.

Most cases in a municipality's database are closed; ``OPEN_SHARE`` of them are open
deviations with their workflow task waiting (a running clock on every tenth). Both kinds are
written with bulk inserts (open ones by ``tests/workflows/bulk.py``, the closed ones, of every
type, by one set-based ``INSERT … SELECT generate_series`` on PostgreSQL); the cases that are
looked at are filed and worked through the services, as a user would. Each page is requested with
Django's test client in this process, so the time is the server's: URL routing, middleware,
the view, its queries and the template, without network or browser.
"""

import datetime
import os
import statistics
import sys
import time
import uuid
from urllib.parse import quote

if __name__ == "__main__":  # run on its own: Django set up before the models are imported
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import database_url, setup_django

    setup_django(database_url())

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from cases.models import CaseClock, DeadlineRule, OrgUnit, Report, Role
from cases.services import (
    do_add_action,
    do_add_affected_person,
    do_add_cause,
    do_file_report,
    do_give_reporter_feedback,
    do_grant_role,
)
from tests.workflows.bulk import open_deviations

UNITS = 20
OWN_REPORTS = 30
OPEN_SHARE = 0.05


def _org(tag):
    kommun = OrgUnit.objects.create(kind="kommun", name=f"Sidkommun {tag}")
    board = OrgUnit.objects.create(
        kind="namnd", name="Socialnämnden", parent=kommun, case_number_prefix=f"P{tag[:4]}"
    )
    administration = OrgUnit.objects.create(kind="forvaltning", name="Socialförvaltningen", parent=board)
    department = OrgUnit.objects.create(kind="avdelning", name="Äldreomsorg", parent=administration)
    units = [OrgUnit.objects.create(kind="enhet", name=f"Enhet {i}", parent=department) for i in range(UNITS)]
    User = get_user_model()
    users = {
        name: User.objects.create_user(
            username=f"pages-{name}-{tag}", first_name=name.title(), last_name="Bench"
        )
        for name in ("bulk", "reporter", "manager", "sas")
    }
    do_grant_role(users["manager"], Role.UNIT_MANAGER, units[0], acting_user=None)
    do_grant_role(users["sas"], Role.SAS, board, acting_user=None)
    return board, units, users


def _clocks(report_ids):
    rule = DeadlineRule.current("deviation-assessment")
    now = timezone.now()
    rows = [
        CaseClock(
            report_id=pk,
            rule=rule,
            code=rule.code,
            started_at=now - datetime.timedelta(days=3),
            due_at=now + datetime.timedelta(hours=(i % 200) - 100),
        )
        for i, pk in enumerate(report_ids[::10])
    ]
    CaseClock.objects.bulk_create(rows, batch_size=2000)


# The closed cases' types, in twentieths: 14 deviations, 3 complaints, 2 lex Sarah, 1 breach.
TYPE_SHARES = [("deviation", 14), ("complaint", 3), ("lex_sarah", 2), ("data_breach", 1)]
PHRASES = [
    "Fel läkemedel gavs på kvällen.",
    "Brukaren föll i badrummet.",
    "Larmet fungerade inte under natten.",
    "Besöket uteblev utan att någon meddelades.",
    "Journalanteckning skickades till fel mottagare.",
    "Anhörig klagade på bemötandet.",
    "Matlådan levererades inte.",
    "Hjälpmedel saknades vid förflyttning.",
]


def _closed(count, units, reporter, start, batch=5000):
    """``count`` closed cases of every type: one ``INSERT … SELECT generate_series`` on
    PostgreSQL (a million rows in a minute or two, with the table's indexes), bulk inserts
    elsewhere."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return _closed_sql(count, units, reporter, start)
    now = timezone.now()
    for offset in range(0, count, batch):
        rows = []
        for i in range(offset, min(count, offset + batch)):
            unit, sequence = units[i % len(units)], start + i
            rows.append(
                Report(
                    type="deviation",
                    state="closed",
                    unit=unit,
                    namnd_id=unit.namnd_id,
                    reporter=reporter,
                    description="Avslutad.",
                    reported_at=now - datetime.timedelta(days=1 + i % 900),
                    closed_at=now,
                    decision="Avslutad.",
                    case_year=9999,
                    case_sequence=sequence,
                    case_number=f"BULK-{unit.namnd_id}-{sequence}",
                )
            )
        Report.objects.bulk_create(rows)


def _closed_sql(count, units, reporter, start):
    from django.db import connection

    from cases.models import RiskBand

    q = connection.ops.quote_name
    prefix = units[0].namnd.case_number_prefix
    bands = list(RiskBand.objects.order_by("min_score").values_list("pk", flat=True)) or [None]
    types_sql = (
        "CASE "
        + " ".join(
            f"WHEN mod(i, 20) < {sum(n for _t, n in TYPE_SHARES[: k + 1])} THEN '{t}'"
            for k, (t, _n) in enumerate(TYPE_SHARES)
        )
        + " END"
    )
    reported = "now() - make_interval(days => 1 + mod(i, 1500), secs => mod(i, 86400))"
    given = {
        "type": types_sql,
        "state": "'closed'",
        # The service's ``{sequence:04d}``: lpad would cut a longer number to four digits.
        "case_number": f"%s || ' 9999/' || right('000' || ({start} + i)::text, greatest(4, length(({start} + i)::text)))",
        "case_year": "9999",
        "case_sequence": f"{start} + i",
        "namnd_id": str(units[0].namnd_id),
        "unit_id": f"(ARRAY[{','.join(str(u.pk) for u in units)}])[1 + mod(i, {len(units)})]",
        "description": f"(ARRAY[{','.join(['%s'] * len(PHRASES))}])[1 + mod(i, {len(PHRASES)})] || ' (' || i || ')'",
        "reported_at": reported,
        "occurred_at": f"{reported} - interval '3 hours'",
        "reporter_id": str(reporter.pk),
        "risk_band_id": (
            f"CASE WHEN mod(i, 20) < 14 THEN (ARRAY[{','.join(str(b) for b in bands)}])[1 + mod(i, {len(bands)})] END"
            if bands != [None]
            else "NULL"
        ),
        "decision": "'Avslutat.'",
        "closed_at": f"{reported} + interval '20 days'",
        "decided_at": f"{reported} + interval '19 days'",
        "created_at": "now()",
        "updated_at": "now()",
    }
    params_for = {"case_number": [prefix], "description": PHRASES}
    columns, values, params = [], [], []
    for field in Report._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(q(field.column))
        if field.attname in given:
            values.append(given[field.attname])
            params += params_for.get(field.attname, [])
        elif field.null:
            values.append("NULL")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {q(Report._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(0, %s) AS i"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count - 1])


def _worked_case(units, users):
    """A deviation with persons, causes and actions, as the manager sees it."""
    manager = users["manager"]
    report = do_file_report(
        acting_user=users["reporter"],
        data={
            "type": "deviation",
            "unit": units[0].pk,
            "description": "Fel läkemedel gavs på kvällen.",
            "occurred_at": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
        },
    )
    for i in range(3):
        do_add_affected_person(report.pk, acting_user=manager, data={"role": f"Brukare {i}"})
        cause = do_add_cause(report.pk, acting_user=manager, data={"description": f"Orsak {i}"})
        do_add_action(
            report.pk,
            acting_user=manager,
            data={
                "description": f"Åtgärd {i}",
                "kind": "corrective",
                "causes": [cause.pk],
                "owner": manager.pk,
                "due_date": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
            },
        )
    do_give_reporter_feedback(report.pk, acting_user=manager, data={"text": "Tack för rapporten."})
    return report


def build(count):
    tag = uuid.uuid4().hex[:8]
    _board, units, users = _org(tag)
    started = time.perf_counter()
    bulk = count - OWN_REPORTS - 1
    opened = int(bulk * OPEN_SHARE)
    open_deviations(opened, units, users["bulk"], start=1)
    _clocks(list(Report.objects.filter(reporter=users["bulk"]).values_list("pk", flat=True)))
    _closed(bulk - opened, units, users["bulk"], start=opened + 1)
    for i in range(OWN_REPORTS):
        do_file_report(
            acting_user=users["reporter"],
            data={
                "type": "deviation",
                "unit": units[i % UNITS].pk,
                "description": f"Egen rapport {i}.",
                "occurred_at": (timezone.now() - datetime.timedelta(hours=i + 1)).isoformat(),
            },
        )
    case = _worked_case(units, users)
    # Bulk inserts leave the planner's statistics behind (autovacuum catches up later on a
    # real server): the pages are timed with statistics that describe the tables.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return users, case, time.perf_counter() - started


def _timed(client, url, n, warmup):
    times = []
    for i in range(warmup + n):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        if i >= warmup:
            times.append(elapsed * 1000)
    times.sort()
    return {
        "n": n,
        "p50_ms": statistics.median(times),
        "p95_ms": statistics.quantiles(times, n=20)[-1],
        "max_ms": times[-1],
    }


def existing():
    """The users and the worked case of the last build in this database, if any."""
    User = get_user_model()
    manager = User.objects.filter(username__startswith="pages-manager-").order_by("-pk").first()
    if manager is None:
        return None
    tag = manager.username.removeprefix("pages-manager-")
    users = {
        name: User.objects.get(username=f"pages-{name}-{tag}")
        for name in ("bulk", "reporter", "manager", "sas")
    }
    case = Report.objects.filter(reporter=users["reporter"], messages__isnull=False).order_by("-pk").first()
    return users, case, 0.0


def measure(count=1_000_000, n=60, warmup=5, reuse=False):
    built = existing() if reuse else None
    users, case, build_seconds = built or build(count)
    closed = (
        Report.objects.filter(state="closed", reporter=users["bulk"])
        .order_by("-pk")
        .values_list("case_number", flat=True)
        .first()
    )
    pages = [
        ("inbox (unit manager, 1 of 20 units)", "manager", "/inbox/"),
        ("inbox (SAS, whole board)", "sas", "/inbox/"),
        ("inbox, search by case number (SAS)", "sas", f"/inbox/?q={quote(case.case_number)}"),
        ("register, first page (SAS)", "sas", "/cases/"),
        ("register, search by case number (SAS)", "sas", f"/cases/?q={quote(closed)}"),
        ("register, free text, closed (SAS)", "sas", f"/cases/?q={quote('badrummet')}&state=closed"),
        ("case page (SAS)", "sas", f"/cases/{case.pk}/"),
        ("case page (unit manager)", "manager", f"/cases/{case.pk}/"),
        ("my reports (reporter, 31 reports)", "reporter", "/my-reports/"),
    ]
    results = {}
    for label, who, url in pages:
        client = Client()
        client.force_login(users[who])
        results[label] = _timed(client, url, n, warmup)
    from viewflow.workflow.models import Task

    return {
        "cases": Report.objects.count(),
        "open_tasks": Task.objects.filter(status="NEW").count(),
        "build_seconds": build_seconds,
        "pages": results,
    }


def report(result):
    lines = [
        f"web pages with {result['cases']:,} cases in the database, {result['open_tasks']:,} open tasks "
        f"(built in {result['build_seconds']:.0f} s); "
        f"server time per request, ms:",
        f"{'':42}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}",
    ]
    for label, r in result["pages"].items():
        lines.append(f"{label:42}{r['n']:>6}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}")
    return "\n".join(lines)


def main():
    """``python bench/pages.py [--cases 1000000] [--n 60] [--reuse]``: only the page timings,
    on the PostgreSQL database of DATABASE_URL (or a fresh ``bench_cases``); ``--reuse`` times
    the pages of the last build in that database instead of building another one."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    print(report(measure(args.cases, n=args.n, reuse=args.reuse)))
    print("load average (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
