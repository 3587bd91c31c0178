"""The SAS's review of the anonymised lex Sarah summaries: the service, the page, and the
public compilation that shows approved summaries only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from cases.models import AuditEvent, Report, SummaryReview
from cases.services import CaseNotFound, InvalidState, do_approve_summary
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope
from tests.api.helpers import EVERYONE
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 10, 31)
PAGE = "/compilations/reviews/"
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def summaries(world, public):
    tables = board_compilation(Scope(world.org.sn, START, END, public=public)).tables
    return next(t for t in tables if t.key == "summaries")


def test_unreviewed_summaries_are_counted_but_not_published(world):
    public = summaries(world, public=True)
    assert [row[3:] for row in public.rows] == [["Awaiting review", "Awaiting review"]] * 2
    assert [row[0] for row in public.rows] == ["Äldreomsorg", "Äldreomsorg"]
    assert "2 of 2 summaries are awaiting the SAS's review and are not published yet." in map(
        str, public.footnotes
    )
    internal = summaries(world, public=False)
    assert [str(c) for c in internal.columns][-1] == "Review"
    assert [row[-1] for row in internal.rows] == ["Awaiting review", "Awaiting review"]
    assert "[name]" in internal.rows[0][5]  # the automatic anonymisation, for the SAS


def test_the_sas_approves_and_the_public_compilation_shows_the_approved_text(world):
    sas = world.cast["sas"]
    review = do_approve_summary(
        sas, world.L1, "En brukare fick fel insats och fick vänta.", decision="Anmäls till IVO."
    )
    assert review.approved_by == sas and review.approved_at is not None
    public = summaries(world, public=True)
    assert public.rows[0][3:] == ["Anmäls till IVO.", "En brukare fick fel insats och fick vänta."]
    assert public.rows[1][3:] == ["Awaiting review", "Awaiting review"]
    assert "1 of 2 summaries are awaiting the SAS's review and are not published yet." in map(
        str, public.footnotes
    )
    assert summaries(world, public=False).rows[0][-1] == "Approved"
    event = AuditEvent.objects.get(action="summary.approved")
    assert event.actor == sas and event.report_id == world.L1.pk and event.payload["edited"] is True
    assert "brukare" not in str(event.payload)  # the text itself is not in the log

    # Approving again replaces the review; the decision defaults to the automatic one.
    do_approve_summary(sas, world.L1.pk, "Ny text.")
    review = SummaryReview.objects.get(report=world.L1)
    assert review.summary == "Ny text." and "IVO" in review.decision and "Andersson" not in review.decision
    assert AuditEvent.objects.filter(action="summary.approved").count() == 2


def test_a_changed_case_text_needs_review_again(world):
    do_approve_summary(world.cast["sas"], world.L1, "En brukare fick fel insats.")
    Report.objects.filter(pk=world.L1.pk).update(investigation_summary="Ny utredningstext om Gösta.")
    public = summaries(world, public=True)
    assert public.rows[0][3:] == ["Awaiting review", "Awaiting review"]


def test_the_approved_text_may_not_name_what_the_case_knows(world):
    for text in (
        "Anna Andersson fick fel insats.",
        "Ring 070-123 45 67.",
        "Född 1945-01-01, bor på Storgatan 3.",
    ):
        with pytest.raises(ValidationError):
            do_approve_summary(world.cast["sas"], world.L1, text)
    assert not SummaryReview.objects.exists()


# Approving L1's summary: None where it is approved, else the exception that refuses it.
APPROVES = Matrix.of(
    EVERYONE,
    {"sas": None, "manager_a": PermissionDenied, "decision_maker": PermissionDenied},
    default=CaseNotFound,
)


@APPROVES.per_actor("name, expected")
def test_only_the_sas_of_the_case_approves(world, name, expected):
    user = world.cast[name]
    if expected is None:
        do_approve_summary(user, world.L1, "Text.")
        assert SummaryReview.objects.filter(report=world.L1).exists()
    else:
        with pytest.raises(expected):
            do_approve_summary(user, world.L1, "Text.")
        assert not SummaryReview.objects.exists()


def test_only_closed_lex_sarah_summaries_are_reviewed(world):
    for report in (world.L2, world.D1):
        with pytest.raises(InvalidState):
            do_approve_summary(world.cast["sas"], report, "Text.")


def browser(user):
    client = Client()
    client.force_login(user)
    return client


REVIEWS_PAGE = Matrix.of_groups([*EVERYONE, "leader", "admin"], [({"sas", "sas_other"}, 200)], default=403)


@REVIEWS_PAGE.per_actor("name, expected")
def test_reviews_page_as_the_cast(world, people, name, expected):
    response = browser(people[name]).get(PAGE, PERIOD)
    assert response.status_code == expected
    if name == "sas":
        cases = [e["draft"].case_number for e in response.context["entries"]]
        # L5 closed in January 2025 too; ON's case is not SN's SAS's.
        assert sorted(cases) == sorted([world.L5.case_number, world.L1.case_number, world.L4.case_number])
        html = response.content.decode()
        assert (
            "19450101-1234" not in html and "Andersson" not in html and "[namn]" in html
        )  # Swedish by default
        event = AuditEvent.objects.filter(chain="access", action="report.listed", actor=people["sas"]).last()
        assert set(event.payload["report_ids"]) == {world.L1.pk, world.L4.pk, world.L5.pk}
    if name == "sas_other":
        assert response.context["entries"] == []
    if name in ("sas", "leader"):  # the compilations page links to the reviews for the SAS only
        assert (
            'href="/compilations/reviews/"' in browser(people[name]).get("/compilations/").content.decode()
        ) == (name == "sas")


def test_reviews_page_approves_and_keeps_refused_text(world, people):
    client = browser(people["sas"])
    response = client.post(
        PAGE + "?from=2025-01-01&to=2025-12-31",
        {"report": world.L4.pk, "summary": "En rutin saknades.", "decision": "Ingen anmälan."},
    )
    assert response.status_code == 302
    assert SummaryReview.objects.get(report=world.L4).summary == "En rutin saknades."
    page = client.get(response["Location"])
    entries = page.context["entries"]
    assert entries[-1]["draft"].report_id == world.L4.pk and entries[-1]["draft"].approved  # approved last
    assert page.context["pending"] == 2
    response = client.post(
        PAGE + "?from=2025-01-01&to=2025-12-31",
        {"report": world.L1.pk, "summary": "Anna Andersson fick fel insats.", "decision": ""},
    )
    assert response.status_code == 400 and "Anna Andersson fick fel insats." in response.content.decode()
    assert not SummaryReview.objects.filter(report=world.L1).exists()
    # A case outside the list (another board's) is not found.
    assert (
        client.post(
            PAGE + "?from=2025-01-01&to=2025-12-31", {"report": world.L8.pk, "summary": "Text."}
        ).status_code
        == 404
    )
