"""The clocks on a case's detail and the per-unit overdue list, as every member of the cast."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import CaseClock
from cases.services import do_add_action, do_add_cause, do_notification_transition, do_transition
from tests.api.helpers import EVERYONE, url
from tests.factories import ago, file, transition_data, walk_to
from tests.matrix import Matrix
from tests.queries import assert_num_queries

CLOCK_FIELDS = {"code", "name", "basis", "citation", "started_at", "due_at", "stopped_at", "overdue", "late"}


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def overdue(cast, org):
    """In unit A: a deviation past its assessment deadline with an action past its due date,
    and a breach past its 72 hours. In unit B and in the other board: one overdue case each."""
    with time_machine.travel(days_ago(10), tick=False):
        deviation = file("deviation", cast["reporter"], org.unit_a)
        b_deviation = file("deviation", cast["outsider"], org.unit_b)
        c_deviation = file("deviation", cast["sas_other"], org.unit_c)
    walk_to(deviation, "assessed", cast)  # stops the assessment clock, late
    cause = do_add_cause(
        deviation.pk, acting_user=cast["manager_a"], data={"description": "Rutinen var okänd."}
    )
    action = do_add_action(
        deviation.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Gå igenom rutinen.",
            "kind": "corrective",
            "causes": [cause.pk],
            "owner": cast["manager_a"].pk,
            "due_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        },
    )
    with time_machine.travel(days_ago(40), tick=False):
        old = file("deviation", cast["reporter"], org.unit_a)
    breach = file("data_breach", cast["reporter"], org.unit_a, discovered_at=ago(hours=80))
    return {
        "deviation": deviation,
        "old": old,
        "action": action,
        "breach": breach,
        "b": b_deviation,
        "c": c_deviation,
    }


DETAIL = Matrix.of(  # member → (status, clocks shown) for the deviation in unit A
    EVERYONE,
    {
        "reporter": (200, False),
        "manager_a": (200, True),
        "manager_b": (404, False),
        "sas": (200, True),
        "decision_maker": (200, True),
        "dso": (404, False),
        "outsider": (404, False),
        "sas_other": (404, False),
    },
)


@DETAIL.per_actor("member, expected")
def test_the_detail_shows_the_clocks_to_those_who_work_on_or_view_the_case(
    member, expected, overdue, client_as
):
    response = client_as(member).get(url(overdue["deviation"]))
    status, shown = expected
    assert response.status_code == status
    if status != 200:
        return
    body = response.json()
    assert ("clocks" in body) is shown
    if shown:
        clocks = {clock["code"]: clock for clock in body["clocks"]}
        assert set(clocks) == {"deviation-assessment", "deviation-investigation"}
        assert set(clocks["deviation-assessment"]) == CLOCK_FIELDS
        assert (
            clocks["deviation-assessment"]["late"] is True
            and clocks["deviation-assessment"]["overdue"] is False
        )
        assert clocks["deviation-investigation"]["overdue"] is False
        assert clocks["deviation-investigation"]["stopped_at"] is None


def test_a_legal_clock_shows_its_citation_and_a_late_notification_stays_late(cast, org, client_as):
    report = walk_to(
        file("data_breach", cast["reporter"], org.unit_a, discovered_at=ago(hours=80)), "assessed", cast
    )
    do_transition(
        report.pk,
        "decide",
        acting_user=cast["dso"],
        data={**transition_data(report, "decide"), "delay_reason": "Omfattningen var oklar."},
    )
    notification = report.regulator_notifications.get()
    do_notification_transition(
        report.pk,
        notification.pk,
        "submit",
        acting_user=cast["dso"],
        data={"submitted_at": ago(minutes=1), "channel": "e_service"},
    )
    clocks = {clock["code"]: clock for clock in client_as("dso").get(url(report)).json()["clocks"]}
    imy = clocks["breach-imy-notification"]
    assert (
        imy["citation"] == "Art. 33 dataskyddsförordningen (EU) 2016/679"
        and imy["basis"] == "GDPR art. 33(1)"
    )
    assert (imy["late"], imy["overdue"]) == (True, False)
    assert (
        clocks["breach-imy-supplement"]["late"] is False
        and clocks["breach-imy-supplement"]["stopped_at"] is None
    )


OVERDUE_IN_A = Matrix.of(  # member → (status, overdue clocks' cases, actions' cases) for ?unit=<unit A>
    EVERYONE,
    {
        "reporter": (404, None, None),
        "manager_a": (200, {"old"}, {"deviation"}),
        "manager_b": (404, None, None),
        "sas": (200, {"old", "breach"}, {"deviation"}),
        "decision_maker": (404, None, None),
        "dso": (200, {"breach"}, set()),
        "outsider": (404, None, None),
        "sas_other": (404, None, None),
    },
)


def cases_in(body, part, overdue):
    names = {report.pk: name for name, report in overdue.items() if name != "action"}
    return {names[item["case"]["id"]] for item in body[part]}


@OVERDUE_IN_A.per_actor("member, expected")
def test_the_overdue_list_of_a_unit_is_for_its_managers_the_sas_and_the_dso(
    member, expected, overdue, client_as, org
):
    response = client_as(member).get("/api/v1/overdue/", {"unit": org.unit_a.pk})
    status, clocks, actions = expected
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert cases_in(body, "clocks", overdue) == clocks
        assert cases_in(body, "actions", overdue) == actions
        assert all(item["overdue"] for item in body["clocks"])


OVERDUE_ANYWHERE = (
    Matrix.of(  # member → overdue clocks' cases without ?unit: wherever they hold an overdue role
        EVERYONE,
        {
            "reporter": set(),
            "manager_a": {"old"},
            "manager_b": {"b"},
            "sas": {"old", "breach", "b"},
            "decision_maker": set(),
            "dso": {"breach"},
            "outsider": set(),
            "sas_other": {"c"},
        },
    )
)


@OVERDUE_ANYWHERE.per_actor("member, expected")
def test_without_a_unit_the_list_covers_the_users_own_units_only(member, expected, overdue, client_as):
    response = client_as(member).get("/api/v1/overdue/")
    assert response.status_code == 200
    assert cases_in(response.json(), "clocks", overdue) == expected


def test_an_unknown_unit_is_not_found_and_a_bad_one_is_a_field_error(overdue, client_as, org):
    client = client_as("sas")
    assert client.get("/api/v1/overdue/", {"unit": 10**9}).status_code == 404
    response = client.get("/api/v1/overdue/", {"unit": "A"})
    assert response.status_code == 400 and "unit" in response.json()
    assert client_as("manager_a").get("/api/v1/overdue/", {"unit": org.unit_b.pk}).status_code == 404
    assert client_as("sas").get("/api/v1/overdue/", {"unit": org.unit_c.pk}).status_code == 404


def test_the_overdue_list_is_a_logged_read(overdue, client_as, org):
    from cases.models import AuditEvent

    client_as("manager_a").get("/api/v1/overdue/", {"unit": org.unit_a.pk})
    row = AuditEvent.objects.filter(action="overdue.listed").get()
    assert row.payload["report_ids"] == sorted([overdue["old"].pk, overdue["deviation"].pk])


@pytest.mark.parametrize("how_many", [1, 8])
def test_the_overdue_list_takes_the_same_queries_for_1_or_8_cases(how_many, cast, org):
    with time_machine.travel(days_ago(40), tick=False):
        for _ in range(how_many):
            file("deviation", cast["reporter"], org.unit_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast['sas']).key}")
    # Token, the unit, the user's roles, the clocks, the actions, and the read log's append (the
    # chain's head, read with its lock, the row's insert, the head's upsert).
    with assert_num_queries(8):
        response = client.get("/api/v1/overdue/", {"unit": org.unit_a.pk})
    assert len(response.json()["clocks"]) == 2 * how_many  # assessment and investigation, both overdue
    assert CaseClock.objects.count() == 2 * how_many
