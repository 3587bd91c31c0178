"""The register of delegation decisions (``/delegations/``) and its API as the fixed cast: the
SAS, the decision maker and the DSO read it, each the decisions of the cases they may read;
the SAS marks decisions reported to the board in a batch (audited); everyone else gets 404."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import AuditEvent, DelegationDecision
from tests.api.helpers import EVERYONE, rolled_back
from tests.factories import file, walk_to
from tests.matrix import Matrix

CAST = [*EVERYONE, "admin_sn", "leadership"]

# What each member finds in Socialnämnden's register: the case numbers they see, or 404.
SEES = Matrix.of(
    CAST,
    {"sas": {"lex_sarah", "data_breach"}, "decision_maker": {"lex_sarah"}, "dso": {"data_breach"}},
    default=404,
)
# Marking a batch as reported: the SAS (and the registrar, not in the cast) may.
MARKS = Matrix.of(CAST, {"sas": 302, "decision_maker": 403, "dso": 403}, default=404)
MARKS_API = Matrix.of(CAST, {"sas": 200, "decision_maker": 403, "dso": 403}, default=404)


@pytest.fixture
def client_as(cast):
    def make(name):
        client = APIClient()
        client.force_authenticate(cast[name])
        return client

    return make


@pytest.fixture
def decisions(cast, org):
    lex_sarah = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "decided", cast)
    breach = walk_to(file("data_breach", cast["reporter"], org.unit_a), "decided", cast)
    return {
        "lex_sarah": DelegationDecision.objects.get(report=lex_sarah),
        "data_breach": DelegationDecision.objects.get(report=breach),
    }


def query(org):
    today = timezone.localdate()
    return {
        "board": org.sn.pk,
        "from": (today - datetime.timedelta(days=3)).isoformat(),
        "to": today.isoformat(),
    }


def seen(decisions, html):
    return {kind for kind, d in decisions.items() if d.report.case_number in html}


@SEES.per_row("_row, expected")
def test_who_reads_the_register_and_what_each_sees(_row, expected, decisions, login, client_as, org):
    for member, outcome in expected.items():
        response = login(member).get("/delegations/", query(org))
        api = client_as(member).get("/api/v1/delegation-decisions/", query(org))
        if outcome == 404:
            assert response.status_code == 404 and api.status_code == 404, member
            continue
        assert response.status_code == 200, member
        assert seen(decisions, response.content.decode()) == outcome, member
        assert {d["report"]["case_number"] for d in api.json()} == {
            decisions[kind].report.case_number for kind in outcome
        }, member


def test_another_boards_sas_has_their_own_register_but_not_this_one(decisions, login, org):
    client = login("sas_other")
    assert client.get("/delegations/").status_code == 200
    assert client.get("/delegations/", query(org)).status_code == 404


@MARKS.per_row("_row, expected")
def test_who_marks_decisions_reported_to_the_board(_row, expected, decisions, login, org):
    ids = [d.pk for d in decisions.values()]
    for member, outcome in expected.items():
        with rolled_back():
            response = login(member).post(
                "/delegations/?" + "&".join(f"{k}={v}" for k, v in query(org).items()),
                {**query(org), "decisions": ids, "meeting_date": timezone.localdate().isoformat()},
            )
            assert response.status_code == outcome, member
            reported = DelegationDecision.objects.filter(
                pk__in=ids, reported_to_board_on__isnull=False
            ).count()
            assert reported == (2 if outcome == 302 else 0), member


@MARKS_API.per_row("_row, expected")
def test_who_marks_decisions_reported_over_the_api(_row, expected, decisions, client_as, org):
    ids = [d.pk for d in decisions.values()]
    for member, outcome in expected.items():
        with rolled_back():
            response = client_as(member).post(
                "/api/v1/delegation-decisions/reported/",
                {"board": org.sn.pk, "decisions": ids, "meeting_date": timezone.localdate().isoformat()},
                format="json",
            )
            assert response.status_code == outcome, (member, response.content)
            if outcome == 200:
                assert response.json() == {"marked": 2}


def test_a_batch_is_marked_on_the_meetings_date_with_one_audit_row_each(decisions, login, org):
    meeting = timezone.localdate()
    ids = sorted(d.pk for d in decisions.values())
    response = login("sas").post(
        "/delegations/", {**query(org), "decisions": ids, "meeting_date": meeting.isoformat()}
    )
    assert response.status_code == 302
    assert set(
        DelegationDecision.objects.filter(pk__in=ids).values_list("reported_to_board_on", flat=True)
    ) == {meeting}
    rows = AuditEvent.objects.filter(action="delegation.reported_to_board").order_by("seq")
    assert [r.payload["decision"] for r in rows] == ids
    assert {r.report_id for r in rows} == {d.report_id for d in decisions.values()}
    # Marked once: a second batch with the same decisions is refused, the page says why.
    again = login("sas").post(
        "/delegations/", {**query(org), "decisions": ids, "meeting_date": meeting.isoformat()}
    )
    assert again.status_code == 200 and 'id="error-summary"' in again.content.decode()


def test_a_meeting_before_a_decision_is_refused(decisions, login, org):
    ids = [d.pk for d in decisions.values()]
    response = login("sas").post(
        "/delegations/",
        {
            **query(org),
            "decisions": ids,
            "meeting_date": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    assert not DelegationDecision.objects.filter(reported_to_board_on__isnull=False).exists()


def test_the_register_prints_and_downloads_as_pdf(decisions, login, org):
    client = login("sas")
    html = client.get("/delegations/", query(org)).content.decode()
    assert "reporting/delegations" in html and "format=pdf" in html
    response = client.get("/delegations/", {**query(org), "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_reading_the_register_is_logged_as_a_read_of_its_cases(decisions, login, org):
    login("decision_maker").get("/delegations/", query(org))
    row = AuditEvent.objects.filter(action="report.listed").latest("seq")
    assert row.payload["page"] == "delegations"
    assert row.payload["report_ids"] == [decisions["lex_sarah"].report_id]
