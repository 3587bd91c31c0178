"""Tasks through the API on PostgreSQL: completions per second with 16 concurrent clients,
and the inbox's latency with 100,000 open tasks (method: docs/performance.md).

    make bench                      # or: .venv/bin/python bench/tasks.py [--clients 16] [--per-client 40]
                                    #     [--full-response] [--open-tasks 100000 | 0] [--server-workers N]

By default each completion asks ``Prefer: return=minimal`` (answered 204, no case data);
``--full-response`` asks for the whole case, as a browser-like client would, to compare.
``--server-workers N`` sends the completions over HTTP to gunicorn with N sync workers
(kept database connections, ``DEBUG`` off) instead of running each client's requests through
Django in the client's own process; the CPU line then names the web workers, their
PostgreSQL backends and the clients (load generators) apart.
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

COMPLETIONS_GOAL, INBOX_P95_GOAL_MS, CPU_GOAL_MS = 150, 150, 10.0


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
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]
    )
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def percentiles(seconds):
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "mean_ms": statistics.fmean(ms),
        "p50_ms": statistics.median(ms),
        "p95_ms": statistics.quantiles(ms, n=20)[-1],
    }


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
        response = client.post(
            f"/api/v1/reports/{report_id}/transitions/assess/", data, format="json", **headers
        )
        timings.append(time.perf_counter() - started)
        failures += response.status_code != expected
    cpu = time.process_time() - cpu_before
    backend_after = cpu_seconds(backend)
    backend_cpu = None if backend_before is None or backend_after is None else backend_after - backend_before
    connection.close()
    queue.put((timings, failures, time.time(), cpu, backend_cpu))


def http_client_worker(port, token, report_ids, warmup, body, headers, start_at, queue):
    """One client of the web server: its own process, one HTTP request per completion (the
    sync workers close each connection after the response)."""
    import http.client

    def post(report_id):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request(
                "POST", f"/api/v1/reports/{report_id}/transitions/assess/", body=body, headers=headers
            )
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    expected = 200 if "Prefer" not in headers else 204
    for report_id in report_ids[:warmup]:
        post(report_id)
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_before = time.process_time()
    timings, failures = [], 0
    for report_id in report_ids[warmup:]:
        started = time.perf_counter()
        failures += post(report_id) != expected
        timings.append(time.perf_counter() - started)
    queue.put((timings, failures, time.time(), time.process_time() - cpu_before, None))


def start_server(url, workers):
    """gunicorn with ``workers`` sync workers on a free port, configured as docs/operations.md
    recommends for a direct PostgreSQL connection (kept connections; prepared statements as the
    environment says), with the audit key of this process so that the chain verifies."""
    import socket
    import subprocess

    from django.conf import settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2,
        "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "600",
    }
    server = subprocess.Popen(
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not listen within 30 s")


def server_pids(server):
    """The gunicorn master and its workers."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [server.pid] + [int(pid) for pid in children.read_text().split()]


def backend_pids(url):
    import psycopg

    with psycopg.connect(url) as conn:
        mine = conn.info.backend_pid
        database = conn.info.dbname
        return [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [database, mine]
            )
        ]


