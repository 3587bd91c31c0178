"""The scale-out backend: django-tasks on RQ against the local Redis (127.0.0.1:6379).

Skipped, with the reason, only where no Redis answers; with CI_REQUIRE_ALL=1 (.ci/run) a
missing Redis fails the test instead."""

import os
import uuid

import pytest
import redis
from django.conf import settings as django_settings

from notifications.models import Delivery
from notifications.tasks import send_delivery
from tests.factories import file

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def rq_backend(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        message = f"Redis does not answer on {REDIS_URL}: the RQ backend test needs a running Redis."
        if os.environ.get("CI_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    import django_rq
    from django_tasks_rq.backend import Job

    queue_name = f"ntf-test-{uuid.uuid4().hex[:8]}"
    settings.RQ_QUEUES = {queue_name: {"URL": REDIS_URL}}
    settings.NOTIFICATION_TASK_QUEUE = queue_name
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    queue = django_rq.get_queue(queue_name, job_class=Job)
    yield queue
    queue.empty()
    queue.delete(delete_jobs=True)


def work(queue):
    """An RQ worker in this process (no fork), so it shares the test's database transaction."""
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True)
    return worker


def test_rq_backend_delivers_once(cast, org, smtp, rq_backend, django_capture_on_commit_callbacks):
    assert django_settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    assert rq_backend.count == 1
    work(rq_backend)
    assert [m.recipients for m in smtp.received] == [["sas@kommun.example"]]
    assert report.case_number in smtp.received[0].subject
    delivery = Delivery.objects.get()
    assert delivery.status == "sent"
    # The same task enqueued again (a redelivery) sends nothing more.
    send_delivery.using(queue_name=rq_backend.name).enqueue(delivery.pk)
    work(rq_backend)
    assert len(smtp.received) == 1
