"""The clock job's rounds on PostgreSQL: a round that fires every overdue notice and
escalation of N cases, and a quiet round after it, which is what almost every minute is.

    .venv/bin/python bench/clocks.py [--cases 1000]

Uses its own database ``bench_clocks`` on the local server (dropped and re-created), so it
never meets another benchmark's rows.
"""

import argparse
import datetime
import sys
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the shared set-up: Django on a PostgreSQL database, the machine)

BENCH_DB = "bench_clocks"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="deviations with two overdue clocks each")
    args = parser.parse_args()
    with psycopg.connect(f"{run.LOCAL_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    url = f"{run.LOCAL_SERVER}/{BENCH_DB}"
    run.setup_django(url)

    import workload
    from django.db.models import F
    from django.utils import timezone

    from cases.clock_jobs import fire_clocks
    from cases.models import CaseClock, ClockEvent

    unit, reporter, _manager = workload.build_org(uuid.uuid4().hex[:6])
    workload.file_deviations(args.cases, unit, reporter)
    # Set-up only: move the deadlines 40 days back, past their escalation, without the services.
    CaseClock.objects.update(due_at=F("due_at") - datetime.timedelta(days=40))
    now = timezone.now()
    started = time.perf_counter()
    fired = fire_clocks(now)
    firing = time.perf_counter() - started
    quiet = []
    for _ in range(5):
        started = time.perf_counter()
        assert fire_clocks(now) == 0
        quiet.append(time.perf_counter() - started)
    assert fired == ClockEvent.objects.count() == 4 * args.cases
    m = run.machine(url)
    print(f"clocks running and overdue: {2 * args.cases}")
    print(
        f"firing round: {fired} events (overdue + escalated, each with its audit row) in {firing:.2f} s "
        f"= {fired / firing:.0f} events/s"
    )
    print(f"quiet round (nothing new to fire), best of 5: {min(quiet) * 1000:.0f} ms")
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, PostgreSQL {m['postgresql']}")


if __name__ == "__main__":
    main()
