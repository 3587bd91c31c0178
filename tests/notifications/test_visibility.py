"""A notification names a case (its number and type): it is shown, counted and e-mailed only
while its recipient may know of the case. A role revoked hides the notifications about the
cases it opened, on the page, in the API, in the header's count and in e-mails not yet sent;
the role granted again brings them back (notifications/selectors.py)."""

import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.events import case_event
from cases.models import Role
from cases.services import do_grant_role, do_revoke_role
from notifications.jobs import daily_digest, weekly_manager_digest
from notifications.models import Delivery, Notification, NotificationRule, Position, Preference, RuleRecipient
from tests.factories import file
from tests.notifications.conftest import run_tasks
from tests.notifications.test_preferences_and_digests import MONDAY_8
from tests.queries import assert_num_queries

# Each member of the cast with a role, where it is granted, and a type of case it lets them see.
ROLES = {
    "manager_a": (Role.UNIT_MANAGER, "unit_a", "deviation"),
    "sas": (Role.SAS, "sn", "lex_sarah"),
    "decision_maker": (Role.DECISION_MAKER, "sn", "complaint"),
    "dso": (Role.DSO, "sn", "data_breach"),
}
BELL = re.compile(r'class="notification-bell"[^>]*>[^<]*?(\d+)')


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    """A task on ``report`` for ``users``, as the workflow announces it; the e-mails are
    queued, not yet sent."""

    def notify(report, *users):
        with django_capture_on_commit_callbacks(execute=True):
            case_event.send(
                sender=None,
                name="task.assigned",
                report_id=report.pk,
                actor_id=None,
                data={"task_id": report.pk, "step": "assess", "user_ids": [u.pk for u in users]},
            )
        return Notification.objects.filter(report=report, user__in=users).get()

    return notify


def shown(user):
    """(the page lists the case numbers, the API's case numbers, the header's count): each
    request with a fresh user, as a signed-in user's next request has."""
    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_login(user)
    page = web.get("/notifications/").content.decode()
    listed = re.findall(r'<a href="[^"]*/cases/\d+/">([^:<]+):', page)
    return (
        listed,
        [n["case_number"] for n in api.get("/api/v1/notifications/").json()["results"]],
        int(BELL.search(page).group(1)),
    )


@pytest.mark.parametrize("name", ROLES)
def test_a_revoked_role_hides_the_notification_and_a_new_grant_brings_it_back(name, cast, org, notify):
    role, where, report_type = ROLES[name]
    user, unit = cast[name], getattr(org, where)
    report = file(report_type, cast["reporter"], org.unit_a)
    notification = notify(report, user)
    assert shown(user) == ([report.case_number], [report.case_number], 1)

    do_revoke_role(user, role, unit, acting_user=None)

    assert shown(user) == ([], [], 0)
    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_login(user)
    assert web.post(f"/notifications/{notification.pk}/read/").status_code == 404
    assert api.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 0}

    do_grant_role(user, role, unit, acting_user=None)

    assert shown(user) == ([report.case_number], [report.case_number], 1)


def test_a_case_seen_in_two_ways_stays_while_one_remains(cast, org, notify):
    """The unit manager's own report stays theirs when the role goes; the unit's other case does not."""
    own = file("deviation", cast["manager_a"], org.unit_a)
    other = file("deviation", cast["reporter"], org.unit_a)
    notify(own, cast["manager_a"]), notify(other, cast["manager_a"])

    do_revoke_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)

    assert shown(cast["manager_a"]) == ([own.case_number], [own.case_number], 1)


def test_a_rule_naming_someone_who_may_not_see_the_case_shows_and_sends_them_nothing(
    cast, org, smtp, django_capture_on_commit_callbacks
):
    rule = NotificationRule.objects.create(event="report.filed", report_type="deviation", kind="new_report")
    RuleRecipient.objects.create(rule=rule, who="user", user=cast["outsider"])
    with django_capture_on_commit_callbacks(execute=True):
        report = file("deviation", cast["reporter"], org.unit_a)
    run_tasks()

    assert Notification.objects.filter(user=cast["outsider"], report=report).exists()
    assert shown(cast["outsider"]) == ([], [], 0)
    assert smtp.to("outsider@kommun.example") == []
    assert Delivery.objects.get(user=cast["outsider"]).status == Delivery.Status.WITHHELD


