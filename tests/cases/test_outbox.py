"""The transactional outbox: an event exists exactly when its change does, is delivered after
the commit at once or by the dispatcher, is retried until every receiver succeeds, and notifies
once however often it is delivered."""

import datetime

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.utils import timezone

from cases import outbox
from cases.events import case_event
from cases.models import OutboxEvent, Report
from notifications.models import Delivery, Notification
from tests.cases.test_concurrency import reference_data, run_together  # noqa: F401  (a fixture)
from tests.factories import file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_event_per_filing(monkeypatch):
    """These tests follow a filing's own event (``report.filed``) through the outbox. The event
    of the step that then waits for its role holders (``task.waiting``, issue 17) is left out
    here; tests/notifications/test_step_holders.py delivers it through the same outbox."""
    monkeypatch.setattr("workflows.services.task_waiting", lambda task, *, after=None: None)


@pytest.fixture
def failing_receiver():
    """A receiver that fails while ``failing`` holds True; returns the list it records calls in."""
    calls, state = [], {"failing": True}

    def receiver(sender, name, report_id, event_id, **kwargs):
        calls.append((name, event_id))
        if state["failing"]:
            raise OperationalError("the database went away")

    case_event.connect(receiver, dispatch_uid="test-failing-receiver")
    yield calls, state
    case_event.disconnect(dispatch_uid="test-failing-receiver")


def test_an_event_is_written_with_its_change_and_rolled_back_with_it(cast, org):
    with pytest.raises(RuntimeError), transaction.atomic():
        file("lex_sarah", cast["reporter"], org.unit_a)
        assert OutboxEvent.objects.filter(name="report.filed").count() == 1
        raise RuntimeError("the change fails after the event was emitted")
    assert not OutboxEvent.objects.exists() and not Report.objects.exists()


def test_after_the_commit_the_event_is_delivered_at_once_and_marked(
    cast, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    event = OutboxEvent.objects.get(name="report.filed")
    assert event.report_id == report.pk and event.delivered_at is not None and event.attempts == 0
    assert event.data == {"type": "lex_sarah"} and event.actor_id == cast["reporter"].pk
    assert Notification.objects.filter(report=report, event="report.filed", user=cast["sas"]).count() == 1


def test_nothing_is_delivered_before_the_commit(cast, org):
    seen = []
    case_event.connect(lambda **kwargs: seen.append(kwargs["name"]), weak=False, dispatch_uid="test-seen")
    try:
        file("lex_sarah", cast["reporter"], org.unit_a)  # the test's transaction never commits
    finally:
        case_event.disconnect(dispatch_uid="test-seen")
    assert seen == [] and OutboxEvent.objects.get(name="report.filed").delivered_at is None


def test_a_failing_receiver_leaves_the_event_to_be_retried_and_the_others_still_run(
    cast, org, failing_receiver, django_capture_on_commit_callbacks, settings
):
    calls, _state = failing_receiver
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)  # the filing itself succeeds
    event = OutboxEvent.objects.get(name="report.filed")
    assert [name for name, _id in calls] == ["report.filed"]
    assert event.delivered_at is None and event.attempts == 1
    assert event.last_error == "OperationalError: the database went away"
    first_delay = datetime.timedelta(seconds=settings.OUTBOX_RETRY_DELAYS[0])
    assert before + first_delay <= event.next_attempt_at <= timezone.now() + first_delay
    assert Notification.objects.filter(report=report).exists()  # the notifications' receiver did its part


def test_the_dispatcher_retries_with_the_delays_and_the_last_delay_repeats(
    cast, org, failing_receiver, settings
):
    calls, state = failing_receiver
    settings.OUTBOX_RETRY_DELAYS = [10, 60]
    file("deviation", cast["reporter"], org.unit_a)  # not committed: only the dispatcher delivers it
    event = OutboxEvent.objects.get(name="report.filed")
    now = event.created_at
    assert outbox.dispatch_due(now) == 0 and calls == []  # the fast path's grace period
    now += datetime.timedelta(seconds=settings.OUTBOX_GRACE)
    waits = []
    for _attempt in range(3):
        assert outbox.dispatch_due(now) == 0
        event.refresh_from_db()
        waits.append(round((event.next_attempt_at - timezone.now()).total_seconds() / 10) * 10)
        now = event.next_attempt_at
    assert waits == [10, 60, 60] and event.attempts == 3 and len(calls) == 3
    state["failing"] = False
    assert outbox.dispatch_due(now) == 1
    event.refresh_from_db()
    assert event.delivered_at == now and outbox.dispatch_due(now) == 0


