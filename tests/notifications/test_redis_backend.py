"""The scale-out backend for real: django-tasks on RQ against the local Redis (127.0.0.1:6379,
database 11, emptied before and after each test), run by a real RQ ``SimpleWorker`` in burst
mode and delivering to the in-process aiosmtpd server.

Skipped, with the reason, only where no Redis answers; with CI_REQUIRE_ALL=1 (.ci/run) a
missing Redis fails the test instead."""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from notifications import jobs
from notifications.models import Delivery
from notifications.tasks import send_delivery
from tests.factories import file
from tests.notifications.lost_worker import lose_worker

# Database 11, and a queue named for this test session: several test sessions (a developer's and
# CI's, or both of CI's runs) may share one Redis, so nothing here empties the database; each
# session removes only the keys of its own queue.
REDIS_URL = "redis://127.0.0.1:6379/11"
QUEUE = f"ntf-test-{uuid.uuid4().hex[:12]}"


def require_redis(url):
    """A connection to the Redis at ``url``; where none answers, skip with the reason, or fail
    when CI_REQUIRE_ALL is set (as .ci/run sets it)."""
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        message = f"Redis does not answer on {url}: the RQ backend tests need a running Redis."
        if os.environ.get("CI_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    return connection


@pytest.fixture
def rq_backend(settings):
    connection = require_redis(REDIS_URL)
    import django_rq
    from django_tasks_rq.backend import Job

    forget_queue(connection)
    settings.RQ_QUEUES = {name: {"URL": REDIS_URL} for name in ("default", QUEUE)}
    settings.NOTIFICATION_TASK_QUEUE = QUEUE
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", QUEUE]}}
    queue = django_rq.get_queue(QUEUE, job_class=Job)
    assert queue.connection.connection_pool.connection_kwargs["db"] == 11
    yield queue
    forget_queue(connection)


def forget_queue(connection):
    """Remove this session's queue: its jobs, its registries and the queue itself."""
    for key in connection.scan_iter(match=f"*{QUEUE}*"):
        if key.startswith(b"rq:queue:") or b"registry" in key:
            kind = connection.type(key)
            members = (
                connection.lrange(key, 0, -1)
                if kind == b"list"
                else connection.zrange(key, 0, -1)
                if kind == b"zset"
                else []
            )
            for job_id in members:
                connection.delete(b"rq:job:" + job_id, b"rq:results:" + job_id)
        connection.delete(key)


def work(queue, rounds=20):
    """Real RQ workers in this process (``SimpleWorker``: no fork, so the job shares the test's
    database transaction), in burst mode with the scheduler, so that retries scheduled with
    ``run_after`` are moved to the queue when due; until nothing is queued or scheduled.
    Returns how many jobs ran."""
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    def done():
        return queue.finished_job_registry.count + queue.failed_job_registry.count

    before = done()
    for _ in range(rounds):
        if not queue.count and not queue.scheduled_job_registry.count:
            return done() - before
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        worker.work(burst=True, with_scheduler=True)
        if not queue.count and queue.scheduled_job_registry.count:
            time.sleep(0.5)  # a retry scheduled for now, at whole-second resolution
    raise AssertionError("jobs still queued or scheduled after %d rounds" % rounds)


@pytest.fixture
def lex_sarah(cast, org, smtp, rq_backend, django_capture_on_commit_callbacks):
    """A new lex Sarah report: its e-mail to the SAS is on the RQ queue, not yet sent."""
    assert django_settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    assert rq_backend.count == 1
    return report


def test_rq_backend_delivers_once(lex_sarah, smtp, rq_backend):
    assert work(rq_backend) == 1
    assert [m.recipients for m in smtp.received] == [["sas@kommun.example"]]
    assert lex_sarah.case_number in smtp.received[0].subject
    delivery = Delivery.objects.get()
    assert delivery.status == "sent"
    assert smtp.received[0].message["Message-ID"] == delivery.message_id


def test_rq_task_run_twice_sends_one_message(lex_sarah, smtp, rq_backend):
    delivery = Delivery.objects.get()
    # The same task enqueued a second time before the first ran (a redelivery).
    send_delivery.using(queue_name=QUEUE).enqueue(delivery.pk)
    assert work(rq_backend) == 2
    assert len(smtp.received) == 1
    # And once more after it was sent.
    send_delivery.using(queue_name=QUEUE).enqueue(delivery.pk)
    assert work(rq_backend) == 1
    assert len(smtp.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_rq_refused_then_accepted_is_delivered_exactly_once(lex_sarah, smtp, rq_backend):
    smtp.temporary_failures = 1
    assert work(rq_backend) == 2  # the first attempt, then the retry it scheduled (run_after)
    assert len(smtp.received) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_rq_worker_lost_mid_send_recovers(
    lex_sarah, smtp, rq_backend, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The worker is lost during the SMTP conversation, before the server took the message: the
    row stays "sending"; after the lease the scheduler job queues it again and it is sent once."""
    settings.NOTIFICATION_SENDING_LEASE = 600
    with lose_worker(monkeypatch, after_send=False):
        work(rq_backend)
    delivery = Delivery.objects.get()
    assert delivery.status == "sending" and smtp.received == []
    assert len(rq_backend.failed_job_registry) == 1  # RQ saw the job die

    within_lease = delivery.claimed_at + datetime.timedelta(seconds=599)
    assert jobs.recover_deliveries(within_lease) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_deliveries(delivery.claimed_at + datetime.timedelta(seconds=601)) == 1
    assert rq_backend.count == 1
    assert work(rq_backend) == 1
    assert len(smtp.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.lease_requeues, delivery.attempts, delivery.last_error) == (
        "sent",
        1,
        2,
        "",
    )
    assert smtp.received[0].message["Message-ID"] == delivery.message_id
    # A later round finds nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_deliveries(timezone.now() + datetime.timedelta(days=1)) == 0
    assert rq_backend.count == 0


def test_without_redis_it_skips_with_the_reason_but_fails_under_ci(monkeypatch):
    from tests.notifications.smtp import free_port

    nowhere = f"redis://127.0.0.1:{free_port()}/11"
    monkeypatch.delenv("CI_REQUIRE_ALL", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis does not answer on redis://127.0.0.1:"):
        require_redis(nowhere)
    monkeypatch.setenv("CI_REQUIRE_ALL", "1")
    with pytest.raises(pytest.fail.Exception, match="the RQ backend tests need a running Redis"):
        require_redis(nowhere)


def database_url():
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def children(pid):
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def notification_rules():
    """Transactional tests empty every table afterwards, so an earlier one may have removed the
    rules the migrations seed; seed them again (as tests/cases/test_concurrency.py does)."""
    import importlib

    from django.apps import apps

    from notifications.models import NotificationRule

    if not NotificationRule.objects.exists():
        for migration in ("0002_default_rules", "0003_web_events"):
            importlib.import_module(f"notifications.migrations.{migration}").seed(apps, None)


@pytest.mark.django_db(transaction=True)
def test_rq_worker_process_killed_mid_send_recovers(
    notification_rules, cast, org, smtp, smtp_server, rq_backend, settings
):
    """A real ``manage.py rqworker`` process forks a work horse for the job; the horse is killed
    with SIGKILL while the SMTP server holds its message unanswered. The row stays "sending";
    after the lease the scheduler job queues it again and another worker delivers it once."""
    settings.NOTIFICATION_SENDING_LEASE = 600
    settings.NOTIFICATION_SENDING_LEASE_RETRIES = 2
    smtp.holding = True
    file("lex_sarah", cast["reporter"], org.unit_a)  # committed at once: the task is on the queue
    assert rq_backend.count == 1
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        TASKS_BACKEND="rq",
        REDIS_URL=REDIS_URL,
        NOTIFICATION_TASK_QUEUE=QUEUE,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        LOG_LEVEL="WARNING",
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", QUEUE],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    give_up = time.monotonic() + 120
    while not smtp.data_started.wait(0.2) and worker.poll() is None and time.monotonic() < give_up:
        pass
    if not smtp.data_started.is_set():
        worker.kill()
        pytest.fail("the worker never reached DATA: " + worker.communicate(timeout=30)[1].decode()[-3000:])
    horses = children(worker.pid)
    assert len(horses) == 1, horses
    os.kill(horses[0], signal.SIGKILL)  # as the OOM killer would: the work horse, mid-send
    worker.communicate(timeout=60)  # the worker sees its horse die, fails the job and, in burst mode, ends
    assert worker.returncode == 0
    smtp.holding = False
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sending", 1)
    assert smtp.received == []

    assert jobs.recover_deliveries(delivery.claimed_at + datetime.timedelta(seconds=599)) == 0
    assert jobs.recover_deliveries(delivery.claimed_at + datetime.timedelta(seconds=601)) == 1
    assert rq_backend.count == 1
    assert work(rq_backend) == 1
    assert [m.recipients for m in smtp.received] == [["sas@kommun.example"]]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.lease_requeues, delivery.attempts) == ("sent", 1, 2)
    assert smtp.received[0].message["Message-ID"] == delivery.message_id
