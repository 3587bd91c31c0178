"""Nobody is named on a case from outside its board: a handler, a named investigator or an
investigator added later would open the case across the secrecy boundary between boards.
Every way of naming someone (the complaint's and the lex Sarah case's registration forms, the
API's investigators, the service) ends in the one check of cases.services.reports."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from cases.forms import ComplaintRegisterForm, LexSarahRegisterForm
from cases.selectors import visible_reports
from cases.services import do_grant_investigator
from tests.factories import file

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "form_class, report_type, field",
    [
        (ComplaintRegisterForm, "complaint", "handler"),
        (LexSarahRegisterForm, "lex_sarah", "investigator"),
    ],
)
def test_the_registration_forms_offer_only_the_cases_board(form_class, report_type, field, cast, org):
    report = file(report_type, cast["reporter"], org.unit_a)
    offered = set(form_class(report=report, user=cast["sas"]).fields[field].queryset)
    assert cast["manager_a"] in offered and cast["outsider"] in offered
    assert cast["sas_other"] not in offered and cast["admin_on"] not in offered


def test_the_service_refuses_a_person_of_another_board_and_grants_nothing(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    with pytest.raises(ValidationError):
        do_grant_investigator(report.pk, cast["sas_other"], acting_user=cast["sas"])
    assert not visible_reports(cast["sas_other"]).filter(pk=report.pk).exists()


def test_the_api_refuses_a_person_of_another_board(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    client = APIClient()
    client.force_authenticate(cast["sas"])
    response = client.post(
        f"/api/v1/reports/{report.pk}/investigators/", {"user": cast["sas_other"].pk}, format="json"
    )
    assert response.status_code == 400
    assert not visible_reports(cast["sas_other"]).filter(pk=report.pk).exists()
    assert (
        client.post(
            f"/api/v1/reports/{report.pk}/investigators/", {"user": cast["outsider"].pk}, format="json"
        ).status_code
        == 201
    )
