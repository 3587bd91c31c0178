"""Tasks through the API on PostgreSQL: completions per second with 16 concurrent clients,
and the inbox's latency with 100,000 open tasks (method: docs/performance.md).

    make bench                      # or: .venv/bin/python bench/tasks.py [--clients 16] [--per-client 40]
                                    #     [--full-response] [--open-tasks 100000 | 0]

By default each completion asks ``Prefer: return=minimal`` (answered 204, no case data);
``--full-response`` asks for the whole case, as a browser-like client would, to compare.
Uses DATABASE_URL when it names a PostgreSQL database; otherwise drops and re-creates
``bench_tasks`` on the local server.
"""

import argparse
import datetime
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

from run import database_url, machine, save_results, setup_django  # noqa: E402

BENCH_DB = "bench_tasks"

COMPLETIONS_GOAL, INBOX_P95_GOAL_MS = 100, 150


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (Linux /proc), or None if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds the whole machine has spent busy, all CPUs: user, nice, system, irq and softirq
    (not idle, iowait or steal; guest time is already counted in user)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def percentiles(seconds):
    ms = sorted(s * 1000 for s in seconds)
    return {"n": len(ms), "mean_ms": statistics.fmean(ms), "p50_ms": statistics.median(ms),
            "p95_ms": statistics.quantiles(ms, n=20)[-1]}


def prepare_completions(clients, per_client, warmup):
    """One manager per client, each with their own unit and freshly filed deviations."""
    import workload
    from rest_framework.authtoken.models import Token

    jobs = []
    for _ in range(clients):
        unit, reporter, manager = workload.build_org(uuid.uuid4().hex[:6])
        ids = workload.file_deviations(per_client + warmup, unit, reporter)
        jobs.append((Token.objects.create(user=manager).key, ids))
    return jobs


