"""The task lists and claim/release/reassign over the API, as every member of the cast."""

import datetime

from django.utils import timezone

from cases.models import AuditEvent
from tests.api.helpers import EVERYONE, Case, rolled_back, url
from tests.matrix import Matrix
from tests.workflows.helpers import listed, listed_ids, task_of
from workflows.models import Substitute

# Who has the first task of a case filed in unit A in their queue, and who may claim it.
QUEUE = {
    "deviation": {"manager_a", "sas"},
    "complaint": {"manager_a", "sas"},
    "lex_sarah": {"manager_a", "sas"},
    "data_breach": {"dso"},
}
SEES = {
    "deviation": {"reporter", "manager_a", "sas", "decision_maker"},
    "complaint": {"reporter", "manager_a", "sas", "decision_maker"},
    "lex_sarah": {"reporter", "manager_a", "sas", "decision_maker"},
    "data_breach": {"reporter", "sas", "dso"},
}
# Claiming the first task, per type: 200 for those with it in their queue, 403 for those who
# see the case, 404 for the rest.
CLAIM = Matrix(
    EVERYONE,
    {
        report_type: Matrix.of_groups(
            EVERYONE, [(QUEUE[report_type], 200), (SEES[report_type], 403)], default=404
        ).expected()
        for report_type in QUEUE
    },
)
# Releasing and reassigning a deviation's task unit A's manager holds.
RELEASE_AND_REASSIGN = Matrix.of_groups(
    EVERYONE, [({"manager_a", "sas"}, 200), (SEES["deviation"], 403)], default=404
)
INITIAL = {
    "deviation": "reported",
    "complaint": "received",
    "lex_sarah": "reported",
    "data_breach": "reported",
}


def first_task(case, client_as):
    return task_of(
        client_as("sas"),
        case.report,
        {
            "deviation": "assess",
            "complaint": "register",
            "lex_sarah": "record_immediate_measures",
            "data_breach": "assess",
        }[case.report.type],
    )


@CLAIM.per_row("report_type, claim")
def test_the_queue_holds_a_new_task_for_those_who_may_take_it_and_no_one_else(
    report_type, claim, cast, org, client_as
):
    case = Case(cast, org, report_type, INITIAL[report_type])
    task = first_task(case, client_as)
    for member, expected in claim.items():
        client = client_as(member)
        assert (task["id"] in listed_ids(client, "queue")) == (member in QUEUE[report_type]), member
        assert task["id"] not in listed_ids(client, "inbox")
        with rolled_back():
            response = client.post(f"/api/v1/tasks/{task['id']}/claim/")
            if expected == 200:
                assert response.status_code == 200, (member, response.content)
                assert response.json()["assignee"]["id"] == cast[member].pk
                assert task["id"] in listed_ids(client, "inbox")
                assert task["id"] not in listed_ids(client, "queue")
            else:
                assert response.status_code == expected, member


def test_a_listed_task_carries_its_case_step_assignee_and_deadline(cast, org, client_as):
    case = Case(cast, org, "complaint", "received")
    [task] = listed(client_as("manager_a"), "queue")
    assert task["case"] == {
        "id": case.report.pk,
        "case_number": case.report.case_number,
        "type": "complaint",
        "type_label": task["case"]["type_label"],
        "unit": {"id": org.unit_a.pk, "name": org.unit_a.name},
    }
    assert task["step"] == "register"
    assert task["step_label"] == "Registrera och utse handläggare"
    assert task["assignee"] is None
    assert set(task) >= {"due_at", "overdue", "status", "created"}


def test_filters_by_type_and_unit(cast, org, client_as):
    Case(cast, org, "deviation", "reported")
    Case(cast, org, "complaint", "received")
    sas = client_as("sas")
    assert {t["case"]["type"] for t in listed(sas, "queue")} == {"deviation", "complaint"}
    assert {t["case"]["type"] for t in listed(sas, "queue", type="complaint")} == {"complaint"}
    assert listed(sas, "queue", unit=org.unit_b.pk) == []
    assert len(listed(sas, "queue", unit=org.unit_a.pk)) == 2
    assert sas.get("/api/v1/tasks/", {"scope": "everything"}).status_code == 400
    assert sas.get("/api/v1/tasks/", {"type": "nonsense"}).status_code == 400


def test_claim_release_and_reassign_are_audited_and_announced(
    cast, org, client_as, events, django_capture_on_commit_callbacks
):
    case = Case(cast, org, "deviation", "reported")
    task = first_task(case, client_as)
    rows = AuditEvent.objects.filter(report_id=case.report.pk).count()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_as("manager_a").post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 200
    assert (
        "task.assigned",
        {"task_id": task["id"], "step": "assess", "user_ids": [cast["manager_a"].pk]},
    ) in events
    # Already taken: a second claim is a conflict.
    assert client_as("sas").post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        assert client_as("manager_a").post(f"/api/v1/tasks/{task['id']}/release/").status_code == 200
    assert ("task.released", {"task_id": task["id"]}) in events
    assert task["id"] in listed_ids(client_as("manager_a"), "queue")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("sas").post(
            f"/api/v1/tasks/{task['id']}/reassign/", {"user": cast["manager_a"].pk}, format="json"
        )
    assert response.status_code == 200, response.content
    assert task["id"] in listed_ids(client_as("manager_a"), "inbox")
    actions = list(
        AuditEvent.objects.filter(report_id=case.report.pk)
        .order_by("seq")
        .values_list("action", flat=True)[rows:]
    )
    assert [a for a in actions if a.startswith("task.")] == [
        "task.claimed",
        "task.released",
        "task.reassigned",
    ]


