"""Every task row of every flow, human or not, open or finished, answers every task page and
endpoint cleanly: the flows' machinery (start, gateways, waits, joins, end) is 404, a finished
step 409 (a message on the web), and the reassign page opens for every open step, with a
named investigator on the case or not."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Report
from cases.services import do_grant_investigator, do_transition
from tests.factories import (
    ACTOR,
    PATHS,
    file,
    finish_regulator_notifications,
    prepare,
    transition_data,
    walk_to,
)
from workflows.nodes import Step

pytestmark = pytest.mark.django_db

TYPES = list(PATHS)
# Who handles each type's tasks: the DSO alone changes a breach, the SAS reads it (DOMAIN.md);
# lex Maria is the MAS's, and the SAS does not see it.
HANDLER = {
    report_type: {"data_breach": "dso", "lex_maria": "mas"}.get(report_type, "sas") for report_type in TYPES
}


def closed_case(report_type, cast, org):
    """A case walked to its end, its notification to the regulator finished: every node of the
    flow that the normal path visits has a task row."""
    report = file(report_type, cast["reporter"], org.unit_a)
    return walk_to(report, None, cast)


def case_tasks(report):
    return list(Task.objects.filter(process__caseprocess__report=report).order_by("pk"))


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def web(user):
    client = Client()
    client.force_login(user)
    return client


def answers(user, task, other):
    """Every task page and endpoint for ``task``, as ``user``: {name: status code}."""
    a, w = api(user), web(user)
    return {
        "api claim": a.post(f"/api/v1/tasks/{task.pk}/claim/").status_code,
        "api release": a.post(f"/api/v1/tasks/{task.pk}/release/").status_code,
        "api reassign": a.post(
            f"/api/v1/tasks/{task.pk}/reassign/", {"user": other.pk}, format="json"
        ).status_code,
        "web claim": w.post(reverse("web:claim", args=[task.pk])).status_code,
        "web release": w.post(reverse("web:release", args=[task.pk])).status_code,
        "web reassign form": w.get(reverse("web:reassign", args=[task.pk])).status_code,
        "web reassign": w.post(reverse("web:reassign", args=[task.pk]), {"user": other.pk}).status_code,
    }


@pytest.mark.parametrize("report_type", TYPES)
def test_the_flows_own_nodes_are_not_tasks_to_any_page_or_endpoint(report_type, cast, org):
    report = closed_case(report_type, cast, org)
    machinery = [t for t in case_tasks(report) if not isinstance(t.flow_task, Step)]
    assert {type(t.flow_task).__name__ for t in machinery} >= {"StartHandle", "End"}
    for task in machinery:
        for name in ("sas", "manager_a", "outsider"):
            assert set(answers(cast[name], task, cast["manager_a"]).values()) == {404}, (task.flow_task, name)


@pytest.mark.parametrize("report_type", TYPES)
def test_a_finished_step_answers_a_conflict_or_a_message_never_an_error(report_type, cast, org):
    report = closed_case(report_type, cast, org)
    done = [t for t in case_tasks(report) if isinstance(t.flow_task, Step)]
    assert done and all(t.status == STATUS.DONE for t in done)
    handler = cast[HANDLER[report_type]]
    for task in done:
        got = answers(handler, task, handler)
        may_take = task.flow_task.may_take(handler, report)
        assert got["api claim"] == (409 if may_take else 403), task.flow_task
        assert got["api release"] == got["api reassign"] == 409, (task.flow_task, got)
        # The web pages go back with a message saying the task is no longer open.
        assert {got["web release"], got["web reassign form"], got["web reassign"]} == {302}, (
            task.flow_task,
            got,
        )
        assert got["web claim"] == (302 if may_take else 403), (task.flow_task, got)
    response = web(handler).post(reverse("web:release", args=[done[0].pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Uppgiften är inte längre öppen."]


@pytest.mark.parametrize("report_type", TYPES)
@pytest.mark.parametrize("named", [False, True], ids=["no investigator named", "investigator named"])
def test_the_reassign_page_opens_for_every_open_step_and_offers_those_who_may_take_it(
    report_type, named, cast, org
):
    report = file(report_type, cast["reporter"], org.unit_a)
    handler = cast[HANDLER[report_type]]
    if named:
        do_grant_investigator(report.pk, cast["outsider"], acting_user=handler)
    client = web(handler)
    seen = set()
    for name in PATHS[report_type]:
        if name == "close":  # the notification to the regulator joins the case before its closing step
            finish_regulator_notifications(report, cast)
        report = Report.objects.get(pk=report.pk).typed()
        for task in Task.objects.filter(
            process__caseprocess__report=report, status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ):
            if not isinstance(task.flow_task, Step):
                continue
            seen |= task.flow_task.transitions
            response = client.get(reverse("web:reassign", args=[task.pk]))
            assert response.status_code == 200, (task.flow_task, response.status_code)
            offered = {pk for pk, _label in response.context["form"].fields["user"].choices}
            expected = {user.pk for user in cast.values() if task.flow_task.may_take(user, report)}
            assert offered == expected, task.flow_task
        report = walk_one(report, name, cast)
    assert seen >= set(PATHS[report_type])  # a step for every transition of the path was offered


def walk_one(report, name, cast):
    """Perform ``name`` on ``report`` as the normal path would."""
    prepare(report, name, cast)
    return do_transition(
        report.pk,
        name,
        acting_user=cast[ACTOR[(report.type, name)]],
        data=transition_data(report, name, cast),
    )
