"""Gallring and loggkontroll at scale, on PostgreSQL (docs/records.md, "Benchmarks").

    .venv/bin/python bench/records.py [--cases 100000] [--reads 10000000] [--database NAME]

In its own database (``bench_records``), generated with set-based SQL (``generate_series``):
``--cases`` closed complaints, closed three years ago with one affected person each, all due
under the example rules; ``--reads`` rows of the access chain (reads of those cases in the
previous month by ten users; their hashes are not a valid chain). For each of listing the due
cases in a run, disposing of all of them in batches (``dispose_approved``, ``--batch`` cases a
transaction) and drawing the month's loggkontroll: wall time, CPU seconds of this process and
of its PostgreSQL backend, the operation's peak RSS and the load average before and after
(the machine may be shared). Goal (issue 16): each ≤ 60 s and ≤ 250 MB. Results go to
bench/results/records.json.
"""

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

from compilations import database, insert  # noqa: E402
from run import RESULTS_DIR, machine, setup_django  # noqa: E402

GOAL_S, GOAL_MB = 60.0, 250


def backend_cpu():
    """CPU seconds of this connection's PostgreSQL backend (a local server: /proc/<pid>/stat)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def reset_peak_rss():
    """Start the process's peak RSS (VmHWM) afresh (Linux: ``5`` to ``/proc/self/clear_refs``),
    so that each operation's peak is its own, not the migrations' before it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb():
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(label, results, function, trace=False):
    """Wall time, CPU seconds of this process and of its PostgreSQL backend, the peak RSS of
    the operation and the load average around it. ``trace`` adds Python's own peak
    (tracemalloc, which slows allocation-heavy code several times: off for the timings)."""
    if trace:
        tracemalloc.start()
    own_peak = reset_peak_rss()
    load = os.getloadavg()[0]
    cpu, db_cpu = own_cpu(), backend_cpu()
    started = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - started
    cpu, after = own_cpu() - cpu, backend_cpu()
    results[label] = {
        "seconds": round(seconds, 2),
        "python_cpu_s": round(cpu, 2),
        "postgres_backend_cpu_s": None if db_cpu is None or after is None else round(after - db_cpu, 2),
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_is_the_operations": own_peak,
        "load_before_after": [round(load, 2), round(os.getloadavg()[0], 2)],
    }
    if trace:
        results[label]["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    print(label, results[label], flush=True)
    return value


def build(cases, reads):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from cases.models import OrgUnit, Role
    from cases.services import do_grant_role
    from records.defaults import seed_example_rules
    from records.models import RetentionRule
    from records.services import previous_month

    kommun = OrgUnit.objects.create(kind="kommun", name="Benchkommun")
    board = OrgUnit.objects.create(kind="namnd", name="Nämnd", parent=kommun, case_number_prefix="BN")
    office = OrgUnit.objects.create(kind="forvaltning", name="Förvaltning", parent=board)
    units = [OrgUnit.objects.create(kind="enhet", name=f"Enhet {i}", parent=office) for i in range(20)]
    User = get_user_model()
    sas = User.objects.create_user(username="bench-sas", home_unit=board)
    do_grant_role(sas, Role.SAS, board, acting_user=None)
    readers = [
        User.objects.create_user(username=f"bench-reader-{i}", home_unit=units[i % 20]) for i in range(10)
    ]
    seed_example_rules(board, RetentionRule)
    closed = timezone.now().replace(year=timezone.now().year - 3)
    start, end = previous_month(timezone.now())
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE bench_units (idx int, unit_id bigint)")
        c.executemany("INSERT INTO bench_units VALUES (%s, %s)", [(i, u.pk) for i, u in enumerate(units)])
        insert(
            c,
            "cases_report",
            {
                "type": "'complaint'",
                "state": "'closed'",
                "case_number": "'BN ' || g",
                "case_year": str(closed.year),
                "case_sequence": "g",
                "namnd_id": str(board.pk),
                "unit_id": "u.unit_id",
                "description": "'Genererad beskrivning.'",
                "reported_at": f"timestamptz '{closed.isoformat()}' - interval '30 days'",
                "closed_at": f"timestamptz '{closed.isoformat()}'",
                "decision": "'Beslut.'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"FROM generate_series(1, {cases}) g JOIN bench_units u ON u.idx = g % {len(units)}",
        )
        insert(
            c,
            "cases_affectedperson",
            {"report_id": "r.id", "name": "'Namn'", "personnummer": "'19121212-1212'", "created_at": "now()"},
            "FROM cases_report r",
        )
        c.execute("SELECT min(id), max(id) FROM cases_report")
        low, high = c.fetchone()
        c.execute("SELECT coalesce(max(seq), 0) FROM cases_auditevent WHERE chain = 'access'")
        (last,) = c.fetchone()
        span = (end - start).total_seconds()
        ids = ", ".join(str(r.pk) for r in readers)
        insert(
            c,
            "cases_auditevent",
            {
                "chain": "'access'",
                "seq": f"{last} + g",
                "occurred_at": f"timestamptz '{start.isoformat()}' + ((g::bigint * 7919) % {int(span)}) * interval '1 second'",
                "actor_id": f"(ARRAY[{ids}])[1 + g % {len(readers)}]",
                "actor_name": "'Läsare'",
                "action": "'report.viewed'",
                "report_id": f"{low} + (g::bigint * 104729) % {high - low + 1}",
                "payload": "'{}'::jsonb",
                "prev_hash": "repeat('0', 64)",
                "hash": "repeat('0', 64)",
            },
            f"FROM generate_series(1, {reads}) g",
        )
        c.execute("ANALYZE")
    return board, sas, start, end


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=10_000_000)
    parser.add_argument("--database", default="bench_records")
    parser.add_argument("--batch", type=int, default=None, help="disposal batch (RECORDS_DISPOSAL_BATCH)")
    parser.add_argument("--trace", action="store_true", help="also Python's peak allocations (slower)")
    args = parser.parse_args()
    url, _created = database(False, args.cases, args.database)
    setup_django(url)
    from django.conf import settings
    from django.utils import timezone

    from records.jobs import dispose_approved
    from records.models import DisposalRun, DisposedCase
    from records.sampling import draw_log_review
    from records.services import do_approve_disposal, plan_gallring

    started = time.perf_counter()
    board, sas, start, end = build(args.cases, args.reads)
    results = {
        "cases": args.cases,
        "reads": args.reads,
        "disposal_batch": args.batch or settings.RECORDS_DISPOSAL_BATCH,
        "sample_share": settings.RECORDS_LOG_SAMPLE_SHARE,
        "generate_s": round(time.perf_counter() - started, 1),
    }
    run = timed("gallring_list", results, lambda: plan_gallring(board, timezone.now()), args.trace)
    do_approve_disposal(run.pk, acting_user=sas)

    def dispose_all():
        while DisposalRun.objects.filter(status=DisposalRun.Status.APPROVED).exists():
            dispose_approved(timezone.now(), args.batch)
        return DisposedCase.objects.count()

    disposed = timed("gallring_dispose", results, dispose_all, args.trace)
    review = timed(
        "loggkontroll_draw",
        results,
        lambda: draw_log_review(board, start, end, now=timezone.now()),
        args.trace,
    )
    results.update(
        disposed=disposed,
        picks=review.picks.count(),
        reads_in_period=review.reads_in_period,
        goal={"seconds": GOAL_S, "mb": GOAL_MB},
        machine=machine(url),
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "records.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
