"""``run_scheduler``: call every job in ``settings.SCHEDULER_JOBS`` once a minute (or ``--once``).

Each job is a dotted path to a callable taking the round's time, ``job(now)``, and returning
how many things it did. A failing job is logged with its traceback and the others still run.
SIGTERM and SIGINT finish the job that is running and then stop the loop, so a service manager
or Ctrl-C never cuts a job off in the middle of its transaction.
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("cases.scheduler")


def run_round(jobs, now=None):
    """Run each job once; returns {dotted path: count, or None when it failed}."""
    now = now or timezone.now()
    results = {}
    for path in jobs:
        close_old_connections()
        try:
            results[path] = import_string(path)(now)
        except Exception:
            logger.exception("Scheduler job %s failed", path)
            results[path] = None
    close_old_connections()
    return results


class Command(BaseCommand):
    help = "Run the scheduled jobs (legal clocks, reminders, escalations) every minute, or once with --once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between rounds (default 60)."
        )

    def handle(self, *args, **options):
        jobs = list(getattr(settings, "SCHEDULER_JOBS", []))
        if options["once"]:
            self.report(run_round(jobs))
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            logger.info("Scheduler stopping on signal %s", signum)
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        logger.info("Scheduler started: %d job(s) every %s s", len(jobs), options["interval"])
        try:
            while not stop.is_set():
                started = time.monotonic()
                self.report(run_round(jobs))
                stop.wait(max(0.0, options["interval"] - (time.monotonic() - started)))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("Scheduler stopped")

    def report(self, results):
        for path, count in results.items():
            if count is None:
                self.stderr.write(f"{path}: failed (see the log)")
            elif count:
                self.stdout.write(f"{path}: {count}")