def measure_completions(url, clients, per_client, warmup, full_response=False, workers=0):
    import json

    import workload

    jobs = prepare_completions(clients, per_client, warmup)
    data = workload.assess_data()
    headers = {} if full_response else {"HTTP_PREFER": "return=minimal"}
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 8 + clients * 0.5  # every client set up and warmed before the clock starts
    server = None
    if workers:
        server, port = start_server(url, workers)
        body = json.dumps(data)
        http_headers = {
            "Content-Type": "application/json",
            **({} if full_response else {"Prefer": "return=minimal"}),
        }
        processes = [
            context.Process(
                target=http_client_worker,
                args=(
                    port,
                    token,
                    ids,
                    warmup,
                    body,
                    {**http_headers, "Authorization": f"Token {token}"},
                    start_at,
                    queue,
                ),
            )
            for token, ids in jobs
        ]
    else:
        processes = [
            context.Process(
                target=client_worker, args=(url, token, ids, warmup, data, headers, start_at, queue)
            )
            for token, ids in jobs
        ]
    try:
        for process in processes:
            process.start()
        while time.time() < start_at:
            time.sleep(0.001)
        web, backends = (server_pids(server), backend_pids(url)) if server else ([], [])
        serving_before = {pid: cpu_seconds(pid) for pid in web + backends}
        busy_before, load_before = machine_busy_seconds(), os.getloadavg()
        results = [queue.get() for _ in processes]
        busy = machine_busy_seconds() - busy_before
        load_after = os.getloadavg()
        serving_cpu = {
            pid: (after - before)
            for pid, before in serving_before.items()
            if before is not None and (after := cpu_seconds(pid)) is not None
        }
        for process in processes:
            process.join()
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    timings = [t for result in results for t in result[0]]
    failures = sum(result[1] for result in results)
    wall = max(result[2] for result in results) - start_at
    capacity = wall * (os.cpu_count() or 1)
    client_cpu = sum(result[3] for result in results)
    backend_cpu = sum(result[4] for result in results if result[4] is not None)
    web_cpu = None
    if server:
        # The clients are load generators here; the web workers and their backends do the work.
        web_cpu = sum(serving_cpu.get(pid, 0) for pid in web)
        backend_cpu = sum(serving_cpu.get(pid, 0) for pid in backends)
    ids = [i for _token, report_ids in jobs for i in report_ids]
    assert workload.states(ids) == {"assessed": len(ids)}, workload.states(ids)
    from viewflow.workflow.models import Task

    from workflows.flows import DeviationFlow

    open_assess = Task.objects.filter(
        process__caseprocess__report_id__in=ids, status="NEW", flow_task=DeviationFlow.assess
    ).count()
    assert open_assess == 0, f"{open_assess} assess tasks left open"
    return {
        "clients": clients,
        "response": "full" if full_response else "minimal",
        "completions": len(timings),
        "failures": failures,
        "wall_s": wall,
        "per_second": len(timings) / wall,
        "open_assess_tasks_left": open_assess,
        "cpu": {
            "clients_s": client_cpu,
            "backends_s": backend_cpu,
            "machine_busy_s": busy,
            "capacity_s": capacity,
            "clients_share": client_cpu / capacity,
            "backends_share": backend_cpu / capacity,
            "machine_share": busy / capacity,
            "client_cpu_ms_per_completion": 1000 * client_cpu / len(timings),
            # web workers (in-process: the clients, which run Django) + PostgreSQL backends, per
            # completion: the figure reported first
            "serving_cpu_ms_per_completion": 1000
            * ((web_cpu if server else client_cpu) + backend_cpu)
            / len(timings),
            "backend_cpu_ms_per_completion": 1000 * backend_cpu / len(timings),
        },
        "server": (
            {
                "workers": workers,
                "web_s": web_cpu,
                "web_share": web_cpu / capacity,
                "web_cpu_ms_per_completion": 1000 * web_cpu / len(timings),
            }
            if server
            else None
        ),
        "load_before": load_before,
        "load_after": load_after,
        **percentiles(timings),
    }


