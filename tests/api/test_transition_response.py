"""What a transition answers: the whole case by default, nothing with ``Prefer: return=minimal``
(RFC 7240), so that a client completing many tasks does not pay for a representation it
does not read."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import AuditEvent, Report
from tests.api.helpers import EVERYONE, Case, audit_rows, rolled_back, url
from tests.factories import transition_data
from tests.queries import assert_num_queries

MINIMAL = {"HTTP_PREFER": "return=minimal"}

# The minimal path, per request, on SQLite and PostgreSQL (20): the token with its user; the
# transaction (a savepoint inside the test's, BEGIN/COMMIT outside: not counted there); the case
# with its unit, the user's role grants and the case's named investigators (read once for the
# permission check and the next task's assignee); the case's UPDATE and its clock's; the
# workflow (the process read with its lock, the open tasks, the task's UPDATE, the next task's
# INSERT and its link); the audit row (the chain's head, read with its lock, the INSERT and the
# head's upsert; PostgreSQL's advisory lock of the chain became the head's row lock); the
# monthly counts (the case with what it counted in before, its marks/persons/actions, the cells' upsert, the case's new cells). Nothing after that: no
# case read back, no read logged. The reference data the form checks (category, risk level,
# routing rule) comes from the process's copy (cases.reference_cache): three statements for
# the first request of a process, none after. Before 2026-12-03's fourth round: 29 (the
# whole month recounted, reference data read, the workflow lock in a savepoint of its own).
# Before the chain's head was sealed (issue 14): 19 on SQLite, 20 on PostgreSQL.
# The outbox and the request's transaction (issue 14) add 3: the event's outbox row (an INSERT in the transaction; its delivery after the
# commit is not counted here, the test's transaction never commits), and the request's own
# transaction (cases.request_transactions), which makes the service's a savepoint with its
# release, so that no answer of 5xx follows a commit.
# Every step assigned to a role notifies its holders (issue 17): the next step's task.waiting
# event adds its outbox row (an INSERT in the transaction).
MINIMAL_QUERIES = 24


def reads():
    return AuditEvent.objects.filter(chain="access").count()


@pytest.fixture
def by_token(cast):
    """A token client as one member of the cast, its user loaded afresh per request as in production."""

    def make(name):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast[name]).key}")
        return client

    return make


def assess(client, report, cast, **headers):
    return client.post(
        url(report, "transitions", "assess"),
        transition_data(report, "assess", cast),
        format="json",
        **headers,
    )


def test_by_default_the_answer_is_the_whole_case_and_that_read_is_logged(cast, org, by_token):
    report = Case(cast, org, "deviation", "reported").report
    before = reads()
    response = assess(by_token("manager_a"), report, cast)
    assert response.status_code == 200
    assert response.json()["state"] == "assessed" and "available_transitions" in response.json()
    assert "Preference-Applied" not in response
    assert "Prefer" in response["Vary"]
    assert reads() == before + 1


def test_return_representation_is_the_default_said_out_loud(cast, org, by_token):
    report = Case(cast, org, "deviation", "reported").report
    response = assess(by_token("manager_a"), report, cast, HTTP_PREFER="return=representation")
    assert response.status_code == 200 and response.json()["state"] == "assessed"
    assert response["Preference-Applied"] == "return=representation"


@pytest.mark.parametrize(
    "prefer",
    [
        "return=minimal",
        "RETURN=Minimal",
        'respond-async, return="minimal"',
        "handling=lenient, return=minimal; foo=bar",
    ],
)
def test_return_minimal_answers_204_with_where_the_case_is_and_logs_no_read(prefer, cast, org, by_token):
    report = Case(cast, org, "deviation", "reported").report
    before, changes = reads(), audit_rows("change")
    response = assess(by_token("manager_a"), report, cast, HTTP_PREFER=prefer)
    assert response.status_code == 204 and response.content == b""
    assert response["Preference-Applied"] == "return=minimal"
    assert response["Location"] == f"http://testserver{url(report)}"
    assert "Prefer" in response["Vary"]
    assert Report.objects.get(pk=report.pk).state == "assessed"
    assert audit_rows("change") == changes + 1  # the change is audited as always
    assert reads() == before  # no case data went out, so no read of it


def test_the_first_of_two_return_preferences_counts(cast, org, by_token):
    report = Case(cast, org, "deviation", "reported").report
    response = assess(
        by_token("manager_a"), report, cast, HTTP_PREFER="return=representation, return=minimal"
    )
    assert response.status_code == 200


def test_an_unknown_preference_is_ignored(cast, org, by_token):
    report = Case(cast, org, "deviation", "reported").report
    response = assess(by_token("manager_a"), report, cast, HTTP_PREFER="return=nothing-at-all")
    assert response.status_code == 200 and response.json()["state"] == "assessed"
    assert "Preference-Applied" not in response


def test_the_errors_are_the_same_with_return_minimal(cast, org, by_token):
    """404 outside the scope, 403 without the role, 409 in the wrong state, 400 for bad input:
    the preference changes only what a success answers."""
    report = Case(cast, org, "deviation", "reported").report
    data = transition_data(report, "assess", cast)
    for member in EVERYONE:
        with rolled_back():
            rows, before = audit_rows("change"), reads()
            response = by_token(member).post(
                url(report, "transitions", "assess"), data, format="json", **MINIMAL
            )
            if member in {"manager_a", "sas"}:
                assert response.status_code == 204, member
                assert audit_rows("change") == rows + 1
            else:
                expected = 403 if member in {"reporter", "decision_maker"} else 404
                assert response.status_code == expected, (member, response.status_code)
                assert audit_rows("change") == rows
            assert reads() == before
    client = by_token("manager_a")
    assert (
        client.post(
            url(report, "transitions", "assess"), {"probability": 9}, format="json", **MINIMAL
        ).status_code
        == 400
    )
    assert (
        client.post(
            url(report, "transitions", "close"), {"decision": "x"}, format="json", **MINIMAL
        ).status_code
        == 409
    )
    assert Report.objects.get(pk=report.pk).state == "reported"


def test_the_minimal_path_takes_a_pinned_number_of_queries(cast, org, by_token):
    report = Case(cast, org, "deviation", "reported").report
    client = by_token("manager_a")
    data = transition_data(report, "assess", cast)
    first = Case(cast, org, "deviation", "reported").report  # the process reads its reference data once
    assert client.post(url(first, "transitions", "assess"), data, format="json", **MINIMAL).status_code == 204
    with assert_num_queries(MINIMAL_QUERIES):
        response = client.post(url(report, "transitions", "assess"), data, format="json", **MINIMAL)
    assert response.status_code == 204


def test_the_schema_documents_the_preference():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/reports/{report_id}/transitions/{name}/"]["post"]
    prefer = next(p for p in operation["parameters"] if p["name"] == "Prefer")
    assert prefer["in"] == "header" and "return=minimal" in prefer["schema"]["enum"]
    assert set(operation["responses"]) >= {"200", "204"}
