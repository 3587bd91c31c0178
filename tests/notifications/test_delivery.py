"""Sending: at most once, retried after temporary SMTP failures, permanent refusals recorded."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from notifications.delivery import create_delivery, deliver
from notifications.models import Delivery, FailedAddress
from notifications.tasks import send_delivery
from tests.factories import file
from tests.notifications.conftest import run_tasks


@pytest.fixture
def lex_sarah(cast, org, django_capture_on_commit_callbacks, smtp):
    """A new lex Sarah report whose e-mail to the SAS is enqueued but not yet sent."""
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    return report


def test_refused_then_accepted_is_delivered_exactly_once(lex_sarah, smtp):
    smtp.temporary_failures = 1
    assert run_tasks() == 2  # the first attempt, then the retry it enqueued
    assert len(smtp.received) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_the_retry_waits_for_the_backoff(lex_sarah, smtp, settings):
    settings.NOTIFICATION_RETRY_DELAYS = [600]
    smtp.temporary_failures = 1
    assert run_tasks() == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "retry" and "451" in delivery.last_error
    waiting = DBTaskResult.objects.get(status="READY")
    assert (waiting.run_after - delivery.claimed_at).total_seconds() == pytest.approx(600, abs=2)
    assert smtp.received == []


def test_gives_up_after_the_last_retry(lex_sarah, smtp):
    smtp.temporary_failures = 5
    assert run_tasks() == 3  # NOTIFICATION_RETRY_DELAYS has two delays: three attempts
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.permanent_failure) == ("failed", 3, False)
    assert smtp.received == []


def test_a_task_run_twice_sends_one_message(lex_sarah, smtp):
    delivery = Delivery.objects.get()
    assert run_tasks() == 1
    assert send_delivery.call(delivery.pk) == "skipped"
    assert deliver(delivery.pk) == "skipped"
    assert len(smtp.received) == 1


def test_a_delivery_key_is_enqueued_once(cast, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = create_delivery(key="k1", address="sas@kommun.example", user=cast["sas"], template="digest")
        again = create_delivery(key="k1", address="sas@kommun.example", user=cast["sas"], template="digest")
    assert first and again is None
    assert DBTaskResult.objects.count() == 1


def test_a_permanently_refused_address_is_recorded_and_shown(lex_sarah, smtp, admin_user):
    smtp.refused.add("sas@kommun.example")
    assert run_tasks() == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.permanent_failure) == ("failed", True)
    assert "550" in delivery.last_error
    assert FailedAddress.objects.get().address == "sas@kommun.example"
    request = RequestFactory().get("/admin/notifications/delivery/", {"permanent_failure__exact": "1"})
    request.user = admin_user
    response = site._registry[Delivery].changelist_view(request)
    response.render()
    assert "sas@kommun.example" in response.content.decode()


def test_no_more_mail_to_a_refused_address(cast, org, smtp, deliver):
    FailedAddress.objects.create(address="sas@kommun.example", code=550, error="Mailbox unavailable")
    deliver(file, "lex_sarah", cast["reporter"], org.unit_a)
    assert smtp.received == []
    assert Delivery.objects.get().status == "failed"


def test_connection_refused_is_retried(lex_sarah, smtp, settings):
    from tests.notifications.smtp import free_port

    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.NOTIFICATION_RETRY_DELAYS = [3600]
    run_tasks()
    delivery = Delivery.objects.get()
    assert delivery.status == "retry" and "ConnectionRefusedError" in delivery.last_error


def test_retrying_from_the_admin(lex_sarah, smtp, admin_user, django_capture_on_commit_callbacks):
    smtp.refused.add("sas@kommun.example")
    run_tasks()
    FailedAddress.objects.all().delete()
    smtp.refused.clear()
    request = RequestFactory().post("/")
    request.user = admin_user
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    with django_capture_on_commit_callbacks(execute=True):
        site._registry[Delivery].retry(request, Delivery.objects.all())
    run_tasks()
    assert len(smtp.received) == 1 and Delivery.objects.get().status == "sent"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_message(smtp):
    """Two workers given the same delivery at the same moment, each on its own connection."""
    import threading

    from django.db import connection

    delivery = Delivery.objects.create(
        key="race", address="sas@kommun.example", template="digest", payload={"notification_ids": []}
    )
    barrier, outcomes = threading.Barrier(2), []

    def work():
        try:
            barrier.wait(timeout=30)
            outcomes.append(deliver(delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(smtp.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