def client_worker(url, token, report_ids, warmup, data, headers, start_at, queue):
    """One client: its own process and database connection, POSTing each completion."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from rest_framework.test import APIClient

    settings.DEBUG = False
    expected = 204 if headers else 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for report_id in report_ids[:warmup]:
        client.post(f"/api/v1/reports/{report_id}/transitions/assess/", data, format="json", **headers)
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid  # PostgreSQL's process serving this client
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_before, backend_before = time.process_time(), cpu_seconds(backend)
    timings, failures = [], 0
    for report_id in report_ids[warmup:]:
        started = time.perf_counter()
        response = client.post(f"/api/v1/reports/{report_id}/transitions/assess/", data, format="json", **headers)
        timings.append(time.perf_counter() - started)
        failures += response.status_code != expected
    cpu = time.process_time() - cpu_before
    backend_after = cpu_seconds(backend)
    backend_cpu = None if backend_before is None or backend_after is None else backend_after - backend_before
    connection.close()
    queue.put((timings, failures, time.time(), cpu, backend_cpu))


def measure_completions(url, clients, per_client, warmup, full_response=False):
    import workload

    jobs = prepare_completions(clients, per_client, warmup)
    data = workload.assess_data()
    headers = {} if full_response else {"HTTP_PREFER": "return=minimal"}
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 8 + clients * 0.5  # every client set up and warmed before the clock starts
    workers = [context.Process(target=client_worker, args=(url, token, ids, warmup, data, headers, start_at, queue))
               for token, ids in jobs]
    for worker in workers:
        worker.start()
    while time.time() < start_at:
        time.sleep(0.001)
    busy_before, load_before = machine_busy_seconds(), os.getloadavg()
    results = [queue.get() for _ in workers]
    busy = machine_busy_seconds() - busy_before
    load_after = os.getloadavg()
    for worker in workers:
        worker.join()
    timings = [t for result in results for t in result[0]]
    failures = sum(result[1] for result in results)
    wall = max(result[2] for result in results) - start_at
    capacity = wall * (os.cpu_count() or 1)
    client_cpu = sum(result[3] for result in results)
    backend_cpu = sum(result[4] for result in results if result[4] is not None)
    ids = [i for _token, report_ids in jobs for i in report_ids]
    assert workload.states(ids) == {"assessed": len(ids)}, workload.states(ids)
    from viewflow.workflow.models import Task

    from workflows.flows import DeviationFlow

    open_assess = Task.objects.filter(process__caseprocess__report_id__in=ids, status="NEW",
                                      flow_task=DeviationFlow.assess).count()
    assert open_assess == 0, f"{open_assess} assess tasks left open"
    return {"clients": clients, "response": "full" if full_response else "minimal",
            "completions": len(timings), "failures": failures, "wall_s": wall,
            "per_second": len(timings) / wall, "open_assess_tasks_left": open_assess,
            "cpu": {"clients_s": client_cpu, "backends_s": backend_cpu, "machine_busy_s": busy,
                    "capacity_s": capacity, "clients_share": client_cpu / capacity,
                    "backends_share": backend_cpu / capacity, "machine_share": busy / capacity,
                    "client_cpu_ms_per_completion": 1000 * client_cpu / len(timings),
                    "backend_cpu_ms_per_completion": 1000 * backend_cpu / len(timings)},
            "load_before": load_before, "load_after": load_after, **percentiles(timings)}


def measure_inbox(total, inbox_size, requests):
    """``total`` open tasks, ``inbox_size`` of them assigned to the measured manager."""
    import workload
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext
    from django.db import connection
    from rest_framework.test import APIClient

    from cases.models import OrgUnit
    from tests.workflows.bulk import open_deviations

    unit, reporter, manager = workload.build_org(uuid.uuid4().hex[:6])
    units = [unit] + [OrgUnit.objects.create(kind="enhet", name=f"Enhet {i}", parent=unit.parent) for i in range(49)]
    others = [get_user_model().objects.create_user(username=f"bench-other-{uuid.uuid4().hex[:8]}") for _ in range(20)]
    owners = [manager] * inbox_size + [others[i % len(others)] for i in range(total // 2)]
    started = time.perf_counter()
    open_deviations(total, units, reporter, owners=owners, start=1)
    built = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results = {"open_tasks": total, "inbox_size": inbox_size, "build_s": built, "load_before": os.getloadavg()}
    for scope in ("inbox", "queue"):
        timings = []
        for i in range(requests + 10):
            client = APIClient()
            client.force_authenticate(get_user_model().objects.get(pk=manager.pk))
            t0 = time.perf_counter()
            response = client.get("/api/v1/tasks/", {"scope": scope})
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200
            if i >= 10:
                timings.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            count = client.get("/api/v1/tasks/", {"scope": scope}).json()["count"]
        results[scope] = {"count": count, "queries": len(captured), **percentiles(timings)}
    return results


def report(result):
    c, inbox = result["completions"], result["inbox"]
    cpu = c["cpu"]
    lines = [
        f"task completions through the API ({c['clients']} concurrent clients, one process each, "
        f"{c['response']} response):",
        f"  {c['completions']} completions in {c['wall_s']:.1f} s = {c['per_second']:.1f}/s   "
        f"goal >= {COMPLETIONS_GOAL}/s: {'met' if c['per_second'] >= COMPLETIONS_GOAL else 'MISSED'}",
        f"  latency per completion: mean {c['mean_ms']:.1f} ms, p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms; "
        f"failures {c['failures']}",
        f"  CPU over the run, share of {result['machine']['nproc']} CPUs: clients {cpu['clients_share']:.0%} "
        f"({cpu['client_cpu_ms_per_completion']:.1f} ms per completion), their PostgreSQL backends "
        f"{cpu['backends_share']:.0%} ({cpu['backend_cpu_ms_per_completion']:.1f} ms per completion), "
        f"whole machine {cpu['machine_share']:.0%}",
        "  load average (1, 5, 15 min) at the start {} and at the end {}".format(
            *(", ".join(f"{v:.2f}" for v in load) for load in (c["load_before"], c["load_after"]))),
    ]
    if inbox:
        lines.append(f"task lists with {inbox['open_tasks']:,} open tasks (build {inbox['build_s']:.0f} s; "
                     f"load average at the start {inbox['load_before'][0]:.2f}):")
        for scope in ("inbox", "queue"):
            s = inbox[scope]
            goal = (f"   goal p95 <= {INBOX_P95_GOAL_MS} ms: {'met' if s['p95_ms'] <= INBOX_P95_GOAL_MS else 'MISSED'}"
                    if scope == "inbox" else "")
            lines.append(f"  {scope:6} ({s['count']:>6} tasks, {s['queries']} queries): p50 {s['p50_ms']:.1f} ms, "
                         f"p95 {s['p95_ms']:.1f} ms{goal}")
    else:
        lines.append("task lists: not measured (--open-tasks 0)")
    lines.append(f"audit chain verified afterwards: {result['audit_rows_verified']} rows")
    m = result["machine"]
    lines.append(f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, PostgreSQL {m['postgresql']}, "
                 f"Django {m['django']}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=40, help="timed completions per client (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed completions per client first")
    parser.add_argument("--open-tasks", type=int, default=100_000,
                        help="open tasks for the inbox timings (default 100,000; 0 skips them)")
    parser.add_argument("--full-response", action="store_true",
                        help="ask for the whole case after each completion (default: Prefer: return=minimal)")
    parser.add_argument("--inbox-size", type=int, default=40)
    parser.add_argument("--requests", type=int, default=200, help="timed inbox requests (default 200)")
    args = parser.parse_args()

    url = database_url(BENCH_DB)
    setup_django(url)
    import workload

    result = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "completions": measure_completions(url, args.clients, args.per_client, args.warmup, args.full_response),
        "inbox": measure_inbox(args.open_tasks, args.inbox_size, args.requests) if args.open_tasks else None,
        "machine": machine(url),
    }
    verified, broken = workload.chain_verified()
    assert broken is None, f"audit chain broken after the run: {broken}"
    result["audit_rows_verified"] = verified
    print(report(result))
    save_results("tasks", result)


if __name__ == "__main__":
    main()
