"""Substitutes (ersättare) hold the absent person's roles while the absence lasts: lent on the
absent person's units only, never ``administrator``, and every action taken on a lent role is
audited on the absent person's behalf."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import selectors
from cases.access import role_scope
from cases.clock_jobs import fire_clocks
from cases.events import case_event
from cases.models import AuditEvent, Role
from cases.services import CaseNotFound, do_grant_role, do_transition
from tests.api.helpers import url
from tests.factories import file, transition_data
from tests.workflows.helpers import listed_ids
from workflows.models import Substitute


def fresh(user):
    """The user as a new request would load them (no role scope cached yet)."""
    return get_user_model().objects.get(pk=user.pk)


def absence(person, substitute, *, starts=-1, ends=24):
    now = timezone.now()
    return Substitute.objects.create(
        person=person,
        substitute=substitute,
        starts_at=now + datetime.timedelta(hours=starts),
        ends_at=now + datetime.timedelta(hours=ends),
    )


def assess(report, user):
    return do_transition(report.pk, "assess", acting_user=user, data=transition_data(report, "assess"))


@pytest.mark.parametrize("starts, ends", [(2, 24), (-24, -1)], ids=["before", "after"])
def test_a_substitute_has_no_lent_role_before_or_after_the_absence(starts, ends, cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    absence(cast["manager_a"], cast["outsider"], starts=starts, ends=ends)
    outsider = fresh(cast["outsider"])
    assert role_scope(outsider).roles == set()
    assert not selectors.report_list(outsider).filter(pk=report.pk).exists()
    with pytest.raises(CaseNotFound):
        assess(report, outsider)


def test_during_the_absence_the_substitute_acts_on_the_absent_persons_behalf(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    absence(cast["manager_a"], cast["outsider"])
    outsider = fresh(cast["outsider"])
    assert role_scope(outsider).roles == {Role.UNIT_MANAGER}
    assert list(selectors.report_list(outsider).values_list("pk", flat=True)) == [report.pk]
    assess(report, outsider)
    row = AuditEvent.objects.get(action="report.assess")
    assert row.actor_id == outsider.pk and row.payload["on_behalf_of"] == cast["manager_a"].pk


def test_the_lent_role_ends_with_the_absence_on_a_long_lived_user_object(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    outsider = fresh(cast["outsider"])
    away = absence(cast["manager_a"], outsider, starts=-1, ends=1)
    assert selectors.report_detail(outsider, report.pk) is not None
    later = timezone.now() + datetime.timedelta(hours=2)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        assert selectors.report_detail(outsider, report.pk) is None
        with pytest.raises(CaseNotFound):
            assess(report, outsider)
    assert away.ends_at < later


def test_acting_on_an_own_role_is_not_on_anyones_behalf(cast, org):
    """manager_b stands in for manager_a: on unit B they act as themselves, on unit A for manager_a."""
    in_b = file("deviation", cast["reporter"], org.unit_b)
    in_a = file("deviation", cast["reporter"], org.unit_a)
    absence(cast["manager_a"], cast["manager_b"])
    manager_b = fresh(cast["manager_b"])
    assess(in_b, manager_b)
    assess(in_a, manager_b)
    rows = {row.report_id: row.payload for row in AuditEvent.objects.filter(action="report.assess")}
    assert "on_behalf_of" not in rows[in_b.pk]
    assert rows[in_a.pk]["on_behalf_of"] == cast["manager_a"].pk


def test_the_administrator_role_is_never_lent(cast, org):
    do_grant_role(cast["manager_a"], Role.ADMINISTRATOR, org.unit_a, acting_user=None)
    absence(cast["manager_a"], cast["outsider"])
    outsider = fresh(cast["outsider"])
    assert role_scope(outsider).roles == {Role.UNIT_MANAGER}
    with pytest.raises(PermissionDenied):
        do_grant_role(cast["reporter"], Role.UNIT_MANAGER, org.unit_a, acting_user=outsider)


def test_lent_roles_reach_only_the_absent_persons_units(cast, org, client_as):
    in_a = file("deviation", cast["reporter"], org.unit_a)
    in_b = file("deviation", cast["reporter"], org.unit_b)
    in_c = file("deviation", cast["reporter"], org.unit_c)
    absence(cast["manager_a"], cast["outsider"])
    outsider = fresh(cast["outsider"])
    assert set(selectors.report_list(outsider).values_list("pk", flat=True)) == {in_a.pk}
    for report in (in_b, in_c):
        with pytest.raises(CaseNotFound):
            assess(report, outsider)
    client = client_as("outsider")
    assert client.get(url(in_a)).status_code == 200
    assert client.get(url(in_b)).status_code == 404
    assert (
        client.post(
            url(in_b, "transitions", "assess"), transition_data(in_b, "assess"), format="json"
        ).status_code
        == 404
    )


def test_a_deactivated_absent_person_lends_nothing(cast, org):
    file("deviation", cast["reporter"], org.unit_a)
    absence(cast["manager_a"], cast["outsider"])
    type(cast["manager_a"]).objects.filter(pk=cast["manager_a"].pk).update(is_active=False)
    assert role_scope(fresh(cast["outsider"])).roles == set()


def test_the_substitutes_queue_holds_the_absent_persons_unit_tasks(cast, org, client_as):
    report = file("deviation", cast["reporter"], org.unit_a)
    file("deviation", cast["reporter"], org.unit_b)
    assert listed_ids(client_as("outsider"), "queue") == set()
    absence(cast["manager_a"], cast["outsider"])
    cast["outsider"].__dict__.pop("_role_scope", None)
    queue = client_as("outsider").get("/api/v1/tasks/", {"scope": "queue"}).json()["results"]
    assert [task["case"]["id"] for task in queue] == [report.pk]


# --- Clock warnings and overdue notices reach the substitute --------------------------------

SE = zoneinfo.ZoneInfo("Europe/Stockholm")


@pytest.fixture
def clock_events(django_capture_on_commit_callbacks):
    sent = []

    def receiver(sender, name, report_id, actor_id, data, **kwargs):
        if name.startswith("clock."):
            sent.append((name, data))

    case_event.connect(receiver, weak=False)
    yield sent
    case_event.disconnect(receiver)


def fire_at(moment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return fire_clocks(moment)


def test_a_clock_warning_reaches_the_substitute_of_the_absent_holder_during_the_absence_only(
    cast, org, clock_events, django_capture_on_commit_callbacks
):
    friday = datetime.datetime(2026, 11, 20, 16, 30, tzinfo=SE)
    with time_machine.travel(friday + datetime.timedelta(minutes=20), tick=False):
        file("data_breach", cast["reporter"], org.unit_a, discovered_at=friday.isoformat())
    # The DSO is away over the first warning (24 h left, Sunday 16:30), back for the second (6 h left).
    Substitute.objects.create(
        person=cast["dso"],
        substitute=cast["outsider"],
        starts_at=friday,
        ends_at=datetime.datetime(2026, 11, 23, 8, 0, tzinfo=SE),
    )
    assert (
        fire_at(datetime.datetime(2026, 11, 22, 16, 30, tzinfo=SE), django_capture_on_commit_callbacks) == 1
    )
    assert (
        fire_at(datetime.datetime(2026, 11, 23, 10, 30, tzinfo=SE), django_capture_on_commit_callbacks) == 1
    )
    assert [(name, data["hours_left"], data["user_ids"]) for name, data in clock_events] == [
        ("clock.warning", 24, sorted([cast["dso"].pk, cast["outsider"].pk])),
        ("clock.warning", 6, [cast["dso"].pk]),
    ]


def test_an_overdue_notice_and_its_escalation_reach_the_substitutes(
    cast, org, clock_events, django_capture_on_commit_callbacks
):
    area_manager = get_user_model().objects.create_user(username="area_manager", password="x")
    do_grant_role(area_manager, Role.UNIT_MANAGER, org.unit_a.parent, acting_user=None)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SE), tick=False):
        file("deviation", cast["reporter"], org.unit_a)
    away = dict(
        starts_at=datetime.datetime(2026, 11, 30, 8, 0, tzinfo=SE),
        ends_at=datetime.datetime(2026, 12, 14, 8, 0, tzinfo=SE),
    )
    Substitute.objects.create(person=cast["manager_a"], substitute=cast["manager_b"], **away)
    Substitute.objects.create(person=area_manager, substitute=cast["outsider"], **away)
    fire_at(datetime.datetime(2026, 12, 1, 0, 30, tzinfo=SE), django_capture_on_commit_callbacks)
    fire_at(datetime.datetime(2026, 12, 2, 0, 30, tzinfo=SE), django_capture_on_commit_callbacks)
    assert [(name, data["user_ids"]) for name, data in clock_events] == [
        ("clock.overdue", sorted([cast["manager_a"].pk, cast["manager_b"].pk])),
        ("clock.escalated", sorted([area_manager.pk, cast["outsider"].pk])),
    ]


def test_the_escalation_of_an_unclaimed_task_reaches_the_substitute_of_the_absent_manager(cast, org):
    from workflows.escalation import escalate_unclaimed
    from workflows.models import TaskEscalation

    department_manager = get_user_model().objects.create_user(username="avdelningschef")
    do_grant_role(department_manager, Role.UNIT_MANAGER, org.unit_a.parent, acting_user=None)
    file("deviation", cast["reporter"], org.unit_a)
    now = timezone.now() + datetime.timedelta(days=5)
    Substitute.objects.create(
        person=department_manager,
        substitute=cast["outsider"],
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=1),
    )
    assert escalate_unclaimed(now) == 1
    assert TaskEscalation.objects.get().user_ids == sorted([department_manager.pk, cast["outsider"].pk])
