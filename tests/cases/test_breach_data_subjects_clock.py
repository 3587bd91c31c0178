"""GDPR art. 34 as a clock (migration 0008_wf): a breach assessed as a high risk to the data
subjects starts ``breach-data-subjects`` (72 hours, warning at 24 hours left); recording when
they were informed stops it. Frozen time throughout."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.clock_jobs import fire_clocks
from cases.events import case_event
from cases.models import CaseClock, DeadlineRule
from cases.services import do_transition
from tests import factories

SE = ZoneInfo("Europe/Stockholm")
CODE = "breach-data-subjects"


def at(*args):
    return datetime.datetime(*args, tzinfo=SE)


@pytest.fixture
def events():
    sent = []

    def receiver(sender, name, report_id, actor_id, data, **kwargs):
        if name.startswith("clock.") and data.get("code") == CODE:
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


def assessed(cast, org, risk, when):
    with time_machine.travel(when - datetime.timedelta(hours=2), tick=False):
        report = factories.file(
            "data_breach",
            cast["reporter"],
            org.unit_a,
            discovered_at=(when - datetime.timedelta(hours=3)).isoformat(),
        )
    with time_machine.travel(when, tick=False):
        data = {**factories.transition_data(report, "assess"), "breach_risk": risk}
        return do_transition(report.pk, "assess", acting_user=cast["dso"], data=data)


def decide(report, cast, when, **extra):
    with time_machine.travel(when, tick=False):
        data = {**factories.transition_data(report, "decide"), **extra}
        return do_transition(report.pk, "decide", acting_user=cast["dso"], data=data)


def test_the_rule_is_seeded_as_data_with_its_legal_basis(db):
    rule = DeadlineRule.current(CODE, datetime.date(2026, 12, 1))
    assert (rule.report_type, rule.starts_at, rule.amount, rule.unit, rule.warn_before_hours) == (
        "data_breach",
        "high_risk_assessed_at",
        72,
        "hours",
        [24],
    )
    assert rule.legal_reference.code == "gdpr-34" and "art. 34" in rule.basis
    assert rule.valid_from == datetime.date(2018, 5, 25)


def test_a_high_risk_starts_the_clock_which_warns_and_stops_when_the_subjects_are_informed(
    cast, org, fire, events
):
    friday = at(2026, 11, 20, 14, 0)
    report = assessed(cast, org, "high", friday)
    clock = CaseClock.objects.get(report=report, code=CODE)
    assert clock.started_at == friday and clock.due_at == at(
        2026, 11, 23, 14, 0
    )  # hours run over the weekend

    # The events of this clock only (the IMY clock of the same case fires beside it).
    fire(at(2026, 11, 22, 13, 59))
    assert events == []
    fire(at(2026, 11, 22, 14, 0))
    assert [(name, data["hours_left"], data["user_ids"]) for name, data in events] == [
        ("clock.warning", 24, [cast["dso"].pk])
    ]

    informed = at(2026, 11, 23, 9, 30)
    decide(report, cast, at(2026, 11, 23, 10, 0), subjects_informed_at=informed.isoformat())
    clock.refresh_from_db()
    assert clock.stopped_at == informed and clock.stopped_at <= clock.due_at
    fire(at(2026, 11, 23, 15, 0))
    assert len(events) == 1  # stopped before its deadline: no overdue notice


def test_while_the_subjects_are_not_yet_informed_the_clock_runs_on_and_is_overdue(cast, org, fire, events):
    report = assessed(cast, org, "high", at(2026, 11, 20, 14, 0))
    decide(report, cast, at(2026, 11, 21, 10, 0), subjects_not_informed_reason="Adresserna tas fram.")
    assert CaseClock.objects.get(report=report, code=CODE).stopped_at is None
    fire(at(2026, 11, 23, 13, 59))
    assert [name for name, _data in events] == ["clock.warning"]
    fire(at(2026, 11, 23, 14, 0))
    assert ("clock.overdue", [cast["dso"].pk]) in [(name, data["user_ids"]) for name, data in events]


@pytest.mark.parametrize("risk", ["risk", "unlikely"])
def test_a_breach_not_assessed_as_high_risk_has_no_such_clock(risk, cast, org):
    report = assessed(cast, org, risk, at(2026, 11, 20, 14, 0))
    assert not CaseClock.objects.filter(report=report, code=CODE).exists()
