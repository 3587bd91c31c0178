"""A task nobody has taken is escalated once, after the ``task-unclaimed`` rule's time, to the
unit managers of the parent unit; the job is listed for the scheduler."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from cases.models import DeadlineRule, Role
from cases.services import do_grant_role
from tests.api.helpers import Case
from workflows.escalation import escalate_unclaimed
from workflows.models import TaskEscalation


@pytest.fixture
def department_manager(cast, org, django_user_model):
    user = django_user_model.objects.create_user(username="avdelningschef")
    do_grant_role(user, Role.UNIT_MANAGER, org.unit_a.parent, acting_user=None)
    return user


def later(**kwargs):
    return timezone.now() + datetime.timedelta(**kwargs)


def test_the_job_is_listed_for_the_scheduler():
    assert import_string("workflows.escalation.escalate_unclaimed") is escalate_unclaimed
    assert "workflows.escalation.escalate_unclaimed" in settings.SCHEDULER_JOBS


def test_an_unclaimed_task_is_escalated_once_to_the_parent_units_managers(
    cast, org, department_manager, events, django_capture_on_commit_callbacks
):
    case = Case(cast, org, "deviation", "reported")
    assert escalate_unclaimed(timezone.now()) == 0  # not yet: the rule gives two working days
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_unclaimed(later(days=5)) == 1
        assert escalate_unclaimed(later(days=6)) == 0  # idempotent
    escalation = TaskEscalation.objects.get()
    assert escalation.user_ids == [department_manager.pk]
    assert [
        (name, data["reason"], data["user_ids"]) for name, data in events if name == "task.escalated"
    ] == [("task.escalated", "unclaimed", [department_manager.pk])]
    assert escalation.task.process.caseprocess.report == case.report


def test_an_unclaimed_breach_task_goes_to_the_sas_never_to_managers_who_may_not_see_breaches(
    cast, org, department_manager
):
    Case(cast, org, "data_breach", "reported")
    assert escalate_unclaimed(later(days=5)) == 1
    assert TaskEscalation.objects.get().user_ids == [cast["sas"].pk]


def test_a_claimed_task_is_not_escalated(cast, org, department_manager, client_as):
    case = Case(cast, org, "deviation", "reported")
    task = case.report.workflow.task_set.get(status="NEW")
    client_as("manager_a").post(f"/api/v1/tasks/{task.pk}/claim/")
    assert escalate_unclaimed(later(days=10)) == 0


def test_the_time_is_data_and_without_a_rule_nothing_is_escalated(cast, org, department_manager):
    Case(cast, org, "deviation", "reported")
    DeadlineRule.objects.filter(code="task-unclaimed").update(amount=20)
    assert escalate_unclaimed(later(days=5)) == 0
    assert escalate_unclaimed(later(days=40)) == 1
    TaskEscalation.objects.all().delete()
    DeadlineRule.objects.filter(code="task-unclaimed").delete()
    assert escalate_unclaimed(later(days=40)) == 0


def test_without_a_manager_above_it_goes_to_the_sas(cast, org):
    Case(cast, org, "deviation", "reported")
    escalate_unclaimed(later(days=5))
    assert TaskEscalation.objects.get().user_ids == [cast["sas"].pk]
