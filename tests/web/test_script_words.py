"""The scripts' words come from Django's JavaScript catalogue (/jsi18n/, the djangojs
catalogues) in the page's language, not from language switches inside the scripts."""

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse

import cases

APP_JS = Path(cases.__file__).resolve().parent / "static" / "ui" / "app.js"
JS_PO = Path(cases.__file__).resolve().parent / "locale" / "sv" / "LC_MESSAGES" / "djangojs.po"


def script_strings():
    """The first argument of every gettext/ngettext call in app.js."""
    return set(re.findall(r'\b(?:gettext|ngettext)\(\s*"([^"]+)"', APP_JS.read_text()))


def test_the_script_does_not_switch_language_itself():
    source = APP_JS.read_text()
    assert "documentElement.lang" not in source
    assert "timmar" not in source and "Riskvärde" not in source


def test_every_word_of_the_script_is_in_the_swedish_catalogue():
    words = script_strings()
    assert len(words) >= 4
    translated = {e.msgid for e in polib.pofile(str(JS_PO)).translated_entries()}
    assert words - translated == set()


@pytest.mark.django_db
def test_the_catalogue_is_served_in_swedish_by_default_and_in_english_on_request(client, settings):
    swedish = client.get(reverse("javascript-catalog")).content.decode()
    assert (
        "Din text som inte skickades har \\u00e5terst\\u00e4llts." in swedish
        or "Din text som inte skickades har återställts." in swedish
    )
    assert "Riskv\\u00e4rde %(score)s" in swedish or "Riskvärde %(score)s" in swedish
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("javascript-catalog")).content.decode()
    assert "django.gettext = function" in english and "Riskv" not in english and "Senast" not in english


@pytest.mark.django_db
def test_every_page_loads_the_catalogue_before_the_script(client, cast):
    client.force_login(cast["reporter"])
    page = client.get(reverse("web:report_start")).content.decode()
    assert page.index(reverse("javascript-catalog")) < page.index("ui/app.js")
    public = client.get(reverse("web:public_form")).content.decode()
    assert reverse("javascript-catalog") in public
