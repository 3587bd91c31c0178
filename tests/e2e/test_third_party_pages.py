"""The pages third-party packages render, in a real browser under the content-security
policy: the admin, the API documentation (Swagger UI) and DRF's browsable API must work
without a single violation (the fixture fails the test on any)."""

import pytest
from django.contrib.auth import get_user_model

from tests.cast import PASSWORD
from tests.e2e.conftest import DESKTOP
from tests.factories import file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_api_docs_and_browsable_api_run_without_violations(browse, e2e_cast):
    org, cast = e2e_cast
    report = file("deviation", cast["reporter"], org.unit_a)
    get_user_model().objects.create_superuser("operator", "operator@kommun.example", PASSWORD)

    operator = browse(DESKTOP)
    page = operator.login("operator", PASSWORD)
    for path in (
        "/admin/",
        "/admin/cases/user/",
        f"/admin/cases/user/{cast['sas'].pk}/change/",
        "/admin/cases/orgunit/add/",
    ):
        page = operator.go(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("#content").count() == 1
    operator.assert_no_csp_violations()

    sas = browse(DESKTOP)
    page = sas.login("sas", PASSWORD)
    page = sas.go("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    page.locator(".opblock-summary").first.click()
    page.wait_for_load_state("networkidle")
    page = sas.go(f"/api/v1/reports/{report.pk}/")
    page.wait_for_load_state("networkidle")
    assert report.case_number in page.inner_text(".response-info")
    sas.assert_no_csp_violations()
