"""Reading a case's tasks over the API, as the cast sees them."""

from django.utils import timezone

from tests.api.helpers import url
from tests.factories import ago


def open_steps(client, report):
    response = client.get(url(report))
    assert response.status_code == 200, response.content
    return sorted(task["step"] for task in response.json()["open_tasks"])


def task_of(client, report, step):
    return next(task for task in client.get(url(report)).json()["open_tasks"] if task["step"] == step)


def listed(client, scope, **params):
    response = client.get("/api/v1/tasks/", {"scope": scope, "page_size": 200, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def listed_ids(client, scope, **params):
    return {task["id"] for task in listed(client, scope, **params)}


NOTIFICATION_DATA = {
    "submit": lambda: {"submitted_at": ago(minutes=1), "channel": "e_service"},
    "record_outcome": lambda: {"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
    "complete": lambda: {},
}
