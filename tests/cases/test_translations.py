"""The cases app's catalogues: Swedish complete, compiled, and what the API answers in."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation
from rest_framework.test import APIClient

import cases
import identity
import notifications
import records
import reporting
import workflows
from cases.models import Report
from tests.factories import file
from tests.queries import assert_num_queries

LOCALE = Path(cases.__file__).resolve().parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# Every catalogue of the project: the apps' own, and the root one of LOCALE_PATHS (templates, web pages).
CATALOGUES = {
    "cases": LOCALE,
    "workflows": Path(workflows.__file__).resolve().parent / "locale",
    "notifications": Path(notifications.__file__).resolve().parent / "locale",
    "identity": Path(identity.__file__).resolve().parent / "locale",
    "records": Path(records.__file__).resolve().parent / "locale",
    "reporting": Path(reporting.__file__).resolve().parent / "locale",
    "root": Path(cases.__file__).resolve().parents[1] / "locale",
}


# The scripts' catalogues (djangojs, served at /jsi18n/): each app with scripts has them.
JS_CATALOGUES = {
    name: path
    for name, path in CATALOGUES.items()
    if name != "root" and any((path.parent / "static").rglob("*.js"))
}
DOMAINS = [(name, "django") for name in CATALOGUES] + [(name, "djangojs") for name in JS_CATALOGUES]


def catalogue(lang, locale=LOCALE, domain="django"):
    return polib.pofile(str(locale / lang / "LC_MESSAGES" / f"{domain}.po"))


def compiled(lang, locale=LOCALE, domain="django"):
    return polib.mofile(str(locale / lang / "LC_MESSAGES" / f"{domain}.mo"))


def translations(entries):
    """(context, msgid, msgid_plural) -> the translation(s), for the entries that have one."""
    return {
        (e.msgctxt, e.msgid, e.msgid_plural or None): tuple(v for _, v in sorted(e.msgstr_plural.items()))
        if e.msgid_plural
        else e.msgstr
        for e in entries
        if e.msgid
    }


def test_every_swedish_msgid_is_translated_and_none_is_fuzzy():
    po = catalogue("sv")
    assert len(po) > 400
    assert [e.msgid for e in po if not e.obsolete and not e.translated()] == []
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert not po.metadata_is_fuzzy and po.metadata["Language"] == "sv"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_translations_keep_the_placeholders_of_their_msgid(lang):
    changed = [
        e.msgid
        for e in catalogue(lang).translated_entries()
        for msgstr in (e.msgstr_plural.values() if e.msgid_plural else [e.msgstr])
        if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert changed == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_committed_mo_file_matches_its_po_file(lang):
    compiled = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    expected = {e.msgid: e.msgstr for e in catalogue(lang).translated_entries()}
    assert {e.msgid: e.msgstr for e in compiled if e.msgid} == expected


def test_the_scripts_have_their_catalogue():
    assert "cases" in JS_CATALOGUES


@pytest.mark.parametrize("name, domain", DOMAINS)
def test_every_catalogue_is_complete_in_swedish_and_none_is_fuzzy(name, domain):
    po = catalogue("sv", CATALOGUES[name], domain)
    assert [e.msgid for e in po if not e.obsolete and not e.translated()] == []
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert not po.metadata_is_fuzzy and po.metadata["Language"] == "sv"


@pytest.mark.parametrize("name, domain", DOMAINS)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_compiled_catalogue_matches_its_po_file(name, domain, lang):
    locale = CATALOGUES[name]
    expected = translations(catalogue(lang, locale, domain).translated_entries())
    assert translations(compiled(lang, locale, domain)) == expected


@pytest.mark.parametrize("name, domain", DOMAINS)
def test_every_swedish_translation_keeps_the_placeholders_of_its_msgid(name, domain):
    changed = [
        e.msgid
        for e in catalogue("sv", CATALOGUES[name], domain).translated_entries()
        for msgstr in (e.msgstr_plural.values() if e.msgid_plural else [e.msgstr])
        if set(PLACEHOLDER.findall(e.msgid)) != set(PLACEHOLDER.findall(msgstr))
    ]
    assert changed == []


def test_the_root_catalogue_leaves_the_apps_strings_to_the_apps():
    """LOCALE_PATHS comes first: a root entry would override the app catalogue's translation."""
    apps = {
        (e.msgctxt, e.msgid)
        for name in ("cases", "workflows", "notifications")
        for e in catalogue("sv", CATALOGUES[name])
        if not e.obsolete
    }
    assert [e.msgid for e in catalogue("sv", CATALOGUES["root"]) if (e.msgctxt, e.msgid) in apps] == []


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
    "sv": {
        "description": ["Det här fältet är obligatoriskt."],
        "occurred_at": ["Ange när det hände, så exakt du kan."],
    },
    "en": {
        "description": ["This field is required."],
        "occurred_at": ["Say when it happened, as closely as you can."],
    },
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_filing_without_description_is_refused_in_the_language_asked_for(lang, org, reporter_client):
    # The request's transaction adds its savepoint and release (cases.request_transactions).
    with assert_num_queries(6):
        response = reporter_client.post(
            "/api/v1/reports/",
            {"type": "deviation", "unit": org.unit_a.pk},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        )
    assert response.status_code == 400
    assert response.json() == FILING_ERRORS[lang]
    assert response["Content-Language"] == lang


def test_the_api_answers_in_swedish_when_no_language_is_asked_for(org, reporter_client):
    response = reporter_client.post(
        "/api/v1/reports/", {"type": "deviation", "unit": org.unit_a.pk}, format="json"
    )
    assert response.json() == FILING_ERRORS["sv"]


@pytest.mark.parametrize(
    "lang, message",
    [
        ("sv", "Du har inte behörighet att göra detta i ärendet."),
        ("en", "You may not do this on this case."),
    ],
)
def test_a_refused_transition_is_explained_in_the_language_asked_for(
    lang, message, cast, org, reporter_client
):
    report = file("deviation", cast["reporter"], org.unit_a)
    response = reporter_client.post(
        f"/api/v1/reports/{report.pk}/transitions/assess/", {}, format="json", HTTP_ACCEPT_LANGUAGE=lang
    )
    assert response.status_code == 403
    assert response.json() == {"detail": message}