def measure_inbox(total, inbox_size, requests):
    """``total`` open tasks, ``inbox_size`` of them assigned to the measured manager."""
    import workload
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from cases.models import OrgUnit
    from tests.workflows.bulk import open_deviations

    unit, reporter, manager = workload.build_org(uuid.uuid4().hex[:6])
    units = [unit] + [
        OrgUnit.objects.create(kind="enhet", name=f"Enhet {i}", parent=unit.parent) for i in range(49)
    ]
    others = [
        get_user_model().objects.create_user(username=f"bench-other-{uuid.uuid4().hex[:8]}")
        for _ in range(20)
    ]
    owners = [manager] * inbox_size + [others[i % len(others)] for i in range(total // 2)]
    started = time.perf_counter()
    open_deviations(total, units, reporter, owners=owners, start=1)
    built = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results = {
        "open_tasks": total,
        "inbox_size": inbox_size,
        "build_s": built,
        "load_before": os.getloadavg(),
    }
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
    server = c.get("server")
    how = (
        f"over HTTP to gunicorn with {server['workers']} sync workers"
        if server
        else "one process each, in-process test client"
    )
    serving_ms = cpu["serving_cpu_ms_per_completion"]
    lines = [
        f"task completions through the API ({c['clients']} concurrent clients, {how}, {c['response']} response):",
        # First: CPU per completion, steadier than throughput on a shared machine.
        f"  CPU per completion: {serving_ms:.1f} ms ("
        + ("web workers" if server else "clients running Django")
        + f" {serving_ms - cpu['backend_cpu_ms_per_completion']:.1f} ms + PostgreSQL "
        f"{cpu['backend_cpu_ms_per_completion']:.1f} ms)   goal <= {CPU_GOAL_MS:g} ms: "
        f"{'met' if serving_ms <= CPU_GOAL_MS else 'MISSED'}",
        f"  {c['completions']} completions in {c['wall_s']:.1f} s = {c['per_second']:.1f}/s   "
        f"goal >= {COMPLETIONS_GOAL}/s: {'met' if c['per_second'] >= COMPLETIONS_GOAL else 'MISSED'}",
        f"  latency per completion: mean {c['mean_ms']:.1f} ms, p50 {c['p50_ms']:.1f} ms, p95 {c['p95_ms']:.1f} ms; "
        f"failures {c['failures']}",
        (
            f"  CPU over the run, share of {result['machine']['nproc']} CPUs: web workers {server['web_share']:.0%} "
            f"({server['web_cpu_ms_per_completion']:.1f} ms per completion), their PostgreSQL backends "
            f"{cpu['backends_share']:.0%} ({cpu['backend_cpu_ms_per_completion']:.1f} ms per completion), "
            f"the clients (load generators) {cpu['clients_share']:.0%} ({cpu['client_cpu_ms_per_completion']:.1f} ms), "
            f"whole machine {cpu['machine_share']:.0%}"
        )
        if server
        else (
            f"  CPU over the run, share of {result['machine']['nproc']} CPUs: clients {cpu['clients_share']:.0%} "
            f"({cpu['client_cpu_ms_per_completion']:.1f} ms per completion), their PostgreSQL backends "
            f"{cpu['backends_share']:.0%} ({cpu['backend_cpu_ms_per_completion']:.1f} ms per completion), "
            f"whole machine {cpu['machine_share']:.0%}"
        ),
        "  load average (1, 5, 15 min) at the start {} and at the end {}".format(
            *(", ".join(f"{v:.2f}" for v in load) for load in (c["load_before"], c["load_after"]))
        ),
    ]
    if inbox:
        lines.append(
            f"task lists with {inbox['open_tasks']:,} open tasks (build {inbox['build_s']:.0f} s; "
            f"load average at the start {inbox['load_before'][0]:.2f}):"
        )
        for scope in ("inbox", "queue"):
            s = inbox[scope]
            goal = (
                f"   goal p95 <= {INBOX_P95_GOAL_MS} ms: {'met' if s['p95_ms'] <= INBOX_P95_GOAL_MS else 'MISSED'}"
                if scope == "inbox"
                else ""
            )
            lines.append(
                f"  {scope:6} ({s['count']:>6} tasks, {s['queries']} queries): p50 {s['p50_ms']:.1f} ms, "
                f"p95 {s['p95_ms']:.1f} ms{goal}"
            )
    else:
        lines.append("task lists: not measured (--open-tasks 0)")
    lines.append(f"audit chain verified afterwards: {result['audit_rows_verified']} rows")
    lines.append(
        "PostgreSQL prepared statements (DATABASE_PREPARED_STATEMENTS): "
        + ("on (the default)" if result["prepared_statements"] else "off (docs/operations.md: PgBouncer)")
    )
    m = result["machine"]
    lines.append(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"Django {m['django']}"
    )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--per-client", type=int, default=40, help="timed completions per client (default 40)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="untimed completions per client first")
    parser.add_argument(
        "--open-tasks",
        type=int,
        default=100_000,
        help="open tasks for the inbox timings (default 100,000; 0 skips them)",
    )
    parser.add_argument(
        "--full-response",
        action="store_true",
        help="ask for the whole case after each completion (default: Prefer: return=minimal)",
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        default=0,
        metavar="N",
        help="send the completions over HTTP to gunicorn with N sync workers instead of "
        "running each client's requests in its own process (default 0: in-process)",
    )
    parser.add_argument("--inbox-size", type=int, default=40)
    parser.add_argument("--requests", type=int, default=200, help="timed inbox requests (default 200)")
    args = parser.parse_args()

    url = database_url(BENCH_DB)
    setup_django(url)
    import workload
    from django.conf import settings

    result = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "completions": measure_completions(
            url, args.clients, args.per_client, args.warmup, args.full_response, workers=args.server_workers
        ),
        "inbox": measure_inbox(args.open_tasks, args.inbox_size, args.requests) if args.open_tasks else None,
        "machine": machine(url),
        "prepared_statements": bool(
            settings.DATABASES["default"].get("OPTIONS", {}).get("server_side_binding")
        ),
    }
    verified, broken = workload.chain_verified()
    assert broken is None, f"audit chain broken after the run: {broken}"
    result["audit_rows_verified"] = verified
    print(report(result))
    save_results("tasks", result)


if __name__ == "__main__":
    main()
