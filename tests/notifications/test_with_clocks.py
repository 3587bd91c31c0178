"""The clock job's real events (cases.clock_jobs) reach the people who must act by e-mail."""

import datetime
import zoneinfo

import time_machine
from django.utils import timezone

from cases.clock_jobs import fire_clocks
from cases.models import CaseClock
from tests.factories import file
from tests.notifications.test_rules import assert_no_secrets

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def test_a_breach_clock_warns_the_dso_by_email(cast, org, smtp, deliver):
    friday = datetime.datetime(2026, 11, 20, 16, 30, tzinfo=STOCKHOLM)
    with time_machine.travel(friday + datetime.timedelta(minutes=20), tick=False):
        report = deliver(
            file,
            "data_breach",
            cast["reporter"],
            org.unit_a,
            discovered_at=friday.isoformat(),
            description="Greta Hemligs journal skickades fel.",
        )
    imy = CaseClock.objects.get(report=report, code="breach-imy-notification")
    [new] = smtp.to("dso@kommun.example")
    assert f"Senast: {timezone.localtime(imy.due_at):%Y-%m-%d %H:%M}" in new.text
    assert deliver(fire_clocks, datetime.datetime(2026, 11, 22, 16, 30, tzinfo=STOCKHOLM)) == 1
    warning = smtp.to("dso@kommun.example")[1]
    assert warning.subject == f"{report.case_number}: En tidsfrist närmar sig"
    assert "24 timmar kvar" in warning.text
    for message in smtp.received:
        assert_no_secrets(message)
