"""The inbox and the queue take a fixed number of queries, whatever the number of the user's
role grants or of open tasks: 300+ grants and 1,000 open tasks cost what 1 grant and 10 do.

Per request: the page's count and its rows, plus, for the queue, the user's role scope (one
query) and, for the inbox, whom the user stands in for now (one query).
"""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from cases.models import OrgUnit, OrgUnitUserObjectPermission, Role
from tests.queries import assert_num_queries
from tests.workflows.bulk import open_deviations
from workflows.selectors import tasks_for

PINNED = {"inbox": 3, "queue": 3}


def fresh(user):
    """The user as a request loads it: nothing cached on it."""
    return get_user_model().objects.get(pk=user.pk)


def many_units(parent, count):
    return [OrgUnit.objects.create(kind="enhet", name=f"Enhet {i}", parent=parent) for i in range(count)]


def grant_many(user, units, role=Role.UNIT_MANAGER):
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename=f"role_{role}", content_type__app_label="cases")
    OrgUnitUserObjectPermission.objects.bulk_create(
        [OrgUnitUserObjectPermission(user=user, permission=permission, content_object=unit) for unit in units]
    )


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(fresh(user))
        return client

    return make


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("scope", ["inbox", "queue"])
def test_inbox_and_queue_queries_do_not_grow_with_grants_or_tasks(size, scope, cast, org, client_for):
    manager = cast["manager_a"]
    if size == "large":
        units = many_units(org.unit_a.parent, 320)
        grant_many(manager, units)
        tasks, owners = 1000, [manager] * 500
    else:
        units, tasks, owners = [org.unit_a], 10, [manager] * 5
    open_deviations(tasks, units, cast["reporter"], owners=owners)
    client = client_for(manager)
    with assert_num_queries(PINNED[scope]):
        response = client.get("/api/v1/tasks/", {"scope": scope, "page_size": 200})
    assert response.status_code == 200
    expected = len(owners) if scope == "inbox" else tasks - len(owners)
    assert response.json()["count"] == expected
    assert len(response.json()["results"]) == min(200, expected)


def test_the_queue_of_a_manager_of_300_units_holds_exactly_their_units_tasks(cast, org):
    units = many_units(org.unit_b.parent, 300)
    grant_many(cast["manager_b"], units[:150])
    ids = open_deviations(600, units, cast["reporter"])
    mine = {task_id for i, task_id in enumerate(ids) if i % 300 < 150}
    assert set(tasks_for(fresh(cast["manager_b"]), "queue").values_list("pk", flat=True)) == mine
