"""The corrections over the API as the fixed cast: ``POST /api/v1/reports/{id}/reopen/``,
``withdraw/``, ``merge/``, ``description/``; and routing a complaint to a deviation as linked
cases (``links/``). Out of scope 404, in scope without the right 403, 409 in the wrong state."""

import pytest

from cases.models import AuditEvent, Report, ReportLink
from tests.api.helpers import EVERYONE, rolled_back, url
from tests.factories import file, walk_to
from tests.matrix import Matrix

CAST = [*EVERYONE, "admin_sn", "leadership"]

CORRECTING = {"manager_a": 200, "sas": 200, "reporter": 403, "decision_maker": 403}
ENDPOINTS = Matrix(
    CAST,
    {"reopen": CORRECTING, "withdraw": CORRECTING, "merge": CORRECTING, "description": CORRECTING},
    default=404,
)
# A complaint of unit A: its handlers route it; the reporter and the decision maker read it.
ROUTING = Matrix.of(CAST, {"manager_a": 201, "sas": 201, "reporter": 403, "decision_maker": 403}, default=404)


@pytest.fixture
def cases(cast, org):
    return {
        "open": file("deviation", cast["reporter"], org.unit_a),
        "closed": walk_to(file("deviation", cast["reporter"], org.unit_a), None, cast),
        "survivor": file("deviation", cast["reporter"], org.unit_a),
    }


def body(name, cases):
    return {
        "reopen": {"reason": "Nya uppgifter."},
        "withdraw": {"reason": "Av misstag."},
        "merge": {"survivor": cases["survivor"].case_number, "reason": "Dubblett."},
        "description": {"description": "Ny text.", "reason": ""},
    }[name]


@ENDPOINTS.per_row("name, expected")
def test_who_may_make_each_correction(name, expected, cases, client_as):
    report = cases["closed"] if name == "reopen" else cases["open"]
    for member, outcome in expected.items():
        with rolled_back():
            response = client_as(member).post(url(report, name), body(name, cases), format="json")
            assert response.status_code == outcome, (member, response.content)
            if outcome == 200:
                assert response.json()["id"] == report.pk


def test_reopen_answers_with_the_case_open_again(cases, client_as):
    response = client_as("sas").post(
        url(cases["closed"], "reopen"), {"reason": "Nya uppgifter."}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "followed_up" and data["closed_at"] is None
    assert [c["kind"] for c in data["corrections"]] == ["reopened"]
    assert [t["step"] if "step" in t else t for t in data["open_tasks"]]


def test_merge_answers_with_the_survivor_named_and_both_linked(cases, client_as):
    duplicate, survivor = cases["open"], cases["survivor"]
    response = client_as("manager_a").post(url(duplicate, "merge"), body("merge", cases), format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "merged"
    assert data["merged_into"] == {
        "id": survivor.pk,
        "case_number": survivor.case_number,
        "type": "deviation",
    }
    assert ReportLink.objects.filter(source=duplicate, target=survivor).exists()


def test_wrong_state_is_409_and_bad_input_400(cases, client_as):
    client = client_as("sas")
    assert client.post(url(cases["open"], "reopen"), {"reason": "x"}, format="json").status_code == 409
    response = client.post(url(cases["open"], "withdraw"), {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(
        url(cases["open"], "description"), {"description": cases["open"].description}, format="json"
    )
    assert response.status_code == 400 and "description" in response.json()
    assert Report.objects.get(pk=cases["open"].pk).state == "reported"


def test_the_description_versions_are_in_the_case(cases, client_as):
    report = cases["open"]
    original = report.description
    client_as("manager_a").post(url(report, "description"), {"description": "Ny text."}, format="json")
    data = client_as("decision_maker").get(url(report)).json()
    assert data["description"] == "Ny text."
    assert [(c["kind"], c["previous_text"]) for c in data["corrections"]] == [("description", original)]


@ROUTING.per_actor("member, expected")
def test_a_complaint_routes_to_a_deviation_as_linked_cases(member, expected, cast, org, client_as):
    complaint = file("complaint", cast["reporter"], org.unit_a)
    response = client_as(member).post(
        url(complaint, "links"),
        {"target_type": "deviation", "reason": "En avvikelse i omsorgen."},
        format="json",
    )
    assert response.status_code == expected, response.content
    links = ReportLink.objects.filter(source=complaint)
    if expected == 201:
        (link,) = links
        assert link.target.type == "deviation" and link.target.state == "reported"
        assert link.target.description == complaint.description
        assert AuditEvent.objects.filter(action="report.routed", report_id=complaint.pk).exists()
    else:
        assert not links.exists()