def test_a_position_holder_hears_of_the_boards_cases_while_holding_the_position(
    cast, org, django_user_model, django_capture_on_commit_callbacks
):
    """The nämnd chair holds no role and may not open the case, but the routine says they hear of
    every new lex Sarah report of their board: by the position, for as long as they hold it."""
    chair = django_user_model.objects.create_user(username="chair", email="chair@kommun.example")
    position = Position.objects.create(code="namnd_chair", name="Ordförande", unit=org.sn, user=chair)
    with django_capture_on_commit_callbacks(execute=True):
        report = file("lex_sarah", cast["reporter"], org.unit_a)
    assert shown(chair) == ([report.case_number], [report.case_number], 1)

    position.unit = org.on
    position.save()
    assert shown(chair) == ([], [], 0)

    position.unit = org.sn
    position.save()
    assert shown(chair) == ([report.case_number], [report.case_number], 1)
    position.delete()
    assert shown(chair) == ([], [], 0)


@pytest.mark.parametrize("how_many", [2, 20])
def test_the_centre_costs_the_same_whatever_it_holds_and_hides(how_many, cast, org, notify):
    mine = [file("deviation", cast["reporter"], org.unit_a) for _ in range(how_many)]
    not_mine = [file("deviation", cast["reporter"], org.unit_b) for _ in range(how_many)]
    for report in mine + not_mine:
        notify(report, cast["manager_a"])
    web, api = Client(), APIClient()
    web.force_login(cast["manager_a"])
    api.force_login(cast["manager_a"])

    # session, user, the user's roles, count, page, the header bell's count
    with assert_num_queries(6):
        page = web.get("/notifications/").content.decode()
    with assert_num_queries(5):  # session, user, the user's roles, count, page
        body = api.get("/api/v1/notifications/").json()

    assert body["count"] == how_many and int(BELL.search(page).group(1)) == how_many
    assert {n["case_number"] for n in body["results"]} == {r.case_number for r in mine}


def test_an_email_not_yet_sent_is_withheld_when_the_role_is_revoked(cast, org, smtp, notify):
    report = file("deviation", cast["reporter"], org.unit_a)
    notify(report, cast["manager_a"])
    do_revoke_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)

    run_tasks()

    assert smtp.to("manager_a@kommun.example") == []
    assert Delivery.objects.get(user=cast["manager_a"]).status == Delivery.Status.WITHHELD


def test_a_daily_summary_leaves_out_the_cases_no_longer_visible(
    cast, org, smtp, notify, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_DIGEST_HOUR = 0
    Preference.objects.create(user=cast["manager_a"], kind="task", mode="daily")
    own = file("deviation", cast["manager_a"], org.unit_a)
    other = file("deviation", cast["reporter"], org.unit_a)
    notify(own, cast["manager_a"]), notify(other, cast["manager_a"])
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digest(timezone.now()) == 1
    do_revoke_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)

    run_tasks()

    [mail] = smtp.to("manager_a@kommun.example")
    assert own.case_number in mail.text and other.case_number not in mail.text
    assert other.case_number not in mail.html
    assert mail.subject == "Daglig sammanfattning: 1 avisering"


def test_a_daily_summary_with_nothing_left_is_withheld(
    cast, org, smtp, notify, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_DIGEST_HOUR = 0
    Preference.objects.create(user=cast["manager_a"], kind="task", mode="daily")
    notify(file("deviation", cast["reporter"], org.unit_a), cast["manager_a"])
    with django_capture_on_commit_callbacks(execute=True):
        daily_digest(timezone.now())
    do_revoke_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)

    run_tasks()

    assert smtp.received == []
    assert Delivery.objects.get(template="digest").status == Delivery.Status.WITHHELD


def test_a_weekly_summary_not_yet_sent_is_withheld_when_the_role_is_revoked(
    cast, org, smtp, django_capture_on_commit_callbacks
):
    file("deviation", cast["reporter"], org.unit_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_manager_digest(MONDAY_8) == 1
    do_revoke_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)

    run_tasks()

    assert smtp.received == []
    assert Delivery.objects.get(template="weekly").status == Delivery.Status.WITHHELD
