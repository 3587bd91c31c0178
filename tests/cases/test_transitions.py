"""Every transition of every type, performed by each member of the fixed cast."""

import pytest
from django.core.exceptions import PermissionDenied

from cases.models import AuditEvent, Report
from cases.services import CaseNotFound, InvalidState, do_transition
from tests.cast import CAST
from tests.factories import file, prepare, transition_data, walk_to
from tests.matrix import Matrix

# Who may take each step (expected, written out by hand from DOMAIN.md, not derived from code).
ALLOWED = {
    ("deviation", "assess"): {"manager_a", "sas"},
    ("deviation", "complete_investigation"): {"manager_a", "sas"},
    ("deviation", "record_actions"): {"manager_a", "sas"},
    ("deviation", "follow_up"): {"manager_a", "sas"},
    ("deviation", "close"): {"manager_a", "sas"},
    ("complaint", "register"): {"manager_a", "sas"},
    ("complaint", "investigate"): {"manager_a", "sas"},
    ("complaint", "answer"): {"manager_a", "sas"},
    ("complaint", "close"): {"manager_a", "sas"},
    ("lex_sarah", "record_immediate_measures"): {"manager_a", "sas"},
    ("lex_sarah", "register"): {"sas"},
    ("lex_sarah", "close_outside_scope"): {"sas"},
    ("lex_sarah", "start_investigation"): {"sas"},
    ("lex_sarah", "assess"): {"sas"},
    ("lex_sarah", "decide"): {"decision_maker"},
    ("lex_sarah", "close"): {"sas"},
    ("data_breach", "assess"): {"dso"},
    ("data_breach", "decide"): {"dso"},
    ("data_breach", "close"): {"dso"},
}

# Who can see a case filed by the reporter in unit A (everyone else gets "not found").
VISIBLE = {
    "deviation": {"reporter", "manager_a", "sas", "decision_maker"},
    "complaint": {"reporter", "manager_a", "sas", "decision_maker"},
    "lex_sarah": {"reporter", "manager_a", "sas", "decision_maker"},
    "data_breach": {"reporter", "sas", "dso"},
}

# Each step as each member of the cast: "may" take it, or the error that refuses it (the case
# seen: PermissionDenied; not seen: CaseNotFound).
STEPS = Matrix(
    CAST,
    {
        (report_type, name): Matrix.of_groups(
            CAST, [(allowed, "may"), (VISIBLE[report_type], PermissionDenied)], default=CaseNotFound
        ).expected()
        for (report_type, name), allowed in sorted(ALLOWED.items())
    },
)
SOURCE = {
    ("deviation", "assess"): "reported",
    ("deviation", "complete_investigation"): "assessed",
    ("deviation", "record_actions"): "investigated",
    ("deviation", "follow_up"): "actions_taken",
    ("deviation", "close"): "followed_up",
    ("complaint", "register"): "received",
    ("complaint", "investigate"): "registered",
    ("complaint", "answer"): "investigated",
    ("complaint", "close"): "answered",
    ("lex_sarah", "record_immediate_measures"): "reported",
    ("lex_sarah", "register"): "measures_taken",
    ("lex_sarah", "close_outside_scope"): "registered",
    ("lex_sarah", "start_investigation"): "registered",
    ("lex_sarah", "assess"): "investigating",
    ("lex_sarah", "decide"): "assessed",
    ("lex_sarah", "close"): "decided",
    ("data_breach", "assess"): "reported",
    ("data_breach", "decide"): "assessed",
    ("data_breach", "close"): "decided",
}

TARGET = {
    ("lex_sarah", "close_outside_scope"): "outside_scope",
    ("lex_sarah", "start_investigation"): "investigating",
    ("lex_sarah", "record_immediate_measures"): "measures_taken",
    ("deviation", "complete_investigation"): "investigated",
    ("deviation", "record_actions"): "actions_taken",
    ("deviation", "follow_up"): "followed_up",
}