def test_a_database_error_in_the_fast_path_never_reaches_the_change(
    cast, org, monkeypatch, django_capture_on_commit_callbacks
):
    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("notifications.rules.notify", gone)
    monkeypatch.setattr(
        "cases.outbox.OutboxEvent.objects.filter", gone
    )  # not even the failure can be written
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    monkeypatch.undo()
    event = OutboxEvent.objects.get(name="report.filed")
    assert (
        event.delivered_at is None and event.attempts == 0
    )  # the dispatcher takes it after the grace period
    assert outbox.dispatch_due(event.next_attempt_at) == 1
    assert Notification.objects.filter(report=report, user=cast["sas"]).count() == 1


def test_an_event_delivered_twice_notifies_once(cast, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    event = OutboxEvent.objects.get(name="report.filed")
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)  # as if the mark had been lost
    assert outbox.deliver_all() == 1
    assert Notification.objects.filter(report=report).count() == 1
    assert Delivery.objects.filter(notification__report=report).count() == 1


def test_the_event_data_is_sent_as_the_row_keeps_it(cast, org, django_capture_on_commit_callbacks):
    from cases.events import emit

    received = []
    case_event.connect(lambda **kwargs: received.append(kwargs["data"]), weak=False, dispatch_uid="test-data")
    report = file("deviation", cast["reporter"], org.unit_a)
    moment = timezone.now()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            emit("test.event", report=report, due_at=moment, ids=(1, 2))
    finally:
        case_event.disconnect(dispatch_uid="test-data")
    stored = OutboxEvent.objects.get(name="test.event").data
    assert received == [stored] and stored["ids"] == [1, 2] and isinstance(stored["due_at"], str)


def test_the_outbox_command_lists_what_waits_and_delivers_it(cast, org, capsys, failing_receiver):
    _calls, state = failing_receiver
    report = file("lex_sarah", cast["reporter"], org.unit_a)
    with pytest.raises(SystemExit):
        call_command("outbox", "--deliver")  # the receiver still fails: exit status 1
    out = capsys.readouterr().out
    assert "Waiting: 1 (1 after a failed attempt)" in out
    assert f"report.filed case {report.pk}" in out and "last error: OperationalError" in out
    state["failing"] = False
    call_command("outbox", "--deliver")
    assert "Delivered: 1" in capsys.readouterr().out and not outbox.pending().exists()


def test_delivered_events_are_pruned_after_the_retention(
    cast, org, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file("deviation", cast["reporter"], org.unit_a)
    file("deviation", cast["reporter"], org.unit_a)  # not delivered: never pruned
    later = timezone.now() + datetime.timedelta(days=settings.OUTBOX_RETENTION_DAYS, seconds=1)
    assert outbox.prune_delivered(timezone.now()) == 0
    assert outbox.prune_delivered(later) == 1
    assert OutboxEvent.objects.count() == 1


def test_an_email_whose_task_was_never_queued_is_queued_by_the_recovery_job(cast, org, settings):
    from notifications.delivery import create_delivery, recover_stuck

    delivery = create_delivery(
        key="lost-enqueue", address="sas@kommun.example", user=cast["sas"]
    )  # never committed
    later = timezone.now() + datetime.timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE + 1)
    assert recover_stuck(timezone.now()) == 0
    assert recover_stuck(later) == 1
    assert recover_stuck(later) == 0  # once per lease
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at == later


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_dispatchers_deliver_each_event_once(cast, org):
    received = []
    case_event.connect(
        lambda **kwargs: received.append(kwargs["event_id"]), weak=False, dispatch_uid="test-two"
    )
    try:
        for _ in range(6):
            file("deviation", cast["reporter"], org.unit_a)  # committed: autocommit, each fast path delivers
        OutboxEvent.objects.update(delivered_at=None)
        received.clear()
        later = timezone.now() + datetime.timedelta(hours=1)
        results, errors = run_together(2, lambda i: outbox.dispatch_due(later))
    finally:
        case_event.disconnect(dispatch_uid="test-two")
    assert errors == {}
    events = OutboxEvent.objects.count()
    assert events >= 6 and sum(results.values()) == events
    assert sorted(received) == sorted(OutboxEvent.objects.values_list("pk", flat=True))  # each once
    assert not outbox.pending().exists()
