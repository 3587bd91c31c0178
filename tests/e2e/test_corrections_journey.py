"""The SAS's corrections in a real browser, in Swedish and in English, with axe-core on every
page: reopening a closed case with a reason (its closing step waits again), and the register of
delegation decisions marked as reported to the board in a batch, printable for the meeting."""

import pytest
from django.utils import timezone

from cases.models import CaseCorrection, DelegationDecision, Report
from tests.cast import PASSWORD
from tests.e2e.conftest import DESKTOP
from tests.factories import file, walk_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["sv", "en"]


def submit(page):
    page.click("main form:not(.lang):not(.logout):not(.filters) button[type=submit] >> nth=-1")
    page.wait_for_load_state()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sas_reopens_a_closed_case_and_reports_delegation_decisions_to_the_board(
    browse, e2e_cast, language
):
    org, cast = e2e_cast
    closed = walk_to(file("deviation", cast["reporter"], org.unit_a), None, cast)
    lex_sarah = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "decided", cast)
    breach = walk_to(file("data_breach", cast["reporter"], org.unit_a), "decided", cast)

    sas = browse(DESKTOP, language)
    page = sas.login("sas", PASSWORD)

    # A closed case offers reopening; the form asks for the reason and says what happens.
    page = sas.go(f"/cases/{closed.pk}/")
    sas.axe("closed case page")
    page.click(f"a[href='/cases/{closed.pk}/correct/reopen/']")
    page.wait_for_load_state()
    sas.axe("reopen form")
    submit(page)  # without a reason: refused, said beside the field
    assert page.locator("#error-summary").is_visible()
    assert Report.objects.get(pk=closed.pk).state == "closed"
    sas.axe("reopen form with an error")
    reason = "Anhörig har lämnat nya uppgifter om händelsen."
    page.fill("textarea[name=reason]", reason)
    submit(page)
    assert page.locator(".error-summary").count() == 0
    assert page.url.endswith(f"/cases/{closed.pk}/")
    reopened = Report.objects.get(pk=closed.pk)
    assert reopened.state == "followed_up" and reopened.closed_at is None
    assert CaseCorrection.objects.get(report=closed, kind="reopened").reason == reason
    # The case page shows the reason, and the closing step is the next step again.
    page.click("details.corrections summary")
    assert reason in page.inner_text("#description")
    assert page.locator(f"a[href='/cases/{closed.pk}/do/close/']").count() == 1
    sas.axe("reopened case page")

    # The register of delegation decisions, from the start page.
    page = sas.go("/")
    page.click("a[href='/delegations/']")
    page.wait_for_load_state()
    sas.axe("delegation register")
    text = page.inner_text("main")
    assert lex_sarah.case_number in text and breach.case_number in text
    sas.screenshot("delegation-register")
    meeting = timezone.localdate()
    page.fill("input[name=meeting_date]", meeting.isoformat())
    submit(page)
    assert page.locator(".error-summary").count() == 0
    assert set(DelegationDecision.objects.values_list("reported_to_board_on", flat=True)) == {meeting}
    sas.axe("delegation register after the meeting")
    # The printed register: the print stylesheet leaves out the menus and the forms.
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert page.locator("table.register").is_visible()
    page.emulate_media(media="screen")
    pdf = page.locator("a[href*='format=pdf']").get_attribute("href")
    assert "format=pdf" in pdf
    sas.close()
