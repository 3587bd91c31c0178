"""A delivery left "being sent" by a lost worker recovers without anyone resending it: the
scheduler job ``notifications.jobs.recover_deliveries`` queues it again after the lease, a
limited number of times, then fails it for the administrators. Every attempt carries the
delivery's own Message-ID. And a hanging SMTP server cannot hold a worker (``EMAIL_TIMEOUT``)."""

import datetime
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.admin.sites import site
from django.core.mail import get_connection
from django.test import RequestFactory
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from notifications.delivery import deliver
from notifications.models import Delivery
from tests.factories import file
from tests.notifications.conftest import run_tasks
from tests.notifications.lost_worker import lose_worker

LEASE = datetime.timedelta(seconds=600)


@pytest.fixture
def lex_sarah(cast, org, django_capture_on_commit_callbacks, smtp, settings):
    """A new lex Sarah report whose e-mail to the SAS is enqueued but not yet sent."""
    settings.NOTIFICATION_SENDING_LEASE = 600
    settings.NOTIFICATION_SENDING_LEASE_RETRIES = 2
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    return report


def recover(django_capture_on_commit_callbacks, now):
    """One round of the scheduler job, committed (so what it queues is enqueued)."""
    with django_capture_on_commit_callbacks(execute=True):
        return import_string("notifications.jobs.recover_deliveries")(now)


def lost(monkeypatch, after_send=False):
    """Run the queued task on a worker that is lost in the middle of the send."""
    with lose_worker(monkeypatch, after_send=after_send):
        run_tasks()
    delivery = Delivery.objects.get()
    assert delivery.status == "sending"
    return delivery


def admin_list(admin_user, **query):
    request = RequestFactory().get("/admin/notifications/delivery/", query)
    request.user = admin_user
    response = site._registry[Delivery].changelist_view(request)
    response.render()
    return response.content.decode()


def test_the_job_is_scheduled():
    from django.conf import settings

    assert "notifications.jobs.recover_deliveries" in settings.SCHEDULER_JOBS
    assert (settings.NOTIFICATION_SENDING_LEASE, settings.NOTIFICATION_SENDING_LEASE_RETRIES) == (600, 2)


