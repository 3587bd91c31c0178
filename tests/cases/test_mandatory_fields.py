"""What must be present before each step; nothing is half-saved when it is missing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import AuditEvent, Report
from cases.services import (
    do_add_action,
    do_add_cause,
    do_add_investigation_entry,
    do_file_report,
    do_notification_transition,
    do_transition,
    do_update_action,
)
from tests.cases.test_transitions import ALLOWED, case_in_state
from tests.cast import CAST  # noqa: F401  (documents the cast these tests use)
from tests.factories import ACTOR, ago, file, term, transition_data, walk_to


def refused(report, name, actor, data):
    before = (Report.objects.get(pk=report.pk).state, AuditEvent.objects.filter(chain="change").count())
    with pytest.raises(ValidationError) as excinfo:
        do_transition(report.pk, name, acting_user=actor, data=data)
    after = (Report.objects.get(pk=report.pk).state, AuditEvent.objects.filter(chain="change").count())
    assert after == before
    return excinfo.value.message_dict


@pytest.mark.parametrize("report_type,name", sorted(ALLOWED))
def test_every_required_field_is_enforced(report_type, name, org, cast):
    report = case_in_state(report_type, name, org, cast)
    actor = cast[ACTOR[(report_type, name)]]
    data = transition_data(report, name, cast)
    for field in list(data):
        if field in ("acknowledged_at",):  # required only when the submitter left contact details
            continue
        incomplete = {k: v for k, v in data.items() if k != field}
        errors = refused(report, name, actor, incomplete)
        assert field in errors, (field, errors)


@pytest.mark.parametrize(
    "field,value", [("probability", 5), ("severity", 0), ("category", 999999), ("probability", "x")]
)
def test_invalid_values_are_named(field, value, org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    data = {**transition_data(report, "assess", cast), field: value}
    assert field in refused(report, "assess", cast["manager_a"], data)


def test_filing_needs_only_a_handful_of_fields(org, cast):
    report = do_file_report(
        acting_user=cast["reporter"],
        data={
            "type": "deviation",
            "unit": org.unit_a.pk,
            "description": "Larmet fungerade inte.",
            "occurred_at": ago(hours=1),
        },
    )
    assert report.case_number == f"SN {timezone.localdate().year}/0001"
    assert report.state == "reported" and report.reporter == cast["reporter"]


@pytest.mark.parametrize(
    "report_type,missing",
    [
        ("deviation", "occurred_at"),
        ("lex_sarah", "occurred_at"),
        ("data_breach", "discovered_at"),
        ("complaint", "kind"),
        ("deviation", "description"),
        ("deviation", "unit"),
        ("deviation", "type"),
    ],
)
def test_filing_without_a_required_field_is_refused(report_type, missing, org, cast):
    data = {
        "type": report_type,
        "unit": org.unit_a.pk,
        "description": "Något hände.",
        "occurred_at": ago(hours=1),
        "discovered_at": ago(hours=1),
        "kind": "klagomal",
    }
    data.pop(missing)
    with pytest.raises(ValidationError) as excinfo:
        do_file_report(acting_user=cast["reporter"], data=data)
    assert missing in excinfo.value.message_dict
    assert not Report.objects.exists()


def test_times_in_the_future_are_refused(org, cast):
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError) as excinfo:
        do_file_report(
            acting_user=cast["reporter"],
            data={"type": "deviation", "unit": org.unit_a.pk, "description": "x", "occurred_at": future},
        )
    assert "occurred_at" in excinfo.value.message_dict


def test_a_route_against_the_risk_matrix_needs_a_reason(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    data = {"category": term("deviation_category"), "probability": 4, "severity": 4}
    errors = refused(report, "assess", cast["manager_a"], {**data, "route": "deviation"})
    assert "risk_override_reason" in errors
    result = do_transition(
        report.pk,
        "assess",
        acting_user=cast["manager_a"],
        data={**data, "route": "deviation", "risk_override_reason": "Redan åtgärdat, ingen brukare berörd."},
    )
    assert (
        result.route == "deviation"
        and result.suggested_route == "lex_sarah"
        and result.risk_band.code == "kritisk"
    )


def test_an_investigation_cannot_complete_without_a_cause(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    errors = refused(report, "complete_investigation", cast["manager_a"], {"investigation_summary": "Klart."})
    assert "__all__" in errors


def test_actions_must_address_a_cause_or_be_explained(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "investigated", cast)
    assert "no_action_reason" in refused(report, "record_actions", cast["manager_a"], {})
    do_add_action(
        report.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Ny rutin",
            "kind": "preventive",
            "owner": cast["manager_a"].pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    assert "no_action_reason" in refused(report, "record_actions", cast["manager_a"], {})
    result = do_transition(
        report.pk,
        "record_actions",
        acting_user=cast["manager_a"],
        data={"no_action_reason": "Åtgärden gäller hela verksamheten, inte en enskild orsak."},
    )
    assert result.state == "actions_taken"


def test_a_case_cannot_close_with_open_actions_unless_a_reason_is_recorded(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "followed_up", cast)
    cause = report.causes.first()
    action = do_add_action(
        report.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Uppföljning om tre månader",
            "kind": "preventive",
            "causes": [cause.pk],
            "owner": cast["manager_a"].pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    errors = refused(report, "close", cast["manager_a"], {"decision": "Avslutas."})
    assert "closing_reason" in errors
    do_update_action(report.pk, action.pk, acting_user=cast["manager_a"], data={"status": "done"})
    assert "closing_reason" in refused(report, "close", cast["manager_a"], {"decision": "Avslutas."})
    do_update_action(
        report.pk, action.pk, acting_user=cast["manager_a"], data={"effect_follow_up": "Effekt uppnådd."}
    )
    assert (
        do_transition(report.pk, "close", acting_user=cast["manager_a"], data={"decision": "Avslutas."}).state
        == "closed"
    )


def test_a_lex_sarah_assessment_needs_the_sosfs_content(org, cast):
    """The assessment hands the case to the decision maker, who cannot document the
    investigation: it needs every required topic, as the decision does
    (tests/cases/test_finishing_cases.py)."""
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    data = transition_data(report, "assess", cast)
    errors = refused(report, "assess", cast["sas"], data)
    assert "__all__" in errors and "Orsaker" in " ".join(errors["__all__"])


def test_a_serious_missforhallande_must_be_notified_to_ivo(org, cast):
    from tests.factories import complete_lex_sarah_investigation

    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "assessed", cast)
    complete_lex_sarah_investigation(report, cast["sas"])
    errors = refused(
        report, "decide", cast["decision_maker"], {"decision": "Ingen anmälan.", "notify_ivo": "False"}
    )
    assert "notify_ivo" in errors


def test_lex_sarah_assessment_against_the_matrix_needs_a_reason(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    data = {"lex_sarah_assessment": "missforhallande", "is_serious": "True", "probability": 1, "severity": 2}
    assert "risk_override_reason" in refused(report, "assess", cast["sas"], data)


def test_a_complaint_with_contact_details_needs_an_acknowledgement(org, cast):
    report = file("complaint", cast["reporter"], org.unit_a, submitter_contact="anna@example.org")
    data = transition_data(report, "register", cast)
    data.pop("acknowledged_at")
    assert "acknowledged_at" in refused(report, "register", cast["manager_a"], data)


def test_a_breach_notified_after_72_hours_needs_a_reason(org, cast):
    report = file("data_breach", cast["reporter"], org.unit_a, discovered_at=ago(hours=80))
    report = walk_to(report, "assessed", cast)
    data = transition_data(report, "decide", cast)
    assert "delay_reason" in refused(report, "decide", cast["dso"], data)
    result = do_transition(
        report.pk,
        "decide",
        acting_user=cast["dso"],
        data={**data, "delay_reason": "Incidenten upptäcktes av en underleverantör under helgen."},
    )
    notification = result.regulator_notifications.get()
    assert notification.regulator == "imy" and notification.delay_reason.startswith("Incidenten")


def test_a_breach_notification_submitted_late_needs_a_reason(org, cast):
    import time_machine

    report = walk_to(
        file("data_breach", cast["reporter"], org.unit_a, discovered_at=ago(hours=70)), "decided", cast
    )
    notification = report.regulator_notifications.get()
    assert notification.delay_reason == ""
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        data = {"submitted_at": ago(minutes=1), "channel": "e_service"}
        with pytest.raises(ValidationError) as excinfo:
            do_notification_transition(
                report.pk, notification.pk, "submit", acting_user=cast["dso"], data=data
            )
        assert "delay_reason" in excinfo.value.message_dict
        notification = do_notification_transition(
            report.pk,
            notification.pk,
            "submit",
            acting_user=cast["dso"],
            data={**data, "delay_reason": "E-tjänsten låg nere."},
        )
    assert notification.state == "submitted" and notification.delay_reason == "E-tjänsten låg nere."
    assert notification.document["delay_reason"] == "E-tjänsten låg nere."


def test_a_risky_breach_must_be_notified_and_a_high_risk_one_told_to_the_persons(org, cast):
    report = walk_to(file("data_breach", cast["reporter"], org.unit_a), "assessed", cast)
    assert "notify_imy" in refused(
        report, "decide", cast["dso"], {"decision": "Ingen anmälan.", "notify_imy": "False"}
    )
    high = file("data_breach", cast["reporter"], org.unit_a)
    do_transition(
        high.pk,
        "assess",
        acting_user=cast["dso"],
        data={**transition_data(high, "assess", cast), "breach_risk": "high"},
    )
    errors = refused(high, "decide", cast["dso"], {"decision": "Anmäls.", "notify_imy": "True"})
    assert "subjects_informed_at" in errors


def test_an_unfinished_ivo_notification_blocks_closing(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "decided", cast)
    errors = refused(report, "close", cast["sas"], {})
    assert "IVO" in " ".join(errors["__all__"])


def test_investigation_entries_record_their_author_and_reject_other_topics(org, cast):
    from cases.models import InvestigationTopic

    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    topic = InvestigationTopic.objects.get(code="causes")
    entry = do_add_investigation_entry(
        report.pk,
        acting_user=cast["sas"],
        data={
            "topic": topic.pk,
            "text": "Bemanningen var låg.",
            "entry_date": timezone.localdate(),
            "source": "Schema",
            "nature": "fact",
        },
    )
    assert (entry.author_name, entry.author_title) == ("Sas Testsson", "SAS")
    for field in ("text", "source", "nature"):
        data = {
            "topic": topic.pk,
            "text": "x",
            "entry_date": timezone.localdate(),
            "source": "y",
            "nature": "fact",
        }
        data.pop(field)
        with pytest.raises(ValidationError) as excinfo:
            do_add_investigation_entry(report.pk, acting_user=cast["sas"], data=data)
        assert field in excinfo.value.message_dict
    correction = do_add_investigation_entry(
        report.pk,
        acting_user=cast["sas"],
        data={
            "topic": topic.pk,
            "text": "Rättelse: bemanningen var normal.",
            "entry_date": timezone.localdate(),
            "source": "Schema",
            "nature": "fact",
            "corrects": entry.pk,
        },
    )
    assert correction.corrects == entry


def test_an_action_cannot_address_another_cases_cause(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "investigated", cast)
    other = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    foreign = do_add_cause(other.pk, acting_user=cast["manager_a"], data={"description": "Annan orsak"})
    with pytest.raises(ValidationError) as excinfo:
        do_add_action(
            report.pk,
            acting_user=cast["manager_a"],
            data={
                "description": "x",
                "kind": "corrective",
                "causes": [foreign.pk],
                "owner": cast["manager_a"].pk,
                "due_date": timezone.localdate().isoformat(),
            },
        )
    assert "causes" in excinfo.value.message_dict
