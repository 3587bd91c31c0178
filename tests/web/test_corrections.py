"""The correction pages (``/cases/<id>/correct/<name>/``, ``/cases/<id>/description/``) as the
fixed cast: out of scope 404, in scope without the right 403, the right ones see a plain form
and their POST changes the case and goes back to it; errors keep what was typed."""

import pytest

from cases.models import AuditEvent, CaseCorrection, Report
from tests.api.helpers import EVERYONE, rolled_back
from tests.factories import file, walk_to
from tests.matrix import Matrix

CAST = [*EVERYONE, "admin_sn", "leadership"]

# A deviation of unit A: its unit manager and the SAS correct it; the reporter and the
# decision maker read it; everyone else does not see it.
CORRECTING = {"manager_a": 200, "sas": 200, "reporter": 403, "decision_maker": 403}
PAGES = Matrix(
    CAST,
    {"reopen": CORRECTING, "withdraw": CORRECTING, "merge": CORRECTING, "description": CORRECTING},
    default=404,
)

DATA = {
    "reopen": {"reason": "Nya uppgifter har kommit in."},
    "withdraw": {"reason": "Rapporterad av misstag."},
    "description": {"description": "Rättad beskrivning.", "reason": "Fel namn på enheten."},
}


def page(report, name):
    if name == "description":
        return f"/cases/{report.pk}/description/"
    return f"/cases/{report.pk}/correct/{name}/"


@pytest.fixture
def cases(cast, org):
    return {
        "open": file("deviation", cast["reporter"], org.unit_a),
        "closed": walk_to(file("deviation", cast["reporter"], org.unit_a), None, cast),
        "survivor": file("deviation", cast["reporter"], org.unit_a),
    }


def subject(cases, name):
    return cases["closed"] if name == "reopen" else cases["open"]


@PAGES.per_row("name, expected")
def test_who_may_open_and_post_each_correction(name, expected, cases, login):
    report = subject(cases, name)
    data = DATA.get(name) or {"survivor": cases["survivor"].case_number, "reason": "Samma händelse."}
    for member, outcome in expected.items():
        client = login(member)
        response = client.get(page(report, name))
        assert response.status_code == outcome, (member, response.status_code)
        if outcome == 200:
            assert '<form method="post"' in response.content.decode()
        with rolled_back():
            response = client.post(page(report, name), data)
            changed = Report.objects.get(pk=report.pk)
            if outcome == 200:
                assert response.status_code == 302 and response["Location"].startswith(f"/cases/{report.pk}/")
                assert CaseCorrection.objects.filter(report=report).exists()
            else:
                assert response.status_code == outcome, (member, response.status_code)
                assert changed.state == report.state and changed.description == report.description


def test_reopening_shows_the_case_open_again_with_its_history(cases, login):
    report = cases["closed"]
    client = login("sas")
    response = client.post(page(report, "reopen"), DATA["reopen"])
    assert response.status_code == 302
    html = client.get(f"/cases/{report.pk}/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Nya uppgifter har kommit in." in html
    assert Report.objects.get(pk=report.pk).state == "followed_up"
    assert AuditEvent.objects.filter(action="report.reopen", report_id=report.pk).exists()


def test_a_correction_not_possible_in_the_state_goes_back_to_the_case_with_the_reason(cases, login):
    response = login("sas").get(page(cases["open"], "reopen"))
    assert response.status_code == 302 and response["Location"] == f"/cases/{cases['open'].pk}/"


def test_errors_show_the_form_again_with_what_was_typed(cases, login):
    response = login("sas").post(
        page(cases["open"], "merge"),
        {"survivor": "SN 1999/9999", "reason": "Mitt skäl"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and "Mitt skäl" in html and "SN 1999/9999" in html
    assert Report.objects.get(pk=cases["open"].pk).state == "reported"


def test_the_case_page_offers_the_corrections_to_those_who_may_make_them(cases, login):
    closed, open_ = cases["closed"], cases["open"]
    sas_closed = login("sas").get(f"/cases/{closed.pk}/").content.decode()
    assert f'href="{page(closed, "reopen")}"' in sas_closed
    assert f'href="{page(closed, "withdraw")}"' not in sas_closed
    sas_open = login("sas").get(f"/cases/{open_.pk}/").content.decode()
    for name in ("withdraw", "merge", "description"):
        assert f'href="{page(open_, name)}"' in sas_open
    assert f'href="{page(open_, "reopen")}"' not in sas_open
    decision_maker = login("decision_maker").get(f"/cases/{open_.pk}/").content.decode()
    assert "/correct/" not in decision_maker and "/description/" not in decision_maker


def test_earlier_descriptions_are_shown_to_those_who_read_the_case(cases, login):
    report = cases["open"]
    original = report.description
    assert login("manager_a").post(page(report, "description"), DATA["description"]).status_code == 302
    html = login("decision_maker").get(f"/cases/{report.pk}/").content.decode()
    assert "Rättad beskrivning." in html and original in html


def test_the_pages_are_in_swedish_and_english(cases, login, settings):
    client = login("sas")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert "Återöppna ärendet" in client.get(page(cases["closed"], "reopen")).content.decode()
    assert "Återkalla rapporten" in client.get(page(cases["open"], "withdraw")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Reopen the case" in client.get(page(cases["closed"], "reopen")).content.decode()