def test_lost_before_the_server_had_it_is_sent_once_after_the_lease(
    lex_sarah, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    delivery = lost(monkeypatch)
    assert smtp.received == []
    # Within the lease the worker may still be alive: nothing happens.
    assert recover(django_capture_on_commit_callbacks, delivery.claimed_at + LEASE) == 0
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert (
        recover(
            django_capture_on_commit_callbacks, delivery.claimed_at + LEASE + datetime.timedelta(seconds=1)
        )
        == 1
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.lease_requeues) == ("retry", 1)
    assert delivery.last_error.startswith("worker lost while sending")
    # A second scheduler round (or a second scheduler) does not queue it again.
    assert recover(django_capture_on_commit_callbacks, delivery.claimed_at + 2 * LEASE) == 0
    assert run_tasks() == 1
    assert len(smtp.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert smtp.received[0].message["Message-ID"] == delivery.message_id


def test_lost_after_the_server_took_it_the_copy_has_the_same_message_id(
    lex_sarah, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    """The trade-off in docs/notifications.md: the database cannot know the server took the
    message, so the recovered delivery is sent again; the copy is recognisably the same."""
    delivery = lost(monkeypatch, after_send=True)
    assert len(smtp.received) == 1
    recover(django_capture_on_commit_callbacks, delivery.claimed_at + 2 * LEASE)
    run_tasks()
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [m.message["Message-ID"] for m in smtp.received] == [delivery.message_id] * 2


def test_no_lease_retries_keeps_at_most_once(
    lex_sarah, smtp, monkeypatch, settings, admin_user, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_SENDING_LEASE_RETRIES = 0
    delivery = lost(monkeypatch, after_send=True)
    assert recover(django_capture_on_commit_callbacks, delivery.claimed_at + 2 * LEASE) == 1
    assert run_tasks() == 0
    assert len(smtp.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.permanent_failure) == ("failed", False)
    assert "worker lost while sending, 1 times" in delivery.last_error


def test_lost_every_time_fails_and_shows_to_administrators(
    lex_sarah, smtp, monkeypatch, admin_user, django_capture_on_commit_callbacks
):
    for round_ in range(3):
        delivery = lost(monkeypatch)
        assert recover(django_capture_on_commit_callbacks, delivery.claimed_at + 2 * LEASE) == 1
        delivery.refresh_from_db()
        assert delivery.status == ("retry" if round_ < 2 else "failed")
    assert run_tasks() == 0
    assert (delivery.lease_requeues, delivery.attempts) == (2, 3)
    assert delivery.last_error.startswith("worker lost while sending, 3 times")
    assert smtp.received == []
    assert "sas@kommun.example" in admin_list(admin_user, lost_worker="failed")
    assert "sas@kommun.example" in admin_list(admin_user, lost_worker="requeued")


def test_the_admin_filter_tells_lost_workers_apart(cast, admin_user):
    common = {"template": "digest", "payload": {"notification_ids": []}}
    Delivery.objects.create(key="fine", address="fine@kommun.example", status="sent", **common)
    Delivery.objects.create(
        key="smtp", address="smtp@kommun.example", status="failed", last_error="SMTP 451: later", **common
    )
    Delivery.objects.create(
        key="recovered", address="recovered@kommun.example", status="sent", lease_requeues=1, **common
    )
    Delivery.objects.create(
        key="lost",
        address="lost@kommun.example",
        status="failed",
        lease_requeues=2,
        last_error="worker lost while sending, 3 times (last since 2026-01-01T10:00:00+00:00)",
        **common,
    )
    failed, requeued = (
        admin_list(admin_user, lost_worker="failed"),
        admin_list(admin_user, lost_worker="requeued"),
    )
    assert "lost@kommun.example" in failed
    assert [a for a in ("fine@", "smtp@", "recovered@") if a in failed] == []
    assert "recovered@kommun.example" in requeued and "lost@kommun.example" in requeued
    assert "fine@" not in requeued and "smtp@" not in requeued


def test_a_delivery_sent_meanwhile_is_left_alone(lex_sarah, smtp, django_capture_on_commit_callbacks):
    run_tasks()
    delivery = Delivery.objects.get()
    assert recover(django_capture_on_commit_callbacks, delivery.claimed_at + 10 * LEASE) == 0
    assert run_tasks() == 0 and len(smtp.received) == 1


def test_every_delivery_has_its_own_message_id(cast, smtp):
    from notifications.delivery import create_delivery

    first = create_delivery(
        key="a", address="a@kommun.example", template="digest", payload={"notification_ids": []}
    )
    second = create_delivery(
        key="b", address="b@kommun.example", template="digest", payload={"notification_ids": []}
    )
    assert first.message_id != second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@kommun.example>")


# EMAIL_TIMEOUT


@pytest.fixture
def hanging_server():
    """A TCP port that accepts connections (the kernel completes the handshake) and never
    says a word: an SMTP server that hangs before its greeting."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_hanging_smtp_server_does_not_hold_the_worker(lex_sarah, smtp, settings, hanging_server):
    settings.EMAIL_PORT = hanging_server
    settings.EMAIL_TIMEOUT = 1
    settings.NOTIFICATION_RETRY_DELAYS = [3600]
    started = time.monotonic()
    assert deliver(Delivery.objects.get().pk) == "retry"
    assert time.monotonic() - started < 5
    delivery = Delivery.objects.get()
    assert delivery.status == "retry" and "timed out" in delivery.last_error


def test_email_settings_come_from_the_environment():
    """Defaults (EMAIL_TIMEOUT 30 s on the SMTP connection, a lease of 600 s retried twice),
    and the same settings from the environment, in a fresh process."""
    from django.conf import settings

    assert settings.EMAIL_TIMEOUT == 30
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 30
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from django.core.mail import get_connection as c; print(json.dumps([s.EMAIL_TIMEOUT, "
        "c('django.core.mail.backends.smtp.EmailBackend').timeout, s.NOTIFICATION_SENDING_LEASE, "
        "s.NOTIFICATION_SENDING_LEASE_RETRIES]))"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        EMAIL_TIMEOUT="7.5",
        NOTIFICATION_SENDING_LEASE="120",
        NOTIFICATION_SENDING_LEASE_RETRIES="0",
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [7.5, 7.5, 120, 0]


@pytest.mark.parametrize("backend", ["database", "rq"])
def test_a_separate_notification_queue_leaves_the_other_tasks_valid(backend):
    """With NOTIFICATION_TASK_QUEUE set, both that queue and "default" (the compilation export
    task's) are valid on either backend: the URLs (which import every task) load and a
    delivery task validates for the notification queue."""
    code = (
        "import django; django.setup(); import config.urls; from django.conf import settings as s; "
        "from notifications.tasks import send_delivery; send_delivery.using(queue_name='notifications'); "
        "print(s.TASKS['default']['QUEUES'])"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        TASKS_BACKEND=backend,
        NOTIFICATION_TASK_QUEUE="notifications",
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "['default', 'notifications']"
