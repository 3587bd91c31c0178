"""notifications/locale: every Swedish entry translated, and the compiled catalogue in use."""

import re
from pathlib import Path

from django.utils import translation

from notifications.messages import NEW_REPORT, TITLES

PO = Path(__file__).resolve().parents[2] / "notifications" / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def entries(text):
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if lines:
            yield "\n".join(lines)


def test_every_swedish_entry_is_translated_and_none_fuzzy():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    untranslated = [
        entry.splitlines()[0]
        for entry in entries(text)
        if re.search(r'^msgstr(\[\d\])? ""$', entry, re.MULTILINE)
        and not re.search(r'^msgstr(\[\d\])? ""\n"', entry, re.MULTILINE)
    ]
    assert untranslated == []


def test_the_compiled_catalogue_is_used():
    with translation.override("sv"):
        assert [str(t) for t in (NEW_REPORT["lex_sarah"], TITLES["clock.overdue"])] == [
            "Ny lex Sarah-rapport",
            "En tidsfrist har passerats",
        ]
    with translation.override("en"):
        assert str(TITLES["clock.overdue"]) == "A deadline has passed"
