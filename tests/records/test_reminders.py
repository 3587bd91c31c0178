"""The reviews' reminders: a warning before the date, overdue after it, escalated to the
board's leadership a week on; once each, to whoever acts, and not once the review is done."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from cases import audit
from notifications.delivery import build_message
from notifications.models import Delivery, Kind, Mode, Preference
from notifications.selectors import still_to_send
from records.models import LogPick
from records.reminders import review_reminders, stage
from records.sampling import draw_log_review
from records.services import do_approve_disposal, do_judge_pick, plan_gallring
from tests.factories import file
from tests.records.helpers import closed_case, example_rules, years_ago

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECORDS_REMINDER_DAYS_BEFORE = 3
    settings.RECORDS_ESCALATION_DAYS_AFTER = 7


@pytest.fixture
def run(org, cast):
    example_rules(org)
    closed_case("complaint", cast, org, closed_at=years_ago(3))
    return plan_gallring(org.sn, timezone.now())


@pytest.fixture
def review(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    audit.record_read("report.viewed", actor=cast["reporter"], report_ids=[report.pk])
    now = timezone.now()
    return draw_log_review(
        org.sn, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1), now=now, share=1
    )


def sent(what):
    return sorted(
        (d.payload["stage"], d.user.username)
        for d in Delivery.objects.filter(template="records_reminder").select_related("user")
        if d.payload["what"] == what
    )


def test_the_stages_follow_the_date():
    due = datetime.date(2026, 12, 15)
    assert stage(due, due - 4 * DAY) is None
    assert stage(due, due - 3 * DAY) == stage(due, due) == "warning"
    assert stage(due, due + DAY) == stage(due, due + 7 * DAY) == "overdue"
    assert stage(due, due + 8 * DAY) == "escalated"


def test_a_gallring_review_is_reminded_overdue_and_escalated_once_each(run, cast):
    assert review_reminders(run.due_by - 4 * DAY) == 0
    assert review_reminders(run.due_by - 2 * DAY) == 1  # the board's SAS reviews (no archivist)
    assert review_reminders(run.due_by - DAY) == 0  # once
    review_reminders(run.due_by + DAY)
    review_reminders(run.due_by + 8 * DAY)
    assert sent("gallring") == [("escalated", "leadership"), ("overdue", "sas"), ("warning", "sas")]


def test_an_approved_run_is_reminded_no_more_and_a_queued_reminder_does_not_go(run, cast):
    review_reminders(run.due_by)
    delivery = Delivery.objects.get(template="records_reminder")
    assert still_to_send(delivery)
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    assert not still_to_send(delivery)
    assert review_reminders(run.due_by + 8 * DAY) == 0


def test_the_log_review_goes_to_the_sas_and_the_dso_and_a_follow_up_to_the_manager(review, cast):
    review_reminders(review.due_by)
    assert sent("log_review") == [("warning", "dso"), ("warning", "sas")]
    pick = review.picks.get()
    do_judge_pick(pick.pk, acting_user=cast["sas"], verdict=LogPick.Verdict.QUESTIONED, note="Varför?")
    review_reminders(review.due_by + DAY)
    assert sent("follow_up") == [("overdue", "manager_a")]
    assert ("overdue", "sas") in sent("log_review")


def test_whoever_switched_deadline_emails_off_gets_none(run, cast):
    Preference.objects.create(user=cast["sas"], kind=Kind.CLOCK, mode=Mode.OFF)
    assert review_reminders(run.due_by) == 0


def test_the_email_names_the_review_board_and_date_and_no_case_content(review, cast):
    review_reminders(review.due_by + DAY)
    delivery = Delivery.objects.filter(template="records_reminder", user=cast["sas"]).get()
    message = build_message(delivery)
    body = message.body
    assert review.due_by.isoformat() in body and review.board.name in body
    assert f"/records/loggkontroll/{review.pk}/" in body
    assert "Försenad" in message.subject or "Overdue" in message.subject
    assert len(mail.outbox) == 0
