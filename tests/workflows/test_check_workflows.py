"""``check_workflows`` finds a case whose open tasks do not match its state, and names it."""

import io

import pytest
from django.core.management import call_command
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.api.helpers import Case
from workflows.bridge import OPEN


def run():
    out = io.StringIO()
    try:
        call_command("check_workflows", stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_it_passes_when_every_case_is_where_its_workflow_is(cast, org):
    for report_type, state in [
        ("deviation", "investigated"),
        ("complaint", "registered"),
        ("lex_sarah", "decided"),
        ("data_breach", "assessed"),
    ]:
        Case(cast, org, report_type, state)
    code, out = run()
    assert code == 0, out


@pytest.mark.parametrize("breakage", ["task cancelled", "task moved", "no workflow"])
def test_it_names_a_case_whose_workflow_drifted(breakage, cast, org):
    healthy = Case(cast, org, "deviation", "assessed").report
    broken = Case(cast, org, "complaint", "registered").report
    tasks = Task.objects.filter(process__caseprocess__report=broken, status__in=OPEN)
    if breakage == "task cancelled":
        tasks.update(status=STATUS.CANCELED)
    elif breakage == "task moved":
        other = Task.objects.filter(process__caseprocess__report=healthy, status__in=OPEN).first()
        tasks.update(flow_task=other.flow_task)
    else:
        tasks.delete()
        broken.workflow.delete()
    code, out = run()
    assert code == 1
    assert broken.case_number in out
    assert healthy.case_number not in out


def test_a_transition_on_a_drifted_case_is_refused_and_changes_nothing(cast, org, client_as):
    from cases.models import Report
    from tests.api.helpers import url
    from tests.factories import transition_data

    report = Case(cast, org, "deviation", "reported").report
    Task.objects.filter(process__caseprocess__report=report, status__in=OPEN).update(status=STATUS.CANCELED)
    response = client_as("manager_a").post(
        url(report, "transitions", "assess"), transition_data(report, "assess", cast), format="json"
    )
    assert response.status_code == 409
    assert Report.objects.get(pk=report.pk).state == "reported"
