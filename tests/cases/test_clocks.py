"""The legal clocks with frozen time: started and stopped by the services, fired once by the
scheduler's job, escalated when overdue, moved when a key time is corrected."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.clock_jobs import fire_action_reminders, fire_clocks
from cases.events import case_event
from cases.models import ActionReminder, AuditEvent, CaseClock, ClockEvent, DeadlineRule, Role, User
from cases.services import (
    do_add_action,
    do_add_cause,
    do_correct_key_time,
    do_grant_role,
    do_notification_transition,
    do_transition,
    do_update_action,
)
from tests import factories
from tests.queries import assert_num_queries

SE = ZoneInfo("Europe/Stockholm")


def at(*args):
    return datetime.datetime(*args, tzinfo=SE)


@pytest.fixture
def events():
    """The domain events sent (after commit), as (name, data)."""
    sent = []

    def receiver(sender, name, report_id, actor_id, data, **kwargs):
        if name.startswith(("clock.", "action.")):
            sent.append((name, data))

    case_event.connect(receiver, weak=False)
    yield sent
    case_event.disconnect(receiver)


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    """Run the clock job at ``now`` as the scheduler would, sending the events it commits."""

    def run(now, job=fire_clocks):
        with django_capture_on_commit_callbacks(execute=True):
            return job(now)

    return run


@pytest.fixture
def area_manager(org):
    """The unit manager of Äldreomsorg, the parent of units A and B."""
    user = User.objects.create_user(username="area_manager", password="x")
    do_grant_role(user, Role.UNIT_MANAGER, org.unit_a.parent, acting_user=None)
    return user


def clock(report, code):
    return CaseClock.objects.get(report=report, code=code)


def file_at(moment, report_type, cast, org, **extra):
    with time_machine.travel(moment, tick=False):
        return factories.file(report_type, cast["reporter"], org.unit_a, **extra)


# --- Personuppgiftsincident: 72 hours from discovered_at ---------------------------------------


def test_the_breach_clock_runs_72_hours_across_a_weekend_with_warnings_at_24_and_6_hours_left(
    cast, org, fire, events
):
    friday = at(2026, 11, 20, 16, 30)
    report = file_at(
        friday + datetime.timedelta(minutes=20), "data_breach", cast, org, discovered_at=friday.isoformat()
    )
    imy = clock(report, "breach-imy-notification")
    assert imy.started_at == friday
    assert imy.due_at == at(2026, 11, 23, 16, 30)  # Monday: hours run through the weekend

    assert fire(at(2026, 11, 22, 16, 29)) == 0  # 24 h and one minute left
    assert fire(at(2026, 11, 22, 16, 30)) == 1
    assert fire(at(2026, 11, 23, 10, 30)) == 1
    assert [(name, data["hours_left"], data["user_ids"]) for name, data in events] == [
        ("clock.warning", 24, [cast["dso"].pk]),
        ("clock.warning", 6, [cast["dso"].pk]),
    ]
    assert (
        events[0][1]["due_at"] == imy.due_at.isoformat() and events[0][1]["code"] == "breach-imy-notification"
    )
    assert fire(at(2026, 11, 23, 12, 0)) == 0


def test_72_hours_are_elapsed_hours_across_the_end_of_daylight_saving(cast, org):
    discovered = at(2026, 10, 24, 12, 0)  # Saturday; the clocks go back at 03:00 on Sunday
    report = file_at(
        discovered + datetime.timedelta(minutes=5),
        "data_breach",
        cast,
        org,
        discovered_at=discovered.isoformat(),
    )
    assert clock(report, "breach-imy-notification").due_at == at(2026, 10, 27, 11, 0)


def test_after_a_pause_only_the_most_urgent_warning_is_sent(cast, org, fire, events):
    discovered = at(2026, 11, 16, 9, 0)
    report = file_at(discovered, "data_breach", cast, org, discovered_at=discovered.isoformat())
    assert fire(at(2026, 11, 19, 4, 0)) == 1  # 5 hours left: the 24-hour warning is stale
    assert [data["hours_left"] for _name, data in events] == [5]
    assert list(ClockEvent.objects.filter(clock__report=report).values_list("kind", "level")) == [
        ("warning", 6)
    ]


def test_a_late_imy_notification_needs_its_reason_and_its_clock_stays_visible_as_late(cast, org):
    report = factories.file(
        "data_breach", cast["reporter"], org.unit_a, discovered_at=factories.ago(hours=80)
    )
    report = factories.walk_to(report, "assessed", cast)
    data = factories.transition_data(report, "decide")
    with pytest.raises(ValidationError) as excinfo:
        do_transition(report.pk, "decide", acting_user=cast["dso"], data=data)
    assert "delay_reason" in excinfo.value.message_dict
    do_transition(
        report.pk,
        "decide",
        acting_user=cast["dso"],
        data={**data, "delay_reason": "Omfattningen var oklar tills loggarna analyserats."},
    )
    assert clock(report, "breach-imy-notification").stopped_at is None  # decided, not yet submitted
    notification = report.regulator_notifications.get()
    do_notification_transition(
        report.pk,
        notification.pk,
        "submit",
        acting_user=cast["dso"],
        data={"submitted_at": factories.ago(minutes=2), "channel": "e_service"},
    )
    imy = clock(report, "breach-imy-notification")
    assert imy.stopped_at > imy.due_at and imy.is_overdue()
    supplement = clock(report, "breach-imy-supplement")
    assert supplement.stopped_at is None and supplement.rule.amount == 28


def test_deciding_not_to_notify_imy_stops_its_clock(cast, org):
    report = factories.walk_to(factories.file("data_breach", cast["reporter"], org.unit_a), "assessed", cast)
    report.breach_risk = "unlikely"
    report.save(update_fields=["breach_risk"])
    do_transition(
        report.pk,
        "decide",
        acting_user=cast["dso"],
        data={"decision": "Ingen sannolik risk; anmäls inte.", "notify_imy": "False"},
    )
    imy = clock(report, "breach-imy-notification")
    assert imy.stopped_at is not None and not imy.is_overdue()


def test_correcting_when_a_breach_was_discovered_moves_its_running_clock(cast, org, fire):
    discovered = at(2026, 11, 16, 9, 0)
    report = file_at(discovered, "data_breach", cast, org, discovered_at=discovered.isoformat())
    fire(at(2026, 11, 18, 10, 0))  # the 24-hour warning
    earlier = at(2026, 11, 15, 9, 0)
    with time_machine.travel(at(2026, 11, 18, 10, 5), tick=False):
        do_correct_key_time(
            report.pk,
            acting_user=cast["dso"],
            data={
                "field": "discovered_at",
                "value": earlier.isoformat(),
                "reason": "Loggen visar en dag tidigare.",
            },
        )
    imy = clock(report, "breach-imy-notification")
    assert (imy.started_at, imy.due_at) == (earlier, at(2026, 11, 18, 9, 0))
    assert not imy.events.exists()
    assert AuditEvent.objects.filter(action="report.key_time_corrected", report_id=report.pk).count() == 1
    assert fire(at(2026, 11, 18, 10, 6)) == 2  # now overdue, and escalated at once (a legal 72-hour clock)


def test_correcting_a_key_time_is_for_those_who_handle_the_case(cast, org):
    report = factories.file("data_breach", cast["reporter"], org.unit_a)
    with pytest.raises(Exception) as excinfo:
        do_correct_key_time(
            report.pk,
            acting_user=cast["manager_a"],
            data={"field": "discovered_at", "value": factories.ago(hours=9), "reason": "x"},
        )
    assert type(excinfo.value).__name__ == "CaseNotFound"
    with pytest.raises(ValidationError) as excinfo:
        do_correct_key_time(
            report.pk, acting_user=cast["dso"], data={"field": "discovered_at", "value": "", "reason": ""}
        )
    assert set(excinfo.value.message_dict) == {"value", "reason"}


# --- Klagomål: working days across Swedish public holidays -------------------------------------


def test_the_complaint_acknowledgement_skips_the_national_day(cast, org):
    report = file_at(at(2025, 6, 5, 14, 0), "complaint", cast, org)  # Thursday; Friday 6 June is a holiday
    assert clock(report, "complaint-acknowledgement").due_at == at(2025, 6, 10, 23, 59, 59)
    assert clock(report, "complaint-handler-named").due_at == at(2025, 6, 13, 23, 59, 59)
    assert clock(report, "complaint-answer").due_at == at(2025, 6, 19, 14, 0)


def test_the_complaint_acknowledgement_skips_midsummer_eve(cast, org):
    report = file_at(at(2026, 6, 18, 10, 0), "complaint", cast, org)  # Thursday before midsommarafton
    assert clock(report, "complaint-acknowledgement").due_at == at(2026, 6, 23, 23, 59, 59)


def test_registering_a_complaint_stops_the_acknowledgement_at_the_time_it_was_sent(cast, org):
    report = file_at(at(2026, 6, 18, 10, 0), "complaint", cast, org)
    with time_machine.travel(at(2026, 6, 24, 9, 0), tick=False):
        do_transition(
            report.pk,
            "register",
            acting_user=cast["manager_a"],
            data={
                **factories.transition_data(report, "register", cast),
                "acknowledged_at": at(2026, 6, 22, 11, 0).isoformat(),
            },
        )
    acknowledgement = clock(report, "complaint-acknowledgement")
    assert acknowledgement.stopped_at == at(2026, 6, 22, 11, 0) and not acknowledgement.is_overdue()
    assert clock(report, "complaint-handler-named").stopped_at == at(2026, 6, 24, 9, 0)
    assert clock(report, "complaint-answer").stopped_at is None


# --- Lex Sarah ----------------------------------------------------------------------------------


def test_lex_sarah_is_registered_the_same_working_day(cast, org):
    report = file_at(at(2026, 11, 23, 10, 0), "lex_sarah", cast, org)  # Monday
    assert clock(report, "lex-sarah-registration").due_at == at(2026, 11, 23, 23, 59, 59)
    with time_machine.travel(at(2026, 11, 23, 15, 0), tick=False):
        report = factories.walk_to(report, "registered", cast)
    registration = clock(report, "lex-sarah-registration")
    assert registration.stopped_at == at(2026, 11, 23, 15, 0) and not registration.is_overdue()
    start = clock(report, "lex-sarah-investigation-start")
    assert (start.started_at, start.due_at) == (at(2026, 11, 23, 15, 0), at(2026, 11, 24, 23, 59, 59))
    assert clock(report, "lex-sarah-investigation-target").due_at == at(2027, 1, 23, 15, 0)


def test_lex_sarah_reported_on_a_saturday_is_registered_on_monday_and_later_is_late(cast, org):
    report = file_at(at(2026, 11, 21, 10, 0), "lex_sarah", cast, org)
    assert clock(report, "lex-sarah-registration").due_at == at(2026, 11, 23, 23, 59, 59)
    with time_machine.travel(at(2026, 11, 24, 8, 0), tick=False):
        factories.walk_to(report, "registered", cast)
    registration = clock(report, "lex-sarah-registration")
    assert registration.stopped_at > registration.due_at  # stopped late, and it stays so


def test_the_ivo_clock_runs_from_the_assessment_that_it_is_serious_until_the_notification(cast, org):
    report = factories.walk_to(factories.file("lex_sarah", cast["reporter"], org.unit_a), "assessed", cast)
    ivo = clock(report, "lex-sarah-ivo-notification")
    assert ivo.due_at == ivo.started_at + datetime.timedelta(days=7)
    assert clock(report, "lex-sarah-investigation-target").stopped_at is not None
    report = factories.walk_to(report, None, cast)  # decided, notified, submitted, closed
    assert clock(report, "lex-sarah-ivo-notification").stopped_at is not None
    assert not report.clocks.filter(stopped_at__isnull=True).exists()


# --- Escalation and idempotence -----------------------------------------------------------------


def test_an_overdue_clock_is_escalated_to_the_managers_above_the_unit(cast, org, area_manager, fire, events):
    report = file_at(at(2026, 11, 23, 9, 0), "deviation", cast, org)
    assessment = clock(report, "deviation-assessment")
    assert assessment.due_at == at(2026, 11, 30, 23, 59, 59)  # five working days
    assert fire(at(2026, 12, 1, 0, 30)) == 1
    assert events[-1] == (
        "clock.overdue",
        {
            "clock_id": assessment.pk,
            "code": "deviation-assessment",
            "due_at": assessment.due_at.isoformat(),
            "user_ids": [cast["manager_a"].pk],
        },
    )
    assert fire(at(2026, 12, 2, 0, 30)) == 1  # 24 hours overdue (the rule's default)
    assert events[-1][0] == "clock.escalated" and events[-1][1]["user_ids"] == [area_manager.pk]
    rows = AuditEvent.objects.filter(report_id=report.pk, action__startswith="clock.").order_by("seq")
    assert [(row.action, row.actor_id, row.payload["by"]) for row in rows] == [
        ("clock.overdue", None, "scheduler"),
        ("clock.escalated", None, "scheduler"),
    ]


def test_a_legal_clock_is_escalated_to_the_sas_of_the_board_as_well(cast, org, area_manager, fire, events):
    report = file_at(at(2026, 11, 23, 9, 0), "lex_sarah", cast, org)
    fire(at(2026, 11, 26, 0, 30))
    assert [name for name, _data in events] == ["clock.overdue", "clock.escalated"]
    overdue, escalated = (data for _name, data in events)
    assert overdue["user_ids"] == sorted(
        [cast["manager_a"].pk, cast["sas"].pk]
    )  # who may record the measures
    assert escalated["user_ids"] == sorted([area_manager.pk, cast["sas"].pk])
    assert report.clocks.get(code="lex-sarah-registration").events.count() == 2


def test_firing_twice_makes_one_event_and_one_notification(cast, org, fire, events):
    report = file_at(at(2026, 11, 23, 9, 0), "deviation", cast, org)
    later = at(2026, 12, 10, 12, 0)
    first, second = fire(later), fire(later)
    assert (first, second) == (2, 0)  # assessment overdue and escalated; the investigation not yet due
    assert [name for name, _data in events] == ["clock.overdue", "clock.escalated"]
    assert ClockEvent.objects.filter(clock__report=report).count() == 2
    assert AuditEvent.objects.filter(report_id=report.pk, action__startswith="clock.").count() == 2


def test_a_stopped_or_closed_clock_fires_nothing(cast, org, fire):
    report = file_at(at(2026, 11, 23, 9, 0), "deviation", cast, org)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        factories.walk_to(report, "assessed", cast)
    assert fire(at(2026, 12, 2, 0, 0)) == 0


def test_editing_a_rule_does_not_move_a_running_deadline(cast, org):
    report = factories.file("data_breach", cast["reporter"], org.unit_a)
    before = clock(report, "breach-imy-notification")
    rule = DeadlineRule.current("breach-imy-notification")
    rule.amount = 96
    rule.save()
    after = clock(report, "breach-imy-notification")
    assert (after.rule_id, after.due_at) == (before.rule_id, before.due_at)


def test_a_clock_starts_under_the_rule_valid_on_its_start_day(cast, org):
    old = DeadlineRule.current("complaint-answer")
    old.valid_to = datetime.date(2026, 6, 30)
    old.save()
    DeadlineRule.objects.create(
        report_type="complaint",
        code="complaint-answer",
        name=old.name,
        starts_at="reported_at",
        amount=10,
        unit="days",
        valid_from=datetime.date(2026, 7, 1),
        basis="Ny lokal rutin",
    )
    june = file_at(at(2026, 6, 30, 12, 0), "complaint", cast, org)
    july = file_at(at(2026, 7, 1, 12, 0), "complaint", cast, org)
    assert clock(june, "complaint-answer").due_at == at(2026, 7, 14, 12, 0)
    assert clock(july, "complaint-answer").due_at == at(2026, 7, 11, 12, 0)


def test_a_routed_breach_starts_its_clock_when_the_deviation_was_reported(cast, org):
    deviation = file_at(at(2026, 11, 23, 9, 0), "deviation", cast, org)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        do_transition(
            deviation.pk,
            "assess",
            acting_user=cast["manager_a"],
            data={
                **factories.transition_data(deviation, "assess"),
                "route": "data_breach",
                "risk_override_reason": "Uppgifter skickades till fel mottagare.",
            },
        )
    breach = deviation.links_out.get().target
    assert clock(breach, "breach-imy-notification").due_at == at(2026, 11, 26, 9, 0)


# --- Actions' own due dates ---------------------------------------------------------------------


def test_an_action_owner_is_reminded_before_and_after_the_due_date_once_each(cast, org, fire, events):
    report = factories.walk_to(factories.file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        cause = do_add_cause(
            report.pk, acting_user=cast["manager_a"], data={"description": "Rutinen var okänd."}
        )
        action = do_add_action(
            report.pk,
            acting_user=cast["manager_a"],
            data={
                "description": "Utbilda personalen.",
                "kind": "corrective",
                "causes": [cause.pk],
                "owner": cast["manager_b"].pk,
                "due_date": "2026-11-27",
            },
        )
    assert fire(at(2026, 11, 25, 23, 0), fire_action_reminders) == 0  # 49 hours left
    assert fire(at(2026, 11, 26, 0, 0), fire_action_reminders) == 1  # 48 hours (the seeded rule)
    assert fire(at(2026, 11, 27, 12, 0), fire_action_reminders) == 0
    assert fire(at(2026, 11, 28, 0, 0), fire_action_reminders) == 1
    assert fire(at(2026, 11, 28, 0, 0), fire_action_reminders) == 0
    assert events == [
        (
            "action.due_soon",
            {"action_id": action.pk, "due_date": "2026-11-27", "user_ids": [cast["manager_b"].pk]},
        ),
        (
            "action.overdue",
            {"action_id": action.pk, "due_date": "2026-11-27", "user_ids": [cast["manager_b"].pk]},
        ),
    ]
    with time_machine.travel(at(2026, 11, 28, 9, 0), tick=False):
        do_update_action(report.pk, action.pk, acting_user=cast["manager_a"], data={"due_date": "2026-12-04"})
    assert fire(at(2026, 12, 5, 0, 0), fire_action_reminders) == 1  # overdue again, for the new date
    assert ActionReminder.objects.filter(action=action).count() == 3
    do_update_action(report.pk, action.pk, acting_user=cast["manager_a"], data={"status": "done"})
    assert fire(at(2026, 12, 20, 0, 0), fire_action_reminders) == 0


def test_an_action_reminder_reaches_the_absent_owners_substitute_during_the_absence_only(
    cast, org, fire, events
):
    from workflows.models import Substitute

    report = factories.walk_to(factories.file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        cause = do_add_cause(
            report.pk, acting_user=cast["manager_a"], data={"description": "Rutinen var okänd."}
        )
        action = do_add_action(
            report.pk,
            acting_user=cast["manager_a"],
            data={
                "description": "Utbilda personalen.",
                "kind": "corrective",
                "causes": [cause.pk],
                "owner": cast["manager_b"].pk,
                "due_date": "2026-11-27",
            },
        )
    # manager_b is away over the due-soon reminder, back before the overdue one; sas_other stood in
    # for someone else, so is not reached.
    Substitute.objects.create(
        person=cast["manager_b"],
        substitute=cast["outsider"],
        starts_at=at(2026, 11, 25, 8, 0),
        ends_at=at(2026, 11, 27, 17, 0),
    )
    Substitute.objects.create(
        person=cast["manager_a"],
        substitute=cast["sas_other"],
        starts_at=at(2026, 11, 25, 8, 0),
        ends_at=at(2026, 11, 30, 17, 0),
    )
    assert fire(at(2026, 11, 26, 0, 0), fire_action_reminders) == 1
    assert fire(at(2026, 11, 28, 0, 0), fire_action_reminders) == 1
    assert [(name, data["user_ids"]) for name, data in events] == [
        ("action.due_soon", sorted([cast["manager_b"].pk, cast["outsider"].pk])),
        ("action.overdue", [cast["manager_b"].pk]),
    ]
    assert [
        row.payload["user_ids"]
        for row in AuditEvent.objects.filter(
            action__in=["action.due_soon", "action.overdue"], report_id=report.pk
        ).order_by("seq")
    ] == [sorted([cast["manager_b"].pk, cast["outsider"].pk]), [cast["manager_b"].pk]]
    assert action.reminders.count() == 2


@pytest.mark.parametrize("how_many", [1, 6])
def test_a_round_with_nothing_new_to_fire_takes_the_same_queries_for_1_or_6_overdue_clocks(
    how_many, cast, org, fire
):
    for _ in range(how_many):
        file_at(at(2026, 11, 23, 9, 0), "deviation", cast, org)
    later = at(2026, 12, 10, 12, 0)
    assert fire(later) == 2 * how_many
    # The rules (the warning horizon) and the clocks with something left to fire: none, so no events are read.
    with assert_num_queries(2):
        assert fire_clocks(later) == 0


def test_the_late_notification_rule_uses_the_cases_own_clock_not_an_edited_rule(cast, org):
    report = factories.file(
        "data_breach", cast["reporter"], org.unit_a, discovered_at=factories.ago(hours=80)
    )
    report = factories.walk_to(report, "assessed", cast)
    rule = DeadlineRule.current("breach-imy-notification")
    rule.amount = 120  # edited after the clock started: the case keeps its 72 hours
    rule.save()
    with pytest.raises(ValidationError) as excinfo:
        do_transition(
            report.pk, "decide", acting_user=cast["dso"], data=factories.transition_data(report, "decide")
        )
    assert "delay_reason" in excinfo.value.message_dict


def test_correcting_when_a_report_was_received_moves_the_clocks_that_run_from_it(cast, org):
    report = file_at(at(2026, 6, 18, 10, 0), "complaint", cast, org)
    with time_machine.travel(at(2026, 6, 18, 11, 0), tick=False):
        do_correct_key_time(
            report.pk,
            acting_user=cast["manager_a"],
            data={
                "field": "reported_at",
                "value": at(2026, 6, 15, 9, 0).isoformat(),
                "reason": "Brevet kom in måndagen och registrerades i efterhand.",
            },
        )
    assert clock(report, "complaint-acknowledgement").due_at == at(2026, 6, 17, 23, 59, 59)
    assert clock(report, "complaint-answer").due_at == at(2026, 6, 29, 9, 0)
    with time_machine.travel(at(2026, 6, 18, 11, 0), tick=False):
        do_correct_key_time(
            report.pk,
            acting_user=cast["manager_a"],
            data={
                "field": "occurred_at",
                "value": at(2026, 6, 10, 9, 0).isoformat(),
                "reason": "Enligt brevet.",
            },
        )
    assert clock(report, "complaint-answer").due_at == at(2026, 6, 29, 9, 0)  # no clock runs from it


def test_viewflow_timers_are_fired_only_where_viewflow_workflow_is_installed(settings, monkeypatch):
    import sys
    import types

    from django.apps import apps

    from cases.clock_jobs import fire_workflow_timers

    assert "cases.clock_jobs.fire_workflow_timers" in settings.SCHEDULER_JOBS
    monkeypatch.setattr(apps, "is_installed", lambda name: False)
    assert fire_workflow_timers(timezone.now()) == 0
    # viewflow's own sweep (viewflow/workflow/timers.py), stood in for: two timers, one condition.
    timers = types.SimpleNamespace(
        fire_due_timers=lambda: 2,
        fire_due_conditions=lambda: 1,
        fire_due_start_timers=lambda: pytest.fail("start timers need one dispatcher"),
    )
    monkeypatch.setitem(sys.modules, "viewflow.workflow.timers", timers)
    monkeypatch.setattr(apps, "is_installed", lambda name: name == "viewflow.workflow")
    assert fire_workflow_timers(timezone.now()) == 3


def test_the_clocks_a_submitter_waits_on_go_to_the_handler_once_there_is_one(cast, org, fire, events):
    report = file_at(at(2026, 11, 23, 9, 0), "complaint", cast, org)
    fire(at(2026, 11, 26, 0, 30))  # acknowledgement overdue, nobody named yet: whoever may register
    assert events[-1][0] == "clock.overdue" and events[-1][1]["code"] == "complaint-acknowledgement"
    assert events[-1][1]["user_ids"] == sorted([cast["manager_a"].pk, cast["sas"].pk])
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False):
        do_transition(
            report.pk,
            "register",
            acting_user=cast["sas"],
            data={**factories.transition_data(report, "register", cast), "handler": cast["outsider"].pk},
        )
    fire(at(2026, 12, 7, 9, 30))  # fourteen days: the answer is overdue, and its handler is told
    assert events[-1][0] == "clock.overdue" and events[-1][1]["code"] == "complaint-answer"
    assert events[-1][1]["user_ids"] == [cast["outsider"].pk]


def test_a_clock_cites_the_law_in_force_when_it_started(db):
    import datetime as dt

    from cases.models import CaseClock, DeadlineRule
    from cases.models.clocks import with_legal_references

    rule = DeadlineRule.objects.get(code="lex-sarah-ivo-notification")
    old = CaseClock(
        rule=rule,
        code=rule.code,
        started_at=dt.datetime(2024, 5, 2, 9, tzinfo=dt.UTC),
        due_at=dt.datetime(2024, 5, 9, 9, tzinfo=dt.UTC),
    )
    new = CaseClock(
        rule=rule,
        code=rule.code,
        started_at=dt.datetime(2026, 5, 2, 9, tzinfo=dt.UTC),
        due_at=dt.datetime(2026, 5, 9, 9, tzinfo=dt.UTC),
    )
    old, new = with_legal_references([old, new])
    assert old.legal_reference.citation == "14 kap. 7 § SoL (2001:453)"
    assert "2025:400" in new.legal_reference.citation
