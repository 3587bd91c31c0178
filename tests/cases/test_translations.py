"""The cases app's catalogues: Swedish complete, compiled, and what the API answers in."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation
from rest_framework.test import APIClient

import cases
from cases.models import Report
from tests.factories import file

LOCALE = Path(cases.__file__).resolve().parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue(lang):
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def test_every_swedish_msgid_is_translated_and_none_is_fuzzy():
    po = catalogue("sv")
    assert len(po) > 400
    assert [e.msgid for e in po if not e.obsolete and not e.translated()] == []
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert not po.metadata_is_fuzzy and po.metadata["Language"] == "sv"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_translations_keep_the_placeholders_of_their_msgid(lang):
    changed = [e.msgid for e in catalogue(lang).translated_entries()
               if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(e.msgstr))]
    assert changed == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_committed_mo_file_matches_its_po_file(lang):
    compiled = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    expected = {e.msgid: e.msgstr for e in catalogue(lang).translated_entries()}
    assert {e.msgid: e.msgstr for e in compiled if e.msgid} == expected


def test_both_catalogues_hold_the_same_msgids_and_english_has_nothing_fuzzy():
    english = catalogue("en")
    assert {e.msgid for e in english} == {e.msgid for e in catalogue("sv")}
    assert [e.msgid for e in english if "fuzzy" in e.flags] == []


def test_swedish_msgids_get_an_english_label_and_stay_swedish_in_swedish():
    with translation.override("en"):
        assert str(Report.LexSarahAssessment.MISSFORHALLANDE.label) == "Serious shortcoming (missförhållande)"
    with translation.override("sv"):
        assert str(Report.LexSarahAssessment.MISSFORHALLANDE.label) == "Missförhållande"


@pytest.fixture
def reporter_client(cast):
    client = APIClient()
    client.force_authenticate(cast["reporter"])
    return client


FILING_ERRORS = {
    "sv": {"description": ["Det här fältet är obligatoriskt."],
           "occurred_at": ["Ange när det hände, så exakt du kan."]},
    "en": {"description": ["This field is required."],
           "occurred_at": ["Say when it happened, as closely as you can."]},
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_filing_without_description_is_refused_in_the_language_asked_for(
        lang, org, reporter_client, django_assert_num_queries):
    with django_assert_num_queries(4):
        response = reporter_client.post("/api/v1/reports/", {"type": "deviation", "unit": org.unit_a.pk},
                                        format="json", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 400
    assert response.json() == FILING_ERRORS[lang]
    assert response["Content-Language"] == lang


def test_the_api_answers_in_swedish_when_no_language_is_asked_for(org, reporter_client):
    response = reporter_client.post("/api/v1/reports/", {"type": "deviation", "unit": org.unit_a.pk}, format="json")
    assert response.json() == FILING_ERRORS["sv"]


@pytest.mark.parametrize("lang, message", [
    ("sv", "Du har inte behörighet att göra detta i ärendet."),
    ("en", "You may not do this on this case."),
])
def test_a_refused_transition_is_explained_in_the_language_asked_for(lang, message, cast, org, reporter_client):
    report = file("deviation", cast["reporter"], org.unit_a)
    response = reporter_client.post(f"/api/v1/reports/{report.pk}/transitions/assess/", {}, format="json",
                                    HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 403
    assert response.json() == {"detail": message}