def test_who_may_release_and_reassign(cast, org, client_as):
    case = Case(cast, org, "deviation", "reported")
    task = first_task(case, client_as)
    client_as("manager_a").post(f"/api/v1/tasks/{task['id']}/claim/")
    for member, expected in RELEASE_AND_REASSIGN.expected().items():
        client = client_as(member)
        with rolled_back():
            response = client.post(f"/api/v1/tasks/{task['id']}/release/")
            assert response.status_code == expected, member
        with rolled_back():
            response = client.post(
                f"/api/v1/tasks/{task['id']}/reassign/", {"user": cast["sas"].pk}, format="json"
            )
            assert response.status_code == expected, member


def test_a_task_cannot_be_reassigned_to_someone_who_may_not_take_it(cast, org, client_as):
    case = Case(cast, org, "deviation", "reported")
    task = first_task(case, client_as)
    for user in ("outsider", "manager_b", "dso"):
        response = client_as("sas").post(
            f"/api/v1/tasks/{task['id']}/reassign/", {"user": cast[user].pk}, format="json"
        )
        assert response.status_code == 400 and "user" in response.json(), user
    response = client_as("sas").post(f"/api/v1/tasks/{task['id']}/reassign/", {"user": "x"}, format="json")
    assert response.status_code == 400 and "user" in response.json()


def test_a_task_assigned_to_a_named_handler_lands_in_their_inbox_announced(
    cast, org, client_as, events, django_capture_on_commit_callbacks
):
    case = Case(cast, org, "complaint", "received")
    from tests.factories import transition_data

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("sas").post(
            url(case.report, "transitions", "register"),
            transition_data(case.report, "register", cast),
            format="json",
        )
    assert response.status_code == 200
    [task] = listed(client_as("manager_a"), "inbox")
    assert task["step"] == "investigate" and task["assignee"]["id"] == cast["manager_a"].pk
    assert (
        "task.assigned",
        {"task_id": task["id"], "step": "investigate", "user_ids": [cast["manager_a"].pk]},
    ) in events


def test_the_archive_lists_what_i_completed(cast, org, client_as):
    case = Case(cast, org, "deviation", "assessed")
    archive = listed(client_as("manager_a"), "archive")
    assert [(t["case"]["id"], t["step"]) for t in archive] == [(case.report.pk, "assess")]
    assert listed(client_as("sas"), "archive") == []


def test_a_substitute_gets_the_absent_persons_tasks_and_may_take_them_over(cast, org, client_as):
    case = Case(cast, org, "deviation", "reported")
    task = first_task(case, client_as)
    client_as("manager_a").post(f"/api/v1/tasks/{task['id']}/claim/")
    now = timezone.now()
    absence = Substitute.objects.create(
        person=cast["manager_a"],
        substitute=cast["sas"],
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(days=7),
    )
    assert task["id"] in listed_ids(client_as("sas"), "inbox")
    response = client_as("sas").post(f"/api/v1/tasks/{task['id']}/claim/")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["id"] == cast["sas"].pk
    # After the absence the substitute no longer sees the person's tasks.
    client_as("sas").post(
        f"/api/v1/tasks/{task['id']}/reassign/", {"user": cast["manager_a"].pk}, format="json"
    )
    absence.ends_at = now - datetime.timedelta(minutes=1)
    absence.starts_at = now - datetime.timedelta(days=1)
    absence.save()
    assert task["id"] not in listed_ids(client_as("sas"), "inbox")


def test_a_substitute_from_another_unit_takes_over_with_the_lent_role_on_the_absent_persons_behalf(
    cast, org, client_as
):
    case = Case(cast, org, "deviation", "reported")
    task = first_task(case, client_as)
    client_as("manager_a").post(f"/api/v1/tasks/{task['id']}/claim/")
    now = timezone.now()
    Substitute.objects.create(
        person=cast["manager_a"],
        substitute=cast["manager_b"],
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(days=1),
    )
    assert task["id"] in listed_ids(client_as("manager_b"), "inbox")
    assert client_as("manager_b").post(f"/api/v1/tasks/{task['id']}/claim/").status_code == 200
    claimed = AuditEvent.objects.filter(action="task.claimed", actor=cast["manager_b"]).get()
    assert claimed.payload["on_behalf_of"] == cast["manager_a"].pk
    # ...and may hand it back to the queue.
    assert client_as("manager_b").post(f"/api/v1/tasks/{task['id']}/release/").status_code == 200


def test_the_case_detail_shows_its_open_tasks_to_those_who_work_on_it(cast, org, client_as):
    case = Case(cast, org, "lex_sarah", "registered")
    response = client_as("sas").get(url(case.report))
    assert [t["step"] for t in response.json()["open_tasks"]] == ["first_assessment"]
    assert "open_tasks" not in client_as("reporter").get(url(case.report)).json()
