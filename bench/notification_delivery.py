"""Notification delivery: throughput with one ``db_worker`` into a local SMTP sink, and the
delay from the event's commit to the message accepted by the SMTP server (method and
figures: docs/notifications.md, "Performance").

    make bench                                  # after the transition benchmark
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<own db> \
        .venv/bin/python bench/notification_delivery.py [--n 500] [--latency-n 200]

Imported by bench/run.py after ``django.setup()``; run alone it sets Django up itself on the
same database as run.py (DATABASE_URL when it names a PostgreSQL database, else a re-created
``bench_cases``). The load average of the machine before and after is recorded with the figures.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_INTERVAL = 0.2  # seconds between polls of an idle worker, as `make run` starts it


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 Message accepted"


def start_sink():
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    sys.path.insert(0, str(BASE_DIR))
    from tests.notifications.smtp import free_port

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return sink, controller


def start_worker(url, smtp_port):
    env = dict(
        os.environ,
        DATABASE_URL=url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        DEBUG="false",
        SECRET_KEY="bench-only-" + "x" * 50,
        AUDIT_HMAC_KEY=os.environ["AUDIT_HMAC_KEY"],
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--interval",
            str(WORKER_INTERVAL),
            "--no-startup-delay",
            "--no-reload",
            "--verbosity",
            "0",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def build(tag, users):
    from django.contrib.auth import get_user_model
    from workload import build_org, file_deviations

    from cases.models import Report

    unit, reporter, _manager = build_org(tag)
    report = Report.objects.get(pk=file_deviations(1, unit, reporter)[0])
    User = get_user_model()
    recipients = [
        User.objects.create_user(username=f"bench-assignee-{tag}-{i}", email=f"bench{i}-{tag}@kommun.example")
        for i in range(users)
    ]
    return report, recipients


def event(report, user, task_id):
    """One ``task.assigned`` event through the rules: a notification and its delivery."""
    from notifications.rules import notify

    return notify(
        "task.assigned",
        report_id=report.pk,
        data={"task_id": task_id, "step": "assess", "user_ids": [user.pk]},
    )


def wait_sent(keys, timeout):
    from notifications.models import Delivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = dict(Delivery.objects.filter(key__in=keys).values_list("key", "status"))
        if all(rows.get(k) in ("sent", "failed") for k in keys):
            assert all(rows[k] == "sent" for k in keys), "some deliveries failed"
            return
        time.sleep(0.05)
    raise TimeoutError(f"{len(keys)} deliveries not sent within {timeout} s")


def measure(url, n, latency_n):
    from django.db import transaction
    from django.utils import timezone

    from notifications.models import Delivery

    tag = uuid.uuid4().hex[:6]
    report, users = build(tag, 20)
    sink, controller = start_sink()
    worker = start_worker(url, controller.port)
    try:
        # Warm-up: the worker has started, imported everything and sent a few.
        keys = [f"n{note.pk}" for i in range(10) for note in event(report, users[i % 20], f"w{i}")]
        wait_sent(keys, 60)

        # Throughput: n events committed in one transaction, drained by the one worker.
        started = []
        with transaction.atomic():
            transaction.on_commit(lambda: started.append(timezone.now()))
            notes = [note for i in range(n) for note in event(report, users[i % 20], f"t{i}")]
        keys = [f"n{note.pk}" for note in notes]
        wait_sent(keys, 600)
        last = max(Delivery.objects.filter(key__in=keys).values_list("sent_at", flat=True))
        seconds = (last - started[0]).total_seconds()

        # Delay from commit to accepted by the SMTP server, one event at a time (paced at
        # about 20 a second, so the worker is not backlogged).
        committed = {}
        for i in range(latency_n):
            stamp = []
            with transaction.atomic():
                transaction.on_commit(
                    lambda stamp=stamp: stamp.append(timezone.now())
                )  # runs before the enqueueing
                [note] = event(report, users[i % 20], f"l{i}")
            committed[f"n{note.pk}"] = stamp[0]
            time.sleep(0.05)
        wait_sent(list(committed), 120)
        sent = dict(Delivery.objects.filter(key__in=list(committed)).values_list("key", "sent_at"))
        delays = sorted((sent[k] - committed[k]).total_seconds() * 1000 for k in committed)
    finally:
        worker.terminate()
        worker.wait(10)
        controller.stop()
    assert sink.count == 10 + n + latency_n, f"the sink got {sink.count} messages"
    return {
        "n": n,
        "seconds": seconds,
        "messages_per_second": n / seconds,
        "latency_n": latency_n,
        "worker_interval_s": WORKER_INTERVAL,
        "delay_p50_ms": statistics.median(delays),
        "delay_p95_ms": statistics.quantiles(delays, n=20)[-1],
        "delay_max_ms": delays[-1],
        "sink_messages": sink.count,
    }


def report(result):
    return "\n".join(
        [
            "notifications: one db_worker, local aiosmtpd sink, events through the rules (task.assigned)",
            f"  throughput        {result['messages_per_second']:8.1f} messages/s   ({result['n']} messages in "
            f"{result['seconds']:.1f} s)",
            f"  commit → accepted  p50 {result['delay_p50_ms']:.0f} ms, p95 {result['delay_p95_ms']:.0f} ms, max "
            f"{result['delay_max_ms']:.0f} ms   ({result['latency_n']} events, idle worker polls every "
            f"{result['worker_interval_s']:g} s)",
            f"  load average       before {' '.join(f'{x:.2f}' for x in result['loadavg_before'])}, after "
            f"{' '.join(f'{x:.2f}' for x in result['loadavg_after'])}   ({result['cpus']} CPUs)",
        ]
    )


def run(url, n=500, latency_n=200, results_dir=BASE_DIR / "bench" / "results"):
    load_before = os.getloadavg()
    result = measure(url, n, latency_n)
    result["loadavg_before"], result["loadavg_after"] = load_before, os.getloadavg()
    result["cpus"] = os.cpu_count()
    result["when"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    result["database"] = url.rsplit("/", 1)[-1]
    print(report(result))
    results_dir.mkdir(exist_ok=True)
    path = results_dir / f"notifications-{result['when'].replace(':', '').replace('+0000', 'Z')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path.relative_to(BASE_DIR)}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="messages for the throughput (default 500)")
    parser.add_argument("--latency-n", type=int, default=200, help="events timed one by one (default 200)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import run as transition_bench

    url = transition_bench.database_url()
    transition_bench.setup_django(url)
    run(url, args.n, args.latency_n)


if __name__ == "__main__":
    main()
