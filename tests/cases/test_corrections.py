"""Correcting a case after the fact (cases.services.corrections): reopening with the clocks
resuming where the law says, withdrawing a report filed by mistake (out of the counts),
merging a duplicate (counted once, both histories kept), editing the description (the
earlier text kept); each audited, each refused to those who may not."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import AuditEvent, CaseClock, CaseCorrection, Report, ReportLink
from cases.services import (
    CaseNotFound,
    InvalidState,
    UnknownTransition,
    available_transitions,
    do_edit_description,
    do_merge_reports,
    do_reopen_report,
    do_transition,
    do_withdraw_report,
)
from cases.services.clocks import REOPEN, RESUME_IF_TIME_LEFT
from reporting.models.aggregates import MonthlyCount
from reporting.services.aggregates import fresh_cells
from tests.factories import file, walk_to
from workflows.consistency import drift

CLOSER = {"deviation": "manager_a", "complaint": "manager_a", "lex_sarah": "sas", "data_breach": "dso"}
BEFORE_CLOSE = {
    "deviation": "followed_up",
    "complaint": "answered",
    "lex_sarah": "decided",
    "data_breach": "decided",
}


def reports_counted(org):
    return sum(
        MonthlyCount.objects.filter(dimension=MonthlyCount.Dimension.REPORTS, namnd=org.sn).values_list(
            "n", flat=True
        )
    )


def open_steps(report):
    return sorted(
        task.flow_task.name
        for task in Task.objects.filter(
            process__caseprocess__report=report, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
        )
    )


@pytest.mark.parametrize("report_type", list(CLOSER))
def test_a_closed_case_reopens_to_the_state_before_its_closing_and_can_close_again(report_type, cast, org):
    report = walk_to(file(report_type, cast["reporter"], org.unit_a), None, cast)
    assert report.state == "closed"
    actor = cast[CLOSER[report_type]]
    reopened = do_reopen_report(report.pk, acting_user=actor, data={"reason": "Nya uppgifter."})
    assert reopened.state == BEFORE_CLOSE[report_type] and reopened.closed_at is None
    assert open_steps(reopened) == ["close"]
    assert not list(drift(Report.objects.filter(pk=report.pk)))
    correction = CaseCorrection.objects.get(report=report, kind="reopened")
    assert correction.reason == "Nya uppgifter." and correction.created_by == actor
    row = AuditEvent.objects.get(action="report.reopen", report_id=report.pk)
    assert row.payload["from"] == "closed" and row.payload["to"] == reopened.state
    assert "Nya uppgifter." not in str(row.payload)
    # The reopened case closes again through its ordinary step.
    assert "close" in {t["name"] for t in available_transitions(reopened, actor)}
    from tests.factories import transition_data

    closed = do_transition(
        report.pk, "close", acting_user=actor, data=transition_data(reopened, "close", cast)
    )
    assert closed.state == "closed" and open_steps(closed) == []


def test_only_those_who_close_the_case_reopen_it_and_only_when_closed(cast, org):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), None, cast)
    with pytest.raises(PermissionDenied):
        do_reopen_report(report.pk, acting_user=cast["decision_maker"], data={"reason": "x"})
    with pytest.raises(CaseNotFound):
        do_reopen_report(report.pk, acting_user=cast["outsider"], data={"reason": "x"})
    with pytest.raises(ValidationError):
        do_reopen_report(report.pk, acting_user=cast["sas"], data={"reason": ""})
    open_case = file("deviation", cast["reporter"], org.unit_a)
    with pytest.raises(InvalidState):
        do_reopen_report(open_case.pk, acting_user=cast["sas"], data={"reason": "x"})


def test_corrections_are_not_steps_of_the_lifecycle(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    names = {t["name"] for t in available_transitions(report, cast["sas"])}
    assert not names & {"withdraw", "merge", "reopen"}
    with pytest.raises(UnknownTransition):
        do_transition(report.pk, "withdraw", acting_user=cast["sas"], data={"reason": "x"})


def test_reopening_resumes_the_clocks_the_closing_stopped_but_not_a_regulators_that_ran_out(cast, org):
    report = walk_to(file("data_breach", cast["reporter"], org.unit_a), None, cast)
    # Two clocks the closing stopped: one with time left, one of a regulator's duty run out.
    closed_at = Report.objects.get(pk=report.pk).closed_at
    later = closed_at + datetime.timedelta(seconds=1)
    rule = CaseClock.objects.filter(report=report).first().rule
    CaseClock.objects.filter(report=report).delete()
    now = timezone.now()
    CaseClock.objects.create(
        report=report,
        rule=rule,
        code="breach-data-subjects",
        started_at=now,
        due_at=now + datetime.timedelta(hours=9),
        stopped_at=later,
    )
    CaseClock.objects.create(
        report=report,
        rule=rule,
        code="breach-imy-notification",
        started_at=now,
        due_at=now - datetime.timedelta(hours=1),
        stopped_at=later,
    )
    # One stopped by a step before the closing (the decision): it stays stopped.
    CaseClock.objects.create(
        report=report,
        rule=rule,
        code="breach-imy-supplement",
        started_at=now,
        due_at=now + datetime.timedelta(days=9),
        stopped_at=closed_at - datetime.timedelta(hours=1),
    )
    assert REOPEN["breach-imy-notification"] == RESUME_IF_TIME_LEFT
    do_reopen_report(report.pk, acting_user=cast["dso"], data={"reason": "Fler drabbade."})
    running = set(
        CaseClock.objects.filter(report=report, stopped_at__isnull=True).values_list("code", flat=True)
    )
    assert running == {"breach-data-subjects"}
    row = AuditEvent.objects.get(action="report.reopen", report_id=report.pk)
    assert row.payload["clocks_resumed"] == ["breach-data-subjects"]
    assert row.payload["clocks_kept_stopped"] == ["breach-imy-notification"]


def test_withdrawing_keeps_the_case_marks_it_and_takes_it_out_of_the_counts(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    counted = reports_counted(org)
    assert counted >= 1
    withdrawn = do_withdraw_report(report.pk, acting_user=cast["manager_a"], data={"reason": "Fel ärende."})
    assert withdrawn.state == "withdrawn" and Report.objects.filter(pk=report.pk).exists()
    assert reports_counted(org) == counted - 1
    # The fresh count (rebuild, partial months) agrees with the kept cells.
    assert not fresh_cells(Q(pk=report.pk))
    assert open_steps(withdrawn) == []
    assert not CaseClock.objects.filter(report=report, stopped_at__isnull=True).exists()
    assert CaseCorrection.objects.get(report=report).kind == "withdrawn"
    assert AuditEvent.objects.filter(action="report.withdraw", report_id=report.pk).exists()
    with pytest.raises(InvalidState):
        do_withdraw_report(report.pk, acting_user=cast["manager_a"], data={"reason": "Igen."})


def test_a_case_with_a_delegation_decision_or_notification_is_not_withdrawn(cast, org):
    report = walk_to(file("data_breach", cast["reporter"], org.unit_a), "decided", cast)
    with pytest.raises(ValidationError):
        do_withdraw_report(report.pk, acting_user=cast["dso"], data={"reason": "x"})
    with pytest.raises(PermissionDenied):
        do_withdraw_report(
            file("data_breach", cast["reporter"], org.unit_a).pk,
            acting_user=cast["sas"],
            data={"reason": "x"},
        )


def test_merging_a_duplicate_counts_the_matter_once_and_keeps_both_histories(cast, org):
    survivor = file("complaint", cast["reporter"], org.unit_a)
    duplicate = file("complaint", cast["reporter"], org.unit_a)
    counted = reports_counted(org)
    merged = do_merge_reports(
        duplicate.pk,
        acting_user=cast["sas"],
        data={"survivor": survivor.case_number.lower(), "reason": "Samma klagomål två gånger."},
    )
    assert merged.state == "merged" and merged.merged_into_id == survivor.pk
    assert reports_counted(org) == counted - 1
    assert ReportLink.objects.filter(source=duplicate, target=survivor).exists()
    assert CaseCorrection.objects.get(report=survivor).kind == "merged_in"
    assert AuditEvent.objects.filter(action="report.filed", report_id=duplicate.pk).exists()
    assert AuditEvent.objects.filter(action="report.merge", report_id=duplicate.pk).exists()
    assert (
        AuditEvent.objects.get(action="report.duplicate_merged_in", report_id=survivor.pk).payload[
            "duplicate"
        ]
        == duplicate.pk
    )
    assert open_steps(merged) == [] and open_steps(survivor) == ["register"]


def test_a_duplicate_merges_only_into_a_case_of_its_type_and_board_the_user_may_correct(cast, org):
    duplicate = file("deviation", cast["reporter"], org.unit_a)
    other_type = file("complaint", cast["reporter"], org.unit_a)
    in_unit_b = file("deviation", cast["reporter"], org.unit_b)
    other_board = file("deviation", cast["sas_other"], org.unit_c)
    cases = {
        other_type.case_number: "same type",
        in_unit_b.case_number: "may correct",  # manager_a does not handle unit B
        other_board.case_number: "may correct",
        duplicate.case_number: "itself",
        "SN 1999/0001": "may correct",
    }
    for number in cases:
        with pytest.raises(ValidationError) as err:
            do_merge_reports(
                duplicate.pk, acting_user=cast["manager_a"], data={"survivor": number, "reason": "x"}
            )
        assert "survivor" in err.value.message_dict
    assert Report.objects.get(pk=duplicate.pk).state == "reported"


def test_editing_the_description_keeps_the_earlier_text(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a, description="Första texten.")
    do_edit_description(
        report.pk, acting_user=cast["manager_a"], data={"description": "Rättad text.", "reason": "Stavning."}
    )
    do_edit_description(report.pk, acting_user=cast["sas"], data={"description": "Tredje versionen."})
    assert Report.objects.get(pk=report.pk).description == "Tredje versionen."
    kept = list(
        CaseCorrection.objects.filter(report=report, kind="description").values_list(
            "previous_text", flat=True
        )
    )
    assert kept == ["Första texten.", "Rättad text."]
    rows = AuditEvent.objects.filter(action="report.description_edited", report_id=report.pk).order_by("seq")
    assert [r.payload["version"] for r in rows] == [2, 3]
    assert all("text" not in str(r.payload) for r in rows)
    with pytest.raises(ValidationError):
        do_edit_description(report.pk, acting_user=cast["sas"], data={"description": "Tredje versionen."})
    for name in ("decision_maker", "reporter"):
        with pytest.raises(PermissionDenied):
            do_edit_description(report.pk, acting_user=cast[name], data={"description": "Annat."})
    with pytest.raises(CaseNotFound):
        do_edit_description(report.pk, acting_user=cast["dso"], data={"description": "Annat."})