def case_in_state(report_type, name, org, cast):
    report = walk_to(file(report_type, cast["reporter"], org.unit_a), SOURCE[(report_type, name)], cast)
    prepare(report, name, cast)
    if name == "close":
        from tests.factories import finish_regulator_notifications

        finish_regulator_notifications(report, cast)
    return report


def change_rows():
    return AuditEvent.objects.filter(chain="change").count()


@STEPS.per_row("report_type, name, outcomes")
def test_only_the_right_roles_may_take_each_step(report_type, name, outcomes, org, cast):
    report = case_in_state(report_type, name, org, cast)
    data = transition_data(report, name, cast)
    for member, expected in outcomes.items():
        if expected == "may":
            continue
        before = change_rows()
        with pytest.raises(expected):
            do_transition(report.pk, name, acting_user=cast[member], data=data)
        assert Report.objects.get(pk=report.pk).state == SOURCE[(report_type, name)]
        assert change_rows() == before, member
    with pytest.raises(CaseNotFound):
        do_transition(report.pk, name, acting_user=cast["sas_other"], data=data)


@pytest.mark.parametrize("report_type,name", sorted(ALLOWED))
def test_each_allowed_role_can_take_the_step(report_type, name, org, cast):
    for member in sorted(ALLOWED[(report_type, name)]):
        report = case_in_state(report_type, name, org, cast)
        before = change_rows()
        result = do_transition(
            report.pk, name, acting_user=cast[member], data=transition_data(report, name, cast)
        )
        expected_target = TARGET.get((report_type, name), "closed" if name == "close" else None)
        assert result.state != SOURCE[(report_type, name)]
        if expected_target:
            assert result.state == expected_target
        event = AuditEvent.objects.filter(chain="change", action=f"report.{name}", report_id=report.pk).get()
        assert event.actor == cast[member]
        assert event.payload["from"] == SOURCE[(report_type, name)] and event.payload["to"] == result.state
        assert change_rows() > before


def test_a_step_out_of_order_is_refused_as_a_state_conflict(org, cast):
    report = file("lex_sarah", cast["reporter"], org.unit_a)
    with pytest.raises(InvalidState):
        do_transition(
            report.pk,
            "decide",
            acting_user=cast["decision_maker"],
            data={"decision": "x", "notify_ivo": "False"},
        )
    assert Report.objects.get(pk=report.pk).state == "reported"


def test_an_unknown_step_is_not_found(org, cast):
    from cases.services import UnknownTransition

    report = file("deviation", cast["reporter"], org.unit_a)
    for name in ("nonexistent", "save", "_apply", "typed", "decide"):
        with pytest.raises(UnknownTransition):
            do_transition(report.pk, name, acting_user=cast["sas"], data={})


def test_the_state_cannot_be_assigned_directly(org, cast):
    from django.db import transaction

    report = Report.objects.get(pk=file("deviation", cast["reporter"], org.unit_a).pk).typed()
    with pytest.raises(AttributeError):
        report.state = "closed"
    with transaction.atomic():
        assert report.state == "reported"


def test_a_named_investigator_may_work_on_that_case_only(org, cast):
    from cases.services import do_add_cause, do_grant_investigator

    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    other = file("deviation", cast["reporter"], org.unit_a)
    do_grant_investigator(report.pk, cast["manager_b"], acting_user=cast["sas"])
    do_add_cause(report.pk, acting_user=cast["manager_b"], data={"description": "Bemanning"})
    result = do_transition(
        report.pk,
        "complete_investigation",
        acting_user=cast["manager_b"],
        data={"investigation_summary": "Utredd av namngiven utredare."},
    )
    assert result.state == "investigated"
    with pytest.raises(CaseNotFound):
        do_add_cause(other.pk, acting_user=cast["manager_b"], data={"description": "x"})
    with pytest.raises(PermissionDenied):
        do_transition(
            report.pk, "record_actions", acting_user=cast["reporter"], data={"no_action_reason": "x"}
        )
