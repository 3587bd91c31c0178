"""Preferences (immediate, daily summary, off; clock-tied kinds cannot be switched off) and the
scheduler's digest jobs, called as ``job(now)``."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from notifications.jobs import daily_digest, weekly_manager_digest
from notifications.models import Delivery, Notification, Preference, RecipientSettings
from notifications.web.forms import PreferencesForm
from tests.api.helpers import EVERYONE
from tests.factories import file
from tests.notifications.conftest import run_tasks
from tests.notifications.test_rules import assert_no_secrets, file_with_person, send

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
MONDAY_8 = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=STOCKHOLM)


def choices(**modes):
    data = {
        "language": "sv",
        **{kind: "immediate" for kind in PreferencesForm(user=None).fields if kind != "language"},
    }
    data.update(modes)
    return data


def test_clock_tied_kinds_cannot_be_switched_off(cast):
    form = PreferencesForm(data=choices(clock="off"), user=cast["sas"])
    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors["clock"] == ["This kind is tied to a legal deadline and cannot be switched off."]
    assert not Preference.objects.exists()
    assert PreferencesForm(data=choices(clock="daily", task="off"), user=cast["sas"]).is_valid()


@pytest.mark.parametrize("name", EVERYONE)
def test_preferences_page_as_each_member(name, cast):
    client = Client()
    client.force_login(cast[name])
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", choices(clock="off", decision="daily"))
    assert response.status_code == 400
    assert "kan inte stängas av" in response.content.decode()
    assert 'value="daily" selected' in response.content.decode()  # the user's other choices are kept
    assert not Preference.objects.filter(user=cast[name]).exists()
    response = client.post(
        "/notifications/preferences/", choices(language="en", decision="off", task="daily")
    )
    assert response.status_code == 302
    assert dict(Preference.objects.filter(user=cast[name]).values_list("kind", "mode"))["decision"] == "off"
    assert RecipientSettings.objects.get(user=cast[name]).language == "en"
    assert Preference.objects.exclude(user=cast[name]).count() == 0


def test_anonymous_preferences_redirect():
    assert Client().get("/notifications/preferences/").status_code == 302


def test_switched_off_kind_stays_in_the_app_only(cast, org, smtp, deliver):
    Preference.objects.create(user=cast["sas"], kind="task", mode="off")
    report = file_with_person("lex_sarah", cast, org)
    smtp.reset()
    deliver(send, "task.assigned", report, task_id=1, step="register", user_ids=[cast["sas"].pk])
    assert smtp.received == []
    assert Notification.objects.filter(user=cast["sas"], event="task.assigned", in_app=True).exists()


def test_a_stored_off_on_a_clock_tied_kind_still_sends(cast, org, smtp, deliver):
    Preference.objects.create(user=cast["sas"], kind="clock", mode="off")  # e.g. set before the rule was tied
    report = file_with_person("lex_sarah", cast, org)
    smtp.reset()
    deliver(
        send,
        "clock.overdue",
        report,
        clock_id=1,
        code="c",
        due_at="2026-11-20T10:00:00+00:00",
        user_ids=[cast["sas"].pk],
    )
    assert len(smtp.to("sas@kommun.example")) == 1


def test_daily_digest_collects_and_sends_once(cast, org, smtp, deliver, django_capture_on_commit_callbacks):
    Preference.objects.create(user=cast["sas"], kind="new_report", mode="daily")
    RecipientSettings.objects.create(user=cast["sas"], language="en")
    with time_machine.travel(MONDAY_8 - datetime.timedelta(hours=3)):
        first = deliver(file_with_person, "lex_sarah", cast, org)
        second = deliver(file_with_person, "lex_sarah", cast, org)
    assert smtp.received == []
    assert daily_digest(MONDAY_8.replace(hour=6)) == 0  # before NOTIFICATION_DIGEST_HOUR
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digest(MONDAY_8) == 1
        assert daily_digest(MONDAY_8 + datetime.timedelta(minutes=1)) == 0
    run_tasks()
    [mail] = smtp.received
    assert mail.recipients == ["sas@kommun.example"]
    assert mail.subject == "Daily summary: 2 notifications"
    assert first.case_number in mail.text and second.case_number in mail.text
    assert "New lex Sarah report" in mail.html
    assert_no_secrets(mail)


def test_weekly_digest_for_managers_of_their_units(cast, org, smtp, django_capture_on_commit_callbacks):
    mine = file("deviation", cast["reporter"], org.unit_a)
    theirs = file("deviation", cast["reporter"], org.unit_b)
    breach = file("data_breach", cast["reporter"], org.unit_a)
    Preference.objects.create(user=cast["manager_b"], kind="weekly_digest", mode="off")
    assert weekly_manager_digest(MONDAY_8 + datetime.timedelta(days=1)) == 0  # Tuesday
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_manager_digest(MONDAY_8) == 1
        assert weekly_manager_digest(MONDAY_8 + datetime.timedelta(hours=2)) == 0
    run_tasks()
    [mail] = smtp.received
    assert mail.recipients == ["manager_a@kommun.example"]
    assert mine.case_number in mail.text
    assert theirs.case_number not in mail.text and breach.case_number not in mail.text
    assert mail.subject == "Veckosammanfattning: 1 öppet ärende i dina enheter"
    assert_no_secrets(mail)
    assert Delivery.objects.get().key.startswith(f"weekly:{cast['manager_a'].pk}:2026-W48")


def test_scheduler_jobs_are_named_in_settings(settings):
    from django.utils.module_loading import import_string

    jobs = [import_string(path) for path in settings.SCHEDULER_JOBS]
    assert daily_digest in jobs and weekly_manager_digest in jobs
