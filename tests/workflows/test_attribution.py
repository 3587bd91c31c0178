"""``on_behalf_of`` is exact: an audit row names an absent person if and only if the action it
records rested on that person's absence, decided by the service call that writes the row, never
by what an earlier call noted on the same (long-lived) user object."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import AuditEvent
from tests.api.helpers import Case
from workflows import selectors
from workflows.models import Substitute
from workflows.services import do_claim, do_release


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def absence(person, substitute):
    now = timezone.now()
    return Substitute.objects.create(
        person=person,
        substitute=substitute,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(days=1),
    )


def first_task_id(case):
    return selectors.open_tasks(case.report).values_list("pk", flat=True).first()


def rows(actor):
    return [
        (row.action, row.payload.get("on_behalf_of"))
        for row in AuditEvent.objects.filter(actor=actor, action__startswith="task.").order_by("seq")
    ]


def test_an_own_right_action_after_a_lent_role_one_on_the_same_user_object_is_on_no_ones_behalf(cast, org):
    """manager_b stands in for manager_a; on unit A's case the claim rests on the lent role, the
    release of their own task on having it, the next claim on the lent role again."""
    case = Case(cast, org, "deviation", "reported")
    task_id = first_task_id(case)
    absence(cast["manager_a"], cast["manager_b"])
    manager_b = fresh(cast["manager_b"])
    do_claim(task_id, acting_user=manager_b)
    do_release(task_id, acting_user=manager_b)
    do_claim(task_id, acting_user=manager_b)
    absent = cast["manager_a"].pk
    assert rows(manager_b) == [("task.claimed", absent), ("task.released", None), ("task.claimed", absent)]


def test_releasing_the_absent_owners_task_as_their_substitute_is_on_the_owners_behalf(cast, org):
    """No role check decides this release (the substitute stands in for the owner), so no note
    of a check can; the row still names the owner."""
    case = Case(cast, org, "deviation", "reported")
    task_id = first_task_id(case)
    do_claim(task_id, acting_user=fresh(cast["manager_a"]))
    absence(cast["manager_a"], cast["outsider"])
    outsider = fresh(cast["outsider"])
    do_release(task_id, acting_user=outsider)
    assert rows(outsider) == [("task.released", cast["manager_a"].pk)]


def test_the_sas_releasing_an_absent_owners_task_acts_on_their_own_role(cast, org):
    """The SAS also stands in for manager_a, but may release any task of the nämnd themselves."""
    case = Case(cast, org, "deviation", "reported")
    task_id = first_task_id(case)
    do_claim(task_id, acting_user=fresh(cast["manager_a"]))
    absence(cast["manager_a"], cast["sas"])
    sas = fresh(cast["sas"])
    do_release(task_id, acting_user=sas)
    do_claim(task_id, acting_user=sas)
    assert rows(sas) == [("task.released", None), ("task.claimed", None)]
