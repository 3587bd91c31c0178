"""Giving a task back to the queue and handing it to someone else from the web pages, as the
fixed cast: POST only, with the CSRF token, plain forms (no JavaScript), 404 out of scope."""

import pytest
from django.test import Client
from django.urls import reverse
from viewflow.workflow.status import STATUS

from cases.models import AuditEvent
from tests.cast import CAST
from tests.matrix import Matrix
from workflows.selectors import tasks_for
from workflows.services import do_claim

pytestmark = pytest.mark.django_db
EVERYONE = CAST + ["sas_other"]
# Who may know of a task on a deviation of unit A, and who may release or reassign it there.
SEES = {"reporter", "manager_a", "sas", "decision_maker"}
REASSIGNS = {"manager_a", "sas"}
# What each meets: "may" (release or reassign), refused (403) or a task they cannot know of (404).
TASK_STEPS = Matrix.of_groups(EVERYONE, [(REASSIGNS, "may"), (SEES, 403)], default=404)


@pytest.fixture
def task(cast, deviation):
    """The deviation's first step, taken by unit A's manager."""
    found = tasks_for(cast["manager_a"], "queue").get(process__caseprocess__report=deviation)
    do_claim(found.pk, acting_user=cast["manager_a"])
    found.refresh_from_db()
    return found


def test_release_and_reassign_answer_only_to_post_with_the_csrf_token(client, cast, task):
    client.force_login(cast["manager_a"])
    assert client.get(reverse("web:release", args=[task.pk])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast["manager_a"])
    assert strict.post(reverse("web:release", args=[task.pk])).status_code == 403
    assert strict.post(reverse("web:reassign", args=[task.pk]), {"user": cast["sas"].pk}).status_code == 403
    task.refresh_from_db()
    assert task.owner == cast["manager_a"]


@TASK_STEPS.per_actor("name, expected")
def test_releasing_a_task_as_each_member_of_the_cast(client, cast, task, deviation, name, expected):
    client.force_login(cast[name])
    response = client.post(reverse("web:release", args=[task.pk]), {"next": reverse("web:inbox")})
    task.refresh_from_db()
    if expected == "may":  # the owner, and the SAS of the unit's board
        assert response.status_code == 302 and response["Location"] == reverse("web:inbox")
        assert task.owner_id is None and task.status == STATUS.NEW
        event = AuditEvent.objects.filter(action="task.released", report_id=deviation.pk).get()
        assert event.actor_id == cast[name].pk and event.payload["from_owner"] == cast["manager_a"].pk
    else:
        assert response.status_code == expected
        assert task.owner == cast["manager_a"]


def test_releasing_a_task_nobody_holds_says_so(client, cast, task):
    client.force_login(cast["manager_a"])
    first = client.post(reverse("web:release", args=[task.pk]), follow=True)
    assert [str(m) for m in first.context["messages"]] == ["Uppgiften är tillbaka i kön."]
    response = client.post(reverse("web:release", args=[task.pk]), follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Uppgiften är inte tilldelad någon."]


@TASK_STEPS.per_actor("name, expected")
def test_the_reassign_form_opens_only_for_the_units_manager_and_the_sas(client, cast, task, name, expected):
    client.force_login(cast[name])
    response = client.get(reverse("web:reassign", args=[task.pk]))
    if expected == "may":
        assert response.status_code == 200
        offered = {value for value, _label in response.context["form"].fields["user"].choices}
        # Those who may take the step: unit A's manager and the SAS; not the SAS of the other board.
        assert offered == {cast["manager_a"].pk, cast["sas"].pk}
    else:
        assert response.status_code == expected


def test_reassigning_hands_the_task_over_audited(client, cast, task, deviation):
    client.force_login(cast["manager_a"])
    case_url = reverse("web:case", args=[deviation.pk])
    response = client.post(
        reverse("web:reassign", args=[task.pk]), {"user": cast["sas"].pk, "next": case_url}
    )
    assert response.status_code == 302 and response["Location"] == case_url
    task.refresh_from_db()
    assert task.owner == cast["sas"]
    event = AuditEvent.objects.get(action="task.reassigned", report_id=deviation.pk)
    assert event.actor_id == cast["manager_a"].pk and event.payload["owner"] == cast["sas"].pk
    client.force_login(cast["sas"])
    assert deviation.case_number in client.get(reverse("web:inbox")).content.decode()


@pytest.mark.parametrize("who", ["outsider", "sas_other", "reporter"])
def test_reassigning_to_someone_who_may_not_take_the_task_is_refused_on_the_form(client, cast, task, who):
    client.force_login(cast["sas"])
    response = client.post(reverse("web:reassign", args=[task.pk]), {"user": cast[who].pk})
    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert 'id="error-summary"' in response.content.decode()
    task.refresh_from_db()
    assert task.owner == cast["manager_a"]
    assert not AuditEvent.objects.filter(action="task.reassigned").exists()


def test_a_task_from_the_queue_can_be_reassigned_too(client, cast, deviation):
    queued = tasks_for(cast["sas"], "queue").get(process__caseprocess__report=deviation)
    client.force_login(cast["sas"])
    client.post(reverse("web:reassign", args=[queued.pk]), {"user": cast["manager_a"].pk})
    queued.refresh_from_db()
    assert queued.owner == cast["manager_a"] and queued.status == STATUS.ASSIGNED


def test_the_inbox_offers_release_and_reassign_as_plain_forms(client, cast, task, deviation):
    client.force_login(cast["manager_a"])
    page = client.get(reverse("web:inbox")).content.decode()
    assert f'<form method="post" action="{reverse("web:release", args=[task.pk])}"' in page
    assert reverse("web:reassign", args=[task.pk]) in page
    client.force_login(cast["decision_maker"])  # sees the case, holds no task step on it
    page = client.get(reverse("web:inbox")).content.decode()
    assert reverse("web:release", args=[task.pk]) not in page


@pytest.mark.parametrize(
    "name, take, release, reassign",
    [
        ("manager_a", False, True, True),
        ("sas", False, True, True),
        ("reporter", False, False, False),
        ("decision_maker", False, False, False),
    ],
)
def test_the_case_page_offers_the_task_steps_this_user_may_use(
    client, cast, task, deviation, name, take, release, reassign
):
    client.force_login(cast[name])
    page = client.get(reverse("web:case", args=[deviation.pk])).content.decode()
    assert (reverse("web:claim", args=[task.pk]) in page) is take
    assert (reverse("web:release", args=[task.pk]) in page) is release
    assert (reverse("web:reassign", args=[task.pk]) in page) is reassign


def test_the_case_page_offers_an_unclaimed_task_to_take(client, cast, deviation):
    queued = tasks_for(cast["sas"], "queue").get(process__caseprocess__report=deviation)
    client.force_login(cast["sas"])
    page = client.get(reverse("web:case", args=[deviation.pk])).content.decode()
    assert reverse("web:claim", args=[queued.pk]) in page
    assert reverse("web:release", args=[queued.pk]) not in page
    response = client.post(
        reverse("web:claim", args=[queued.pk]), {"next": reverse("web:case", args=[deviation.pk])}
    )
    assert response["Location"] == reverse("web:case", args=[deviation.pk])
    queued.refresh_from_db()
    assert queued.owner == cast["sas"]
