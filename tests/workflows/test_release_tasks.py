"""Tasks go back to the queue when their holder may no longer act on them: a role revoked
(reason ``role_revoked``), the account deactivated in the admin (``user_deactivated``); and
``check_workflows`` names any task still held by someone who may not act on it."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import AuditEvent, Role, User
from cases.services import do_deactivate_user, do_grant_role, do_revoke_role
from tests.factories import file
from tests.workflows.test_check_workflows import run as run_check
from workflows.services import do_claim


def step_task(report):
    return Task.objects.get(process__caseprocess__report=report, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def claimed(report, user):
    task = step_task(report)
    do_claim(task.pk, acting_user=user)
    task.refresh_from_db()
    assert task.owner_id == user.pk and task.status == STATUS.ASSIGNED
    return task


def released_rows(task):
    return list(
        AuditEvent.objects.filter(action="task.released", object_id=str(task.pk)).values_list(
            "actor_id", "payload"
        )
    )


def test_revoking_a_role_releases_the_tasks_it_allowed_and_only_those(cast, org, admin_user):
    manager = cast["manager_a"]
    do_grant_role(manager, Role.UNIT_MANAGER, org.unit_b, acting_user=None)
    in_a = claimed(file("deviation", cast["reporter"], org.unit_a), manager)
    in_b = claimed(file("deviation", cast["reporter"], org.unit_b), manager)

    do_revoke_role(manager, Role.UNIT_MANAGER, org.unit_a, acting_user=admin_user)

    in_a.refresh_from_db()
    in_b.refresh_from_db()
    assert (in_a.status, in_a.owner_id) == (STATUS.NEW, None)
    assert (in_b.status, in_b.owner_id) == (STATUS.ASSIGNED, manager.pk)
    [(actor, payload)] = released_rows(in_a)
    assert actor == admin_user.pk
    assert payload["reason"] == "role_revoked" and payload["from_owner"] == manager.pk
    assert released_rows(in_b) == []


def test_a_task_still_allowed_by_another_role_stays_with_its_holder(cast, org, admin_user):
    manager = cast["manager_a"]
    do_grant_role(manager, Role.SAS, org.sn, acting_user=None)
    task = claimed(file("deviation", cast["reporter"], org.unit_a), manager)
    do_revoke_role(manager, Role.UNIT_MANAGER, org.unit_a, acting_user=admin_user)
    task.refresh_from_db()
    assert task.owner_id == manager.pk and released_rows(task) == []


def form_data(form):
    """What the browser would post back for an unchanged admin form."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, Model):
            data[name] = value.pk
        elif hasattr(value, "__iter__") and not isinstance(value, str):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = value
    return data


def test_deactivating_a_user_in_the_admin_releases_their_tasks_audited(cast, org, admin_client, admin_user):
    manager = cast["manager_a"]
    task = claimed(file("deviation", cast["reporter"], org.unit_a), manager)
    change_url = reverse("admin:cases_user_change", args=[manager.pk])
    data = form_data(admin_client.get(change_url).context["adminform"].form)
    assert data.pop("is_active") == "on"

    response = admin_client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=manager.pk).is_active
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    [(actor, payload)] = released_rows(task)
    assert actor == admin_user.pk and payload["reason"] == "user_deactivated"
    assert (
        AuditEvent.objects.filter(
            action="user.deactivated", actor=admin_user, payload__user=manager.pk
        ).count()
        == 1
    )


def test_saving_a_user_unchanged_in_the_admin_releases_nothing(cast, org, admin_client):
    manager = cast["manager_a"]
    task = claimed(file("deviation", cast["reporter"], org.unit_a), manager)
    change_url = reverse("admin:cases_user_change", args=[manager.pk])
    data = form_data(admin_client.get(change_url).context["adminform"].form)
    assert admin_client.post(change_url, data).status_code == 302
    task.refresh_from_db()
    assert task.owner_id == manager.pk and released_rows(task) == []


def test_only_an_administrator_of_the_users_units_may_deactivate_them(cast, org):
    with pytest.raises(PermissionDenied):
        do_deactivate_user(cast["manager_a"], acting_user=cast["sas"])
    administrator = cast["admin_on"]
    with pytest.raises(PermissionDenied):
        do_deactivate_user(cast["manager_a"], acting_user=administrator)
    do_grant_role(administrator, Role.ADMINISTRATOR, org.sn, acting_user=None)
    do_deactivate_user(cast["manager_a"], acting_user=User.objects.get(pk=administrator.pk))
    assert not User.objects.get(pk=cast["manager_a"].pk).is_active


def test_check_workflows_names_a_task_held_by_someone_who_may_not_act_on_it(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    task = claimed(report, cast["manager_a"])
    assert run_check()[0] == 0
    # The role taken away behind the services' back: the task stays with its holder.
    Group.objects.get(name=f"{Role.UNIT_MANAGER}@{org.unit_a.pk}").user_set.remove(cast["manager_a"])
    code, out = run_check()
    assert code == 1
    assert report.case_number in out and f"task {task.pk}" in out and "may no longer act" in out
