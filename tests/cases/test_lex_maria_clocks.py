"""Lex Maria's clocks with frozen time: registration by the MAS the next working day, the
investigation's target, IVO *snarast* (seven days by default) from the assessment that the
injury is serious, the investigation *snarast därefter*; overdue notices go to the MAS, never to
the SAS, who is not involved in lex Maria."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.clock_jobs import fire_clocks
from cases.events import case_event
from cases.models import CaseClock, DeadlineRule
from cases.services import do_decide_ivo_notification, do_notification_transition, do_transition
from tests import factories

pytestmark = pytest.mark.django_db

SE = ZoneInfo("Europe/Stockholm")


def at(*args):
    return datetime.datetime(*args, tzinfo=SE)


def clock(report, code):
    return CaseClock.objects.get(report=report, code=code)


@pytest.fixture
def events():
    sent = []

    def receiver(sender, name, report_id, actor_id, data, **kwargs):
        if name.startswith("clock."):
            sent.append((name, data))

    case_event.connect(receiver, weak=False)
    yield sent
    case_event.disconnect(receiver)


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return fire_clocks(now)

    return run


def file_at(moment, cast, org):
    with time_machine.travel(moment, tick=False):
        return factories.file("lex_maria", cast["reporter"], org.unit_a)


def step_at(moment, report, name, cast, **data):
    with time_machine.travel(moment, tick=False):
        factories.prepare(report, name, cast)
        return do_transition(
            report.pk,
            name,
            acting_user=cast["mas"],
            data={**factories.transition_data(report, name, cast), **data},
        )


def test_the_rules_are_data_citing_the_patient_safety_act():
    rules = {rule.code: rule for rule in DeadlineRule.objects.filter(report_type="lex_maria")}
    assert set(rules) == {
        "lex-maria-registration",
        "lex-maria-investigation-target",
        "lex-maria-ivo-notification",
        "lex-maria-investigation-to-ivo",
    }
    ivo = rules["lex-maria-ivo-notification"]
    assert (ivo.amount, ivo.unit, ivo.starts_at) == (7, "days", "serious_decided_at")
    assert ivo.legal_reference.citation == "3 kap. 5 § patientsäkerhetslagen (2010:659)"
    assert ivo.valid_from == datetime.date(2011, 1, 1) and ivo.valid_to is None


def test_a_whole_case_from_filing_to_closing_with_every_clock(cast, org):
    report = file_at(at(2026, 11, 20, 16, 0), cast, org)  # Friday afternoon
    registration = clock(report, "lex-maria-registration")
    assert registration.due_at == at(2026, 11, 23, 23, 59, 59)  # the next working day: Monday

    report = step_at(at(2026, 11, 23, 9, 0), report, "register", cast)
    registration = clock(report, "lex-maria-registration")
    assert registration.stopped_at == at(2026, 11, 23, 9, 0) and not registration.is_overdue()
    target = clock(report, "lex-maria-investigation-target")
    assert (target.started_at, target.due_at) == (at(2026, 11, 23, 9, 0), at(2027, 1, 23, 9, 0))

    report = step_at(at(2026, 11, 24, 10, 0), report, "start_investigation", cast)
    report = step_at(at(2026, 11, 30, 14, 0), report, "assess", cast)  # a serious vårdskada
    assert clock(report, "lex-maria-investigation-target").stopped_at == at(2026, 11, 30, 14, 0)
    ivo = clock(report, "lex-maria-ivo-notification")
    assert (ivo.started_at, ivo.due_at) == (at(2026, 11, 30, 14, 0), at(2026, 12, 7, 14, 0))

    report = step_at(at(2026, 12, 1, 11, 0), report, "decide", cast)
    assert clock(report, "lex-maria-ivo-notification").stopped_at is None  # decided, not yet sent
    notification = report.regulator_notifications.get()
    with time_machine.travel(at(2026, 12, 2, 10, 0), tick=False):
        do_notification_transition(
            report.pk,
            notification.pk,
            "submit",
            acting_user=cast["mas"],
            data={"submitted_at": at(2026, 12, 2, 9, 30).isoformat(), "channel": "e_service"},
        )
    assert clock(report, "lex-maria-ivo-notification").stopped_at == at(2026, 12, 2, 9, 30)
    follow = clock(report, "lex-maria-investigation-to-ivo")
    assert (follow.started_at, follow.due_at) == (at(2026, 12, 2, 9, 30), at(2027, 2, 2, 9, 30))
    with time_machine.travel(at(2026, 12, 10, 10, 0), tick=False):
        do_notification_transition(
            report.pk,
            notification.pk,
            "supplement",
            acting_user=cast["mas"],
            data={"sent_at": at(2026, 12, 10, 9, 0).isoformat(), "text": "Utredningen bifogas."},
        )
    assert clock(report, "lex-maria-investigation-to-ivo").stopped_at == at(2026, 12, 10, 9, 0)
    with time_machine.travel(at(2027, 1, 15, 10, 0), tick=False):
        for name, data in (
            ("record_outcome", {"outcome": "closed", "outcome_at": "2027-01-14"}),
            ("complete", {}),
        ):
            do_notification_transition(report.pk, notification.pk, name, acting_user=cast["mas"], data=data)
        report = do_transition(report.pk, "close", acting_user=cast["mas"], data={})
    assert report.state == "closed"
    assert not report.clocks.filter(stopped_at__isnull=True).exists()
    late = [c.code for c in report.clocks.all() if c.stopped_at > c.due_at]
    assert late == []


def test_an_injury_that_is_not_serious_starts_no_ivo_clock_and_may_close_unnotified(cast, org):
    report = factories.walk_to(file_at(at(2026, 11, 23, 9, 0), cast, org), "investigating", cast)
    report = do_transition(
        report.pk,
        "assess",
        acting_user=cast["mas"],
        data={"injury_assessment": "vardskada", "probability": 1, "severity": 2},
    )
    assert not report.clocks.filter(code="lex-maria-ivo-notification").exists()
    factories.complete_investigation(report, cast["mas"])
    report = do_transition(
        report.pk, "decide", acting_user=cast["mas"], data={"decision": "Anmäls inte.", "notify_ivo": "False"}
    )
    report = do_transition(report.pk, "close", acting_user=cast["mas"], data={})
    assert not report.clocks.filter(stopped_at__isnull=True).exists()
    assert not report.clocks.filter(code="lex-maria-ivo-notification").exists()


def test_an_early_notification_keeps_the_one_ivo_clock(cast, org):
    report = factories.walk_to(file_at(at(2026, 11, 23, 9, 0), cast, org), "investigating", cast)
    report = do_transition(
        report.pk,
        "assess",
        acting_user=cast["mas"],
        data={
            "injury_assessment": "risk_allvarlig",
            "probability": 1,
            "severity": 2,
            "risk_override_reason": "Låg sannolikhet men hade kunnat bli allvarligt.",
        },
    )
    assert clock(report, "lex-maria-ivo-notification").stopped_at is None
    # The MAS notifies early instead: the same clock keeps running until the submission.
    do_decide_ivo_notification(report.pk, acting_user=cast["mas"], data={"decision": "Anmäls snarast."})
    assert CaseClock.objects.filter(report=report, code="lex-maria-ivo-notification").count() == 1


def test_an_overdue_registration_goes_to_the_mas_and_is_escalated_to_the_mas_not_the_sas(
    cast, org, fire, events
):
    report = file_at(at(2026, 11, 23, 9, 0), cast, org)  # Monday; due Tuesday night
    registration = clock(report, "lex-maria-registration")
    assert fire(at(2026, 11, 25, 0, 30)) == 1
    assert events[-1] == (
        "clock.overdue",
        {
            "clock_id": registration.pk,
            "code": "lex-maria-registration",
            "due_at": registration.due_at.isoformat(),
            "user_ids": [cast["mas"].pk],
        },
    )
    assert fire(at(2026, 11, 26, 0, 30)) == 1  # 24 hours overdue (the rule's default)
    assert events[-1][0] == "clock.escalated" and events[-1][1]["user_ids"] == [cast["mas"].pk]
    assert cast["sas"].pk not in {pk for _name, data in events for pk in data["user_ids"]}
