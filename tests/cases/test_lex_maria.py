"""Lex Maria (patientsäkerhetslagen 2010:659 3 kap. 3–5 §§), the fifth type: every step as each
member of the cast and the MAS, the rules of its forms, the notification to IVO, and routing to
and from lex Sarah and deviations as linked cases."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import selectors
from cases.models import AuditEvent, DelegationDecision, Report, ReportLink
from cases.services import (
    CaseNotFound,
    InvalidState,
    do_decide_ivo_notification,
    do_notification_transition,
    do_route,
    do_transition,
)
from tests.cast import CAST_WITH_MAS
from tests.factories import (
    ago,
    complete_investigation,
    file,
    finish_regulator_notifications,
    prepare,
    transition_data,
    walk_to,
)
from tests.matrix import Matrix
from workflows.models import CaseProcess

pytestmark = pytest.mark.django_db

# Who may take each step (written by hand from DOMAIN.md: the MAS, or MAR, handles lex Maria).
ALLOWED = {
    "register": {"mas"},
    "close_outside_scope": {"mas"},
    "start_investigation": {"mas"},
    "assess": {"mas"},
    "decide": {"mas"},
    "close": {"mas"},
}
# Who sees a lex Maria case filed by the reporter in unit A: the SAS, the decision maker and
# the DSO do not (the SAS is not involved unless it is also a lex Sarah matter).
VISIBLE = {"reporter", "manager_a", "mas"}
SOURCE = {
    "register": "reported",
    "close_outside_scope": "registered",
    "start_investigation": "registered",
    "assess": "investigating",
    "decide": "assessed",
    "close": "decided",
}
TARGET = {
    "register": "registered",
    "close_outside_scope": "outside_scope",
    "start_investigation": "investigating",
    "assess": "assessed",
    "decide": "decided",
    "close": "closed",
}
STEPS = Matrix(
    CAST_WITH_MAS,
    {
        name: Matrix.of_groups(
            CAST_WITH_MAS, [(allowed, "may"), (VISIBLE, PermissionDenied)], default=CaseNotFound
        ).expected()
        for name, allowed in sorted(ALLOWED.items())
    },
)


def case_in_state(name, org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), SOURCE[name], cast)
    prepare(report, name, cast)
    if name == "close":
        finish_regulator_notifications(report, cast)
    return report


def change_rows():
    return AuditEvent.objects.filter(chain="change").count()


@STEPS.per_row("name, outcomes")
def test_only_the_mas_may_take_each_step(name, outcomes, org, cast):
    report = case_in_state(name, org, cast)
    data = (
        transition_data(report, name, cast) if name != "close_outside_scope" else {"decision": "Ingen skada."}
    )
    for member, expected in outcomes.items():
        if expected == "may":
            continue
        before = change_rows()
        with pytest.raises(expected):
            do_transition(report.pk, name, acting_user=cast[member], data=data)
        assert Report.objects.get(pk=report.pk).state == SOURCE[name]
        assert change_rows() == before, member
    with pytest.raises(CaseNotFound):
        do_transition(report.pk, name, acting_user=cast["sas_other"], data=data)
    report = do_transition(report.pk, name, acting_user=cast["mas"], data=data)
    assert report.state == TARGET[name]
    row = AuditEvent.objects.filter(report_id=report.pk, action=f"report.{name}").get()
    assert (row.actor_id, row.payload["from"], row.payload["to"]) == (
        cast["mas"].pk,
        SOURCE[name],
        TARGET[name],
    )


def test_a_step_from_the_wrong_state_is_refused(org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "registered", cast)
    with pytest.raises(InvalidState):
        do_transition(report.pk, "decide", acting_user=cast["mas"], data=transition_data(report, "decide"))
    assert Report.objects.get(pk=report.pk).state == "registered"


def test_the_reporter_and_the_unit_manager_see_it_and_the_sas_does_not(org, cast):
    report = file("lex_maria", cast["reporter"], org.unit_a)
    seen = {name for name in CAST_WITH_MAS if selectors.visible_reports(cast[name]).filter(pk=report.pk)}
    assert seen == VISIBLE
    assert not selectors.visible_reports(cast["sas_other"]).filter(pk=report.pk).exists()


def test_the_mas_sees_lex_maria_cases_only(org, cast):
    for report_type in ("deviation", "complaint", "lex_sarah", "data_breach", "lex_maria"):
        file(report_type, cast["reporter"], org.unit_a)
    assert set(selectors.visible_reports(cast["mas"]).values_list("type", flat=True)) == {"lex_maria"}


def test_filing_asks_when_it_happened(org, cast):
    with pytest.raises(ValidationError) as error:
        file("lex_maria", cast["reporter"], org.unit_a, occurred_at="")
    assert "occurred_at" in error.value.message_dict


# --- The assessment and the decision ------------------------------------------------------------


def assessed(org, cast, **data):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "investigating", cast)
    return do_transition(
        report.pk, "assess", acting_user=cast["mas"], data={**transition_data(report, "assess"), **data}
    )


@pytest.mark.parametrize(
    "assessment, serious",
    [("none", False), ("vardskada", False), ("risk_allvarlig", True), ("allvarlig", True)],
)
def test_serious_is_what_the_law_calls_serious(assessment, serious, org, cast):
    # 3 × 4 = 12: "kritisk", which suggests a serious matter; departing from it needs a reason.
    reason = "" if serious else "Skadan blev lindrig."
    report = assessed(org, cast, injury_assessment=assessment, risk_override_reason=reason)
    assert (report.injury_assessment, report.is_serious) == (assessment, serious)


def test_departing_from_the_risk_matrix_needs_a_reason(org, cast):
    with pytest.raises(ValidationError) as error:
        assessed(org, cast, injury_assessment="vardskada")
    assert "risk_override_reason" in error.value.message_dict


def test_the_decision_waits_for_the_investigation_topics(org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "assessed", cast)
    with pytest.raises(ValidationError, match="Händelseförloppet"):
        do_transition(report.pk, "decide", acting_user=cast["mas"], data=transition_data(report, "decide"))
    complete_investigation(report, cast["mas"])
    report = do_transition(
        report.pk, "decide", acting_user=cast["mas"], data=transition_data(report, "decide")
    )
    assert report.state == "decided"


def test_a_serious_injury_must_be_notified_to_ivo(org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "assessed", cast)
    complete_investigation(report, cast["mas"])
    with pytest.raises(ValidationError) as error:
        do_transition(
            report.pk,
            "decide",
            acting_user=cast["mas"],
            data={"decision": "Anmäls inte.", "notify_ivo": "False"},
        )
    assert "notify_ivo" in error.value.message_dict


def test_the_decision_to_notify_is_a_delegation_decision_under_the_patient_safety_act(org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "decided", cast)
    decision = DelegationDecision.objects.get(report=report)
    assert decision.kind == DelegationDecision.Kind.NOTIFY_IVO
    assert decision.delegate == cast["mas"]
    assert decision.legal_reference.code == "lex-maria-anmalan"
    assert decision.legal_reference.citation == "3 kap. 5 § patientsäkerhetslagen (2010:659)"
    notification = report.regulator_notifications.get()
    assert (notification.regulator, notification.state, notification.decided_by) == (
        "ivo",
        "decided",
        cast["mas"],
    )


def test_a_not_serious_injury_may_stay_unnotified(org, cast):
    report = assessed(
        org, cast, injury_assessment="vardskada", probability=1, severity=2
    )  # 2: "låg", not serious
    complete_investigation(report, cast["mas"])
    report = do_transition(
        report.pk,
        "decide",
        acting_user=cast["mas"],
        data={"decision": "Vårdskada men inte allvarlig; anmäls inte.", "notify_ivo": "False"},
    )
    assert not report.regulator_notifications.exists()
    assert DelegationDecision.objects.get(report=report).kind == DelegationDecision.Kind.NOT_NOTIFY_IVO
    report = do_transition(report.pk, "close", acting_user=cast["mas"], data={})
    assert report.state == "closed"


# --- IVO, snarast -------------------------------------------------------------------------------

EARLY = Matrix.of_groups(CAST_WITH_MAS, [({"mas"}, "may"), (VISIBLE, PermissionDenied)], default=CaseNotFound)


@EARLY.per_actor("name, expected")
def test_the_mas_notifies_ivo_as_soon_as_it_is_clear(name, expected, org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "investigating", cast)
    data = {"decision": "Patienten avled; anmäls snarast."}
    if expected != "may":
        with pytest.raises(expected):
            do_decide_ivo_notification(report.pk, acting_user=cast[name], data=data)
        assert not report.regulator_notifications.exists()
        return
    notification = do_decide_ivo_notification(report.pk, acting_user=cast[name], data=data)
    assert notification.regulator == "ivo"
    decision = DelegationDecision.objects.get(report=report)
    assert decision.legal_reference.code == "lex-maria-anmalan"
    with pytest.raises(InvalidState):  # once
        do_decide_ivo_notification(report.pk, acting_user=cast[name], data=data)


NOTIFYING = Matrix.of_groups(
    CAST_WITH_MAS, [({"mas"}, "may"), (VISIBLE, PermissionDenied)], default=CaseNotFound
)


@NOTIFYING.per_actor("name, expected")
def test_only_the_mas_takes_the_notifications_steps(name, expected, org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "decided", cast)
    notification = report.regulator_notifications.get()
    data = {"submitted_at": ago(minutes=1), "channel": "e_service"}
    if expected != "may":
        with pytest.raises(expected):
            do_notification_transition(
                report.pk, notification.pk, "submit", acting_user=cast[name], data=data
            )
        return
    notification = do_notification_transition(
        report.pk, notification.pk, "submit", acting_user=cast[name], data=data
    )
    assert (
        notification.state == "submitted" and notification.document["form"] == "IVO anmälan enligt lex Maria"
    )


def test_the_case_cannot_close_before_ivo_has_decided(org, cast):
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "decided", cast)
    with pytest.raises(ValidationError, match="IVO"):
        do_transition(report.pk, "close", acting_user=cast["mas"], data={})
    finish_regulator_notifications(report, cast)
    assert do_transition(report.pk, "close", acting_user=cast["mas"], data={}).state == "closed"


# --- Routing: from a deviation, to and from lex Sarah -------------------------------------------


def linked(report):
    return Report.objects.get(links_in__source=report)


def test_a_deviation_is_routed_to_lex_maria_at_its_assessment(org, cast):
    deviation = file("deviation", cast["reporter"], org.unit_a)
    data = {
        **transition_data(deviation, "assess"),
        "route": "lex_maria",
        "risk_override_reason": "Fallet inträffade i hemsjukvården.",
    }
    deviation = do_transition(deviation.pk, "assess", acting_user=cast["manager_a"], data=data)
    assert deviation.state == "assessed"  # the deviation stays, with its history
    maria = linked(deviation)
    assert (maria.type, maria.state, maria.reporter, maria.unit) == (
        "lex_maria",
        "reported",
        cast["reporter"],
        org.unit_a,
    )
    assert maria.clocks.filter(code="lex-maria-registration").exists()
    assert CaseProcess.objects.get(report=maria).flow_class.report_type == "lex_maria"


def test_the_sas_routes_a_lex_sarah_case_to_lex_maria_and_sees_the_link_not_the_case(org, cast):
    sarah = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    maria = do_route(
        sarah.pk,
        acting_user=cast["sas"],
        data={"target_type": "lex_maria", "reason": "Fel läkemedel gavs: också en vårdskada."},
    )
    assert maria.type == "lex_maria" and ReportLink.objects.filter(source=sarah, target=maria).exists()
    links = selectors.report_links(cast["sas"], sarah)
    assert [(link["report"].pk, link["visible"]) for link in links] == [(maria.pk, False)]
    with pytest.raises(CaseNotFound):
        do_transition(maria.pk, "register", acting_user=cast["sas"], data=transition_data(maria, "register"))
    assert selectors.visible_reports(cast["mas"]).filter(pk=maria.pk).exists()
    assert not selectors.visible_reports(cast["mas"]).filter(pk=sarah.pk).exists()
    assert sarah.state == Report.objects.get(pk=sarah.pk).state == "investigating"


def test_the_mas_routes_a_lex_maria_case_to_lex_sarah(org, cast):
    maria = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "investigating", cast)
    sarah = do_route(
        maria.pk,
        acting_user=cast["mas"],
        data={"target_type": "lex_sarah", "reason": "Personalen bemötte patienten kränkande."},
    )
    assert (sarah.type, sarah.state) == ("lex_sarah", "reported")
    assert selectors.visible_reports(cast["sas"]).filter(pk=sarah.pk).exists()
    assert Report.objects.get(pk=maria.pk).state == "investigating"


def test_closed_as_no_injury_it_may_continue_as_lex_sarah(org, cast):
    maria = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "registered", cast)
    maria = do_transition(
        maria.pk,
        "close_outside_scope",
        acting_user=cast["mas"],
        data={"decision": "Ingen vårdskada; bemötandet brast.", "spawn": "lex_sarah"},
    )
    assert (maria.state, maria.injury_assessment) == ("outside_scope", "none")
    assert not maria.clocks.filter(stopped_at__isnull=True).exists()
    sarah = linked(maria)
    assert (sarah.type, sarah.state) == ("lex_sarah", "reported")


def test_a_lex_maria_case_is_not_routed_to_a_breach(org, cast):
    maria = file("lex_maria", cast["reporter"], org.unit_a)
    with pytest.raises(ValidationError) as error:
        do_route(maria.pk, acting_user=cast["mas"], data={"target_type": "data_breach", "reason": "Nej."})
    assert "target_type" in error.value.message_dict
