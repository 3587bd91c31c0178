"""``run_scheduler``: every job in SCHEDULER_JOBS each round, a failing job logged and skipped,
a clean stop on SIGTERM or SIGINT."""

import os
import signal
import threading

import pytest
from django.core.management import call_command

CALLS = []


def counting_job(now):
    CALLS.append(now)
    return 1


def failing_job(now):
    raise RuntimeError("the job broke")


# Each round closes stale database connections, as a long-running process must.
pytestmark = pytest.mark.django_db

JOBS = ["tests.cases.test_scheduler.failing_job", "tests.cases.test_scheduler.counting_job"]


@pytest.fixture(autouse=True)
def jobs(settings):
    settings.SCHEDULER_JOBS = JOBS
    CALLS.clear()


def test_once_runs_every_job_and_a_failing_one_does_not_stop_the_others(caplog, capsys):
    call_command("run_scheduler", "--once")
    assert len(CALLS) == 1 and CALLS[0].tzinfo is not None
    failure = next(record for record in caplog.records if record.name == "cases.scheduler")
    assert "failing_job" in failure.getMessage() and failure.exc_info[0] is RuntimeError
    captured = capsys.readouterr()
    assert "counting_job: 1" in captured.out and "failing_job: failed" in captured.err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_loop_stops_cleanly_on_a_signal_and_puts_the_handlers_back(signum):
    before = signal.getsignal(signum)
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signum))
    timer.start()
    try:
        call_command("run_scheduler", "--interval", "0.05")
    finally:
        timer.cancel()
    assert len(CALLS) >= 2  # several rounds ran before the signal
    assert signal.getsignal(signum) == before
