"""The SAS finds a closed case through the case register, in a real browser, in Swedish and
English, with axe-core on every page passed: the menu's link, a search by case number among
many cases, the closed-state filter, the case page, its print view and the list as CSV."""

import pytest

from tests import factories
from tests.cast import PASSWORD
from tests.e2e.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_sas_finds_a_closed_case_through_the_register(browse, e2e_cast, language):
    org, cast = e2e_cast
    closed = factories.walk_to(
        factories.file("deviation", cast["reporter"], org.unit_a, description="Brukaren föll i badrummet."),
        None,
        cast,
    )
    for _i in range(3):
        factories.file("deviation", cast["reporter"], org.unit_b)
    factories.file("lex_sarah", cast["reporter"], org.unit_a)

    sas = browse(DESKTOP, language)
    page = sas.login("sas", PASSWORD)
    page.click("header nav a[href='/cases/']")
    page.wait_for_load_state()
    sas.axe("case register")
    assert closed.case_number in page.inner_text("main table")
    sas.screenshot("register")

    # By its number, written as people write it: lower case, without the leading zeros.
    prefix, rest = closed.case_number.split(" ")
    year, sequence = rest.split("/")
    page.fill("input[name=q]", f"{prefix.lower()} {year}/{int(sequence)}")
    page.select_option("select[name=state]", "closed")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    sas.axe("case register, searched")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and closed.case_number in rows.inner_text()

    with page.expect_download() as download:
        page.click("main a[href^='/cases/export.csv']")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert closed.case_number in text and (";" if language == "sv" else ",") in text.splitlines()[0]

    page.click(f"text={closed.case_number}")
    page.wait_for_load_state()
    sas.axe("closed case page")
    assert "badrummet" in page.inner_text("main")
    page.click(f"a[href='/cases/{closed.pk}/print/']")
    page.wait_for_load_state()
    sas.axe("print view")
    assert page.locator("main form").count() == 0
