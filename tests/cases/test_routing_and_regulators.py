"""Routing to linked cases, and the IVO/IMY notifications beside the investigation."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import selectors
from cases.models import DelegationDecision, RegulatorNotification, Report, ReportLink
from cases.services import (
    CaseNotFound,
    InvalidState,
    do_decide_ivo_notification,
    do_notification_transition,
    do_route,
    do_transition,
)
from tests.factories import ago, file, term, transition_data, walk_to


def test_a_high_risk_deviation_routed_to_lex_sarah_spawns_a_linked_case(org, cast):
    deviation = file("deviation", cast["reporter"], org.unit_a)
    result = do_transition(
        deviation.pk,
        "assess",
        acting_user=cast["manager_a"],
        data={"category": term("deviation_category"), "probability": 3, "severity": 3},
    )
    assert (result.state, result.route, result.suggested_route) == ("assessed", "lex_sarah", "lex_sarah")
    link = ReportLink.objects.get(source=deviation)
    lex_sarah = link.target
    assert lex_sarah.type == "lex_sarah" and lex_sarah.state == "reported"
    assert lex_sarah.reporter == cast["reporter"] and lex_sarah.unit == org.unit_a
    assert lex_sarah.case_number != deviation.case_number
    # The source keeps its own history and shows the link.
    timeline = [e.action for e in selectors.report_timeline(cast["sas"], deviation)]
    assert timeline == ["report.filed", "report.routed", "report.assess"]
    links = selectors.report_links(cast["manager_a"], deviation)
    assert [(link["direction"], link["report"].pk, link["visible"]) for link in links] == [
        ("to", lex_sarah.pk, True)
    ]


def test_a_deviation_routed_to_a_breach_starts_the_clock_at_the_report(org, cast):
    deviation = file("deviation", cast["reporter"], org.unit_a)
    breach = do_route(
        deviation.pk,
        acting_user=cast["manager_a"],
        data={"target_type": "data_breach", "reason": "Journalutdrag skickades till fel adress."},
    )
    assert breach.type == "data_breach" and breach.discovered_at == deviation.reported_at
    # The manager routed it but breaches are for the DSO and the SAS: the link shows, the case does not open.
    links = selectors.report_links(cast["manager_a"], deviation)
    assert links[0]["visible"] is False
    assert selectors.report_detail(cast["dso"], breach.pk) is not None


@pytest.mark.parametrize(
    "source_type,target_type,allowed",
    [
        ("deviation", "lex_sarah", True),
        ("deviation", "data_breach", True),
        ("complaint", "lex_sarah", True),
        ("lex_sarah", "deviation", True),
        ("lex_sarah", "complaint", True),
        ("complaint", "data_breach", False),
        ("data_breach", "deviation", False),
        ("deviation", "deviation", False),
    ],
)
def test_only_the_routes_of_the_domain_exist(source_type, target_type, allowed, org, cast):
    from django.core.exceptions import ValidationError

    source = file(source_type, cast["reporter"], org.unit_a)
    data = {"target_type": target_type, "reason": "Bedömning"}
    handler = cast["dso" if source_type == "data_breach" else "sas"]
    if allowed:
        assert do_route(source.pk, acting_user=handler, data=data).type == target_type
    else:
        with pytest.raises(ValidationError):
            do_route(source.pk, acting_user=handler, data=data)


def test_a_complaint_that_reveals_a_missforhallande_opens_lex_sarah(org, cast):
    complaint = walk_to(file("complaint", cast["reporter"], org.unit_a), "registered", cast)
    do_transition(
        complaint.pk,
        "investigate",
        acting_user=cast["manager_a"],
        data={**transition_data(complaint, "investigate", cast), "route_to_lex_sarah": "on"},
    )
    target = ReportLink.objects.get(source=complaint).target
    assert target.type == "lex_sarah"


def test_lex_sarah_outside_scope_can_continue_as_a_deviation(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "registered", cast)
    result = do_transition(
        report.pk,
        "close_outside_scope",
        acting_user=cast["sas"],
        data={"decision": "Inte ett missförhållande; hanteras som avvikelse.", "spawn": "deviation"},
    )
    assert result.state == "outside_scope"
    assert ReportLink.objects.get(source=report).target.type == "deviation"


def test_ivo_can_be_notified_before_the_investigation_is_finished(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    with pytest.raises(PermissionDenied):
        do_decide_ivo_notification(report.pk, acting_user=cast["sas"], data={"decision": "Anmäls."})
    notification = do_decide_ivo_notification(
        report.pk,
        acting_user=cast["decision_maker"],
        data={"decision": "Allvarligt; anmäls till IVO snarast."},
    )
    assert notification.regulator == "ivo" and notification.state == "decided"
    decision = DelegationDecision.objects.get(report=report)
    assert decision.kind == "notify_ivo" and decision.delegate_title == "Socialchef"
    assert decision.legal_reference.citation.startswith("SoL (2025:400)")
    with pytest.raises(InvalidState):
        do_decide_ivo_notification(report.pk, acting_user=cast["decision_maker"], data={"decision": "Igen."})
    # The investigation goes on beside the notification and the final decision adds none.
    report = walk_to(Report.objects.get(pk=report.pk).typed(), "decided", cast)
    assert RegulatorNotification.objects.filter(report=report).count() == 1
    assert DelegationDecision.objects.filter(report=report).count() == 1


def test_the_notification_lifecycle_freezes_what_was_sent(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "decided", cast)
    notification = report.regulator_notifications.get()
    for member, refusal in (
        ("dso", CaseNotFound),
        ("manager_a", PermissionDenied),
        ("reporter", PermissionDenied),
    ):
        with pytest.raises(refusal):
            do_notification_transition(
                report.pk,
                notification.pk,
                "submit",
                acting_user=cast[member],
                data={"submitted_at": ago(minutes=5), "channel": "e_service"},
            )
    with pytest.raises(InvalidState):
        do_notification_transition(report.pk, notification.pk, "complete", acting_user=cast["sas"], data={})
    submitted = do_notification_transition(
        report.pk,
        notification.pk,
        "submit",
        acting_user=cast["sas"],
        data={
            "submitted_at": ago(minutes=5),
            "channel": "e_service",
            "regulator_case_number": "IVO 3.1.1-12345/2026",
        },
    )
    assert submitted.document["sender_case_number"] == report.case_number
    assert submitted.document_sha256 == RegulatorNotification.digest(submitted.document)
    assert "Testsson" not in str(submitted.document["description"])
    frozen = dict(submitted.document)
    supplemented = do_notification_transition(
        report.pk,
        notification.pk,
        "supplement",
        acting_user=cast["sas"],
        data={"sent_at": ago(minutes=1), "text": "Utredningen bifogas."},
    )
    assert supplemented.state == "supplemented" and supplemented.supplements.count() == 1
    assert supplemented.document == frozen
    outcome = do_notification_transition(
        report.pk,
        notification.pk,
        "record_outcome",
        acting_user=cast["decision_maker"],
        data={"outcome": "criticism", "outcome_at": timezone.localdate().isoformat()},
    )
    assert outcome.state == "regulator_decided"
    done = do_notification_transition(
        report.pk, notification.pk, "complete", acting_user=cast["sas"], data={}
    )
    assert done.state == "done"
    assert do_transition(report.pk, "close", acting_user=cast["sas"], data={}).state == "closed"


def test_imy_notifications_belong_to_the_dso(org, cast):
    report = walk_to(file("data_breach", cast["reporter"], org.unit_a), "decided", cast)
    notification = report.regulator_notifications.get()
    with pytest.raises(PermissionDenied):
        do_notification_transition(
            report.pk,
            notification.pk,
            "submit",
            acting_user=cast["sas"],
            data={"submitted_at": ago(minutes=5), "channel": "e_service"},
        )
    result = do_notification_transition(
        report.pk,
        notification.pk,
        "submit",
        acting_user=cast["dso"],
        data={"submitted_at": ago(minutes=5), "channel": "e_service"},
    )
    assert result.document["approx_subjects"] == 12
    assert do_transition(report.pk, "close", acting_user=cast["dso"], data={}).state == "closed"
