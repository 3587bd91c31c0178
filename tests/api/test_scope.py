"""No list or detail shows a case outside the user's scope, and each sees what their role
allows: the reporter follows their report, those who work on it see all of it."""

import pytest

from cases.services import do_add_affected_person, do_route, do_transition
from tests.api.helpers import EVERYONE, Case, url
from tests.factories import file, transition_data, walk_to
from tests.matrix import Matrix


@pytest.fixture
def cases(cast, org):
    """Cases of both boards, filed by different people."""
    reporter, outsider, sas_other = cast["reporter"], cast["outsider"], cast["sas_other"]
    return {
        "A deviation": file("deviation", reporter, org.unit_a),
        "A complaint": file("complaint", reporter, org.unit_a),
        "A lex Sarah": file("lex_sarah", reporter, org.unit_a),
        "A breach": file("data_breach", reporter, org.unit_a),
        "B deviation": file("deviation", outsider, org.unit_b),
        "B breach": file("data_breach", outsider, org.unit_b),
        "C deviation": file("deviation", sas_other, org.unit_c),
        "C lex Sarah": file("lex_sarah", sas_other, org.unit_c),
    }


A_CASES = {"A deviation", "A complaint", "A lex Sarah"}
SCOPE = Matrix.of(
    EVERYONE,
    {
        "reporter": A_CASES | {"A breach"},
        "manager_a": A_CASES,
        "manager_b": {"B deviation"},
        "sas": A_CASES | {"A breach", "B deviation", "B breach"},
        "decision_maker": A_CASES | {"B deviation"},
        "dso": {"A breach", "B breach"},
        "outsider": {"B deviation", "B breach"},
        "sas_other": {"C deviation", "C lex Sarah"},
    },
)


@SCOPE.per_actor("member, scope")
def test_the_list_shows_exactly_the_cases_in_scope(member, scope, cases, client_as):
    listed = {item["id"] for item in client_as(member).get("/api/v1/reports/").json()["results"]}
    assert listed == {cases[name].pk for name in scope}


@SCOPE.per_actor("member, scope")
def test_every_case_outside_the_scope_is_not_found(member, scope, cases, client_as):
    client = client_as(member)
    found = {name for name, report in cases.items() if client.get(url(report)).status_code == 200}
    assert found == scope


def test_it_hides_another_boards_case_in_list_filters_too(cases, client_as, org):
    client = client_as("sas_other")
    assert client.get("/api/v1/reports/", {"unit": org.unit_a.pk}).json()["results"] == []
    assert client.get("/api/v1/reports/", {"unit": org.unit_c.pk}).json()["count"] == 2
    assert client_as("sas").get("/api/v1/reports/", {"unit": org.unit_c.pk}).json()["results"] == []


def test_the_list_filters_by_type_state_and_unit(cases, client_as, org):
    client = client_as("sas")
    assert {r["id"] for r in client.get("/api/v1/reports/", {"type": "data_breach"}).json()["results"]} == {
        cases["A breach"].pk,
        cases["B breach"].pk,
    }
    assert (
        client.get("/api/v1/reports/", {"state": "received"}).json()["results"][0]["id"]
        == cases["A complaint"].pk
    )
    assert client.get("/api/v1/reports/", {"unit": org.unit_b.pk, "type": "deviation"}).json()["count"] == 1


def test_a_reporter_sees_the_status_of_their_report_but_not_its_investigation(cast, org, client_as):
    case = Case(cast, org, "deviation", "assessed").having("person")
    body = client_as("reporter").get(url(case.report)).json()
    assert body["representation"] == "reduced"
    assert {"state", "state_label", "description", "reported_at", "unit", "namnd", "case_number"} <= set(body)
    assert not {"persons", "investigation_entries", "actions", "causes", "timeline", "risk", "links"} & set(
        body
    )
    assert body["decision"] is None


def test_a_reporter_reads_the_reply_to_a_complaint_and_the_decision_once_closed(cast, org, client_as):
    report = walk_to(file("complaint", cast["reporter"], org.unit_a), "answered", cast)
    assert client_as("reporter").get(url(report)).json()["reply"].startswith("Tack")
    assert client_as("reporter").get(url(report)).json()["decision"] is None
    do_transition(
        report.pk, "close", acting_user=cast["manager_a"], data=transition_data(report, "close", cast)
    )
    assert client_as("reporter").get(url(report)).json()["decision"].startswith("Avslutas")


@pytest.mark.parametrize("member", ["manager_a", "sas", "decision_maker"])
def test_those_who_work_on_or_view_a_case_see_all_of_it(member, cast, org, client_as):
    case = Case(cast, org, "lex_sarah", "investigating").having("person", "action", "entry", "notification")
    body = client_as(member).get(url(case.report)).json()
    assert body["representation"] == "full"
    assert [p["id"] for p in body["persons"]] == [case.person.pk]
    assert body["actions"][0]["causes"] == [case.cause.pk]
    assert body["actions"][0]["owner"]["id"] == cast["reporter"].pk
    assert [e["id"] for e in body["investigation_entries"]] == [case.entry.pk]
    assert body["notifications"][0]["state"] == "decided"
    assert body["delegation_decisions"][0]["kind"] == "notify_ivo"
    assert body["timeline"][0]["action"] == "report.filed"
    assert {c["name"] for c in body["categories"]}


def test_a_protected_identity_is_masked_for_those_without_the_right_role(cast, org, client_as):
    report = file("deviation", cast["reporter"], org.unit_a)
    do_add_affected_person(
        report.pk,
        acting_user=cast["manager_a"],
        data={"name": "Skyddad Person", "personnummer": "19121212-1212", "protected_identity": True},
    )
    as_manager = client_as("manager_a").get(url(report, "persons")).json()[0]
    as_sas = client_as("sas").get(url(report, "persons")).json()[0]
    assert (as_manager["name"], as_manager["personnummer"], as_manager["masked"]) == ("", "", True)
    assert (as_sas["name"], as_sas["masked"]) == ("Skyddad Person", False)
    assert client_as("manager_a").get(url(report)).json()["persons"][0]["name"] == ""


def test_a_linked_case_the_user_may_not_open_shows_only_its_number_and_type(cast, org, client_as):
    report = file("deviation", cast["reporter"], org.unit_a)
    breach = do_route(
        report.pk,
        acting_user=cast["manager_a"],
        data={"target_type": "data_breach", "reason": "Journal skickad till fel mottagare."},
    )
    as_manager = client_as("manager_a").get(url(report, "links")).json()
    as_sas = client_as("sas").get(url(report, "links")).json()
    assert as_manager == [
        {
            "direction": "to",
            "visible": False,
            "report": {"case_number": breach.case_number, "type": "data_breach"},
        }
    ]
    assert as_sas[0]["report"]["id"] == breach.pk and as_sas[0]["visible"]
    assert client_as("manager_a").get(url(breach)).status_code == 404
