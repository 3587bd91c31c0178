"""Leak tests (upstream viewflow issue #505): a manager of unit B who holds every permission
viewflow's own queue and views ask for (model-wide view/manage of the process, the task
models, and the task permission itself, model-wide) still gets 404 on everything of unit A
and sees none of it in any list.

viewflow's built-in process and task views are not mounted at all; the second test proves
that no URL of the site leads to one.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.models import Task

from tests.api.helpers import Case, url
from tests.factories import file
from tests.workflows.helpers import listed_ids
from workflows.models import CaseProcess

EVERY_SCOPE = ["inbox", "queue", "archive", "overdue"]


@pytest.fixture
def manager_b_with_every_permission(cast):
    user = cast["manager_b"]
    codenames = [
        "view_caseprocess",
        "manage_caseprocess",
        "change_caseprocess",
        "view_process",
        "manage_process",
        "view_task",
        "change_task",
        "role_unit_manager",
        "role_sas",
        "role_decision_maker",
        "role_dso",
        "role_registrar",
    ]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)


def every_url(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from every_url(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


@pytest.mark.parametrize("report_type", ["deviation", "complaint", "lex_sarah", "data_breach"])
def test_a_manager_of_unit_b_with_every_permission_gets_404_on_unit_as_tasks(
    report_type, cast, org, client_as, manager_b_with_every_permission
):
    state = {
        "deviation": "assessed",
        "complaint": "registered",
        "lex_sarah": "registered",
        "data_breach": "assessed",
    }[report_type]
    case = Case(cast, org, report_type, state)
    own = file("deviation", cast["reporter"], org.unit_b)  # something of their own, in unit B
    tasks = list(Task.objects.filter(process__caseprocess__report=case.report))
    assert tasks
    client = client_as("manager_b")
    seen = set().union(*(listed_ids(client, scope) for scope in EVERY_SCOPE))
    assert seen.isdisjoint(task.pk for task in tasks)
    assert Task.objects.get(process__caseprocess__report=own, status="NEW").pk in listed_ids(client, "queue")
    for task in tasks:
        for action in ("claim", "release"):
            assert client.post(f"/api/v1/tasks/{task.pk}/{action}/").status_code == 404, action
        response = client.post(
            f"/api/v1/tasks/{task.pk}/reassign/", {"user": cast["manager_b"].pk}, format="json"
        )
        assert response.status_code == 404
    assert client.get(url(case.report)).status_code == 404
    assert client.get("/api/v1/tasks/", {"unit": org.unit_a.pk, "scope": "queue"}).json()["count"] == 0
    # viewflow's own pages for the process and its tasks: none is reachable.
    process = CaseProcess.objects.get(report=case.report)
    for path in [
        "/workflow/",
        f"/{report_type}/",
        f"/{report_type}/{process.pk}/",
        f"/{report_type}/tasks/",
        f"/{report_type}/flows/",
        f"/{report_type}/queue/",
        f"/{report_type}/inbox/",
        f"/{report_type}/{process.pk}/{tasks[0].flow_task.name}/{tasks[0].pk}/detail/",
        f"/workflow/{report_type}/{process.pk}/",
        f"/workflow/tasks/{tasks[0].pk}/",
    ]:
        assert client.get(path).status_code == 404, path


def test_no_url_of_the_site_leads_to_a_viewflow_view():
    for pattern, callback in every_url():
        module = getattr(callback, "__module__", "") or ""
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        modules = {module, getattr(view_class, "__module__", "")}
        assert not any(m.startswith("viewflow") for m in modules), pattern


def test_the_admin_has_no_page_for_viewflow_processes_or_tasks():
    from django.contrib import admin
    from viewflow.workflow.models import Process

    assert not admin.site.is_registered(Process)
    assert not admin.site.is_registered(Task)


def test_viewflow_adds_no_middleware_of_its_own(settings):
    assert not [name for name in settings.MIDDLEWARE if name.startswith("viewflow")]
