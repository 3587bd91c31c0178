"""One case transition through the service layer against the floor, the same rows written by
hand-written SQL through psycopg, on PostgreSQL, side by side in one run (method:
docs/performance.md).

    make bench                      # or: .venv/bin/python bench/run.py [--n 500]

Uses DATABASE_URL when it names a PostgreSQL database (which nobody else should be writing
to meanwhile); otherwise drops and re-creates ``bench_cases`` on the local server.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import secrets
import statistics
import sys
import uuid
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
LOCAL_SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DB = "bench_cases"
PROFILED = 20
RATIO_GOAL, PYTHON_GOAL_MS, RSS_GOAL_MB = 2.0, 4.0, 250


def database_url(name=BENCH_DB):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    with psycopg.connect(f"{LOCAL_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return f"{LOCAL_SERVER}/{name}"


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    # A key of this run for the audit chain, in the environment so that the processes a
    # benchmark starts (clients, gunicorn with DEBUG off, which refuses the development key)
    # seal with the same one and the chain verifies.
    os.environ.setdefault("AUDIT_HMAC_KEY", "bench-only-" + secrets.token_urlsafe(32))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # DEBUG's query log would add its own time and memory to every query of the service path.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)


def summary(seconds):
    ms = sorted(s * 1000 for s in seconds)
    return {
        "per_second": len(ms) / (sum(ms) / 1000),
        "mean_ms": statistics.fmean(ms),
        "p50_ms": statistics.median(ms),
        "p95_ms": statistics.quantiles(ms, n=20)[-1],
    }


def machine(url):
    with psycopg.connect(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    import django

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgresql": server,
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "os": platform.platform(),
    }


def measure(url, n, warmup):
    import workload

    unit, reporter, manager = workload.build_org(uuid.uuid4().hex[:6])
    data = workload.assess_data()
    service_ids = workload.file_deviations(warmup + n, unit, reporter)
    raw_ids = workload.file_deviations(warmup + n, unit, reporter)
    profiled_ids = workload.file_deviations(2 * PROFILED, unit, reporter)
    writer = workload.FloorWriter(url, manager, data)
    timings = {"service": [], "raw": []}
    try:
        # Interleaved, alternating which goes first, so both paths meet the same table sizes,
        # caches and background load.
        for i, (service_id, raw_id) in enumerate(zip(service_ids, raw_ids, strict=True)):
            for path in ("service", "raw") if i % 2 else ("raw", "service"):
                if path == "service":
                    elapsed = workload.service_transition(service_id, manager, data)
                else:
                    elapsed = writer.transition(raw_id)
                if i >= warmup:
                    timings[path].append(elapsed)
    finally:
        writer.close()
    profile = workload.profile(profiled_ids[:PROFILED], profiled_ids[PROFILED:], manager, data)

    # The raw rows must be what the service writes, or the comparison means nothing.
    assert workload.states(service_ids + raw_ids + profiled_ids) == {"assessed": 2 * (warmup + n + PROFILED)}
    assert workload.equivalent_rows(service_ids[-1], raw_ids[-1])
    assert workload.cells_exact(), "the monthly counts differ from a fresh count after the run"
    verified, broken = workload.chain_verified()
    assert broken is None, f"audit chain broken after the run: {broken}"
    return timings, profile, verified


def report(result):
    import workload

    service, raw = result["service"], result["floor"]
    rows = [("service layer (do_transition)", service), ("floor (the same rows, by hand)", raw)]
    lines = [f"{'':34}{'transitions/s':>14}{'mean ms':>10}{'p50 ms':>10}{'p95 ms':>10}"]
    for label, s in rows:
        lines.append(
            f"{label:34}{s['per_second']:>14.1f}{s['mean_ms']:>10.2f}{s['p50_ms']:>10.2f}{s['p95_ms']:>10.2f}"
        )
    ratio, rss = result["ratio_mean"], result["peak_rss_mb"]
    lines += [
        f"{'ratio service/floor, mean (p50)':34}{ratio:>14.2f}{'':>10}{result['ratio_p50']:>10.2f}"
        f"   goal <= {RATIO_GOAL:g}: "
        f"{'met' if max(ratio, result['ratio_p50']) <= RATIO_GOAL else 'MISSED'}",
        f"{'Python outside statements':34}{result['profile']['outside_statements_ms']:>11.2f} ms"
        f"   goal <= {PYTHON_GOAL_MS:g} ms: "
        f"{'met' if result['profile']['outside_statements_ms'] <= PYTHON_GOAL_MS else 'MISSED'}",
        f"{'peak RSS of the process':34}{rss:>11.0f} MB   goal <= {RSS_GOAL_MB} MB: "
        f"{'met' if rss <= RSS_GOAL_MB else 'MISSED'}",
        "",
        f"n = {result['n']} transitions per path after {result['warmup']} warm-up; "
        f"audit chain verified afterwards: {result['audit_rows_verified']} rows",
    ]
    p = result["profile"]
    lines += [
        f"where a service transition's time goes (mean of {PROFILED}, ms; statements incl. BEGIN/COMMIT: "
        f"{p['statements_per_transition']}, floor: {workload.STATEMENTS_FLOOR}):",
        f"  {p['mean_ms']:6.2f}  in all",
        f"  {sum(s['ms'] for s in p['statement_ms'].values()):6.2f}  waiting on statements:",
    ]
    lines += [
        f"          {s['ms']:6.2f}  {s['per_transition']:g}x {kind}" for kind, s in p["statement_ms"].items()
    ]
    lines.append(
        f"  {p['outside_statements_ms']:6.2f}  outside them: Python (ORM, form, django-fsm, HMAC), BEGIN/COMMIT"
    )
    m = result["machine"]
    lines.append(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"Django {m['django']}, psycopg {m['psycopg']}"
    )
    return "\n".join(lines)


def save_results(kind, result):
    """The figures as JSON in bench/results/<kind>-<UTC time>.json (gitignored)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{kind}-{result['when'].replace(':', '').replace('+0000', 'Z')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {path.relative_to(BASE_DIR)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="timed transitions per path (default 500)")
    parser.add_argument(
        "--warmup", type=int, default=20, help="untimed transitions per path first (default 20)"
    )
    parser.add_argument(
        "--pages",
        type=int,
        default=1_000_000,
        help="cases in the database for the web-page timings (bench/pages.py; 0 skips them)",
    )
    parser.add_argument(
        "--deliveries",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run bench/notification_delivery.py afterwards (default: yes)",
    )
    args = parser.parse_args()

    url = database_url()
    setup_django(url)
    timings, profile, verified = measure(url, args.n, args.warmup)
    service, raw = summary(timings["service"]), summary(timings["raw"])
    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": url.rsplit("/", 1)[-1],
        "n": args.n,
        "warmup": args.warmup,
        "service": service,
        "floor": raw,
        "ratio_mean": service["mean_ms"] / raw["mean_ms"],
        "ratio_p50": service["p50_ms"] / raw["p50_ms"],
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "profile": profile,
        "audit_rows_verified": verified,
        "machine": machine(url),
    }
    print(report(result))
    if args.pages:
        import pages

        result["pages"] = pages.measure(args.pages)
        print(pages.report(result["pages"]))
    save_results("transition", result)

    if args.deliveries:
        import notification_delivery

        notification_delivery.run(url)


if __name__ == "__main__":
    main()
