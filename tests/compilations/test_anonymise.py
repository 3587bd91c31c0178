import pytest
from django.utils import translation

from lib.redaction import anonymise, redact, shorten


def test_names_numbers_and_contact_details_go_and_dates_stay():
    text = (
        "Anna Andersson (19450101-1234, 450101+1234) ringde 070-123 45 67 och +46 8 123 456 78 den "
        "2025-03-10 kl. 10:00; mejl anna.a@example.se. ANDERSSON var inte nöjd."
    )
    result = redact(text, ["Anna Andersson"])
    for secret in (
        "Anna",
        "Andersson",
        "ANDERSSON",
        "19450101-1234",
        "450101+1234",
        "070-123",
        "123 456 78",
        "example.se",
    ):
        assert secret not in result
    assert "2025-03-10 kl. 10:00" in result


def test_shorten_cuts_at_a_word():
    assert shorten("ett två tre fyra", limit=9) == "ett två …"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_forms_that_identify_go_from_regulator_text_too():
    text = (
        "Brukaren, född 1938-04-12, bor på Storgatan 12 B, lgh 1102, 123 45 Exempelby. Samordningsnummer "
        "450161-1234. Nås på (08) 123 45 67 eller 0046 70 123 45 67. Händelsen inträffade 2025-03-10 "
        "kl. 08.30 på plan 2."
    )
    result = redact(text)
    for secret in (
        "1938-04-12",
        "Storgatan",
        "1102",
        "123 45",
        "Exempelby",
        "450161-1234",
        "123 45 67",
        "0046",
    ):
        assert secret not in result
    assert "född [date of birth]" in result and "[address]" in result
    assert "2025-03-10 kl. 08.30 på plan 2." in result  # an event's date and time are not a birth date


def test_born_in_words_and_by_year():
    assert redact("Mannen är född den 3 mars 1941.") == "Mannen är född den [date of birth]."
    assert redact("f. 1941, bor ensam") == "f. [date of birth], bor ensam"


REALISTIC = (
    "Under kvällen den 14 mars uppmärksammade undersköterskan att brukaren inte hade fått sina läkemedel. "
    "Hennes dotter Karin Lund ringde till enhetschefen på tisdagen. Grannen Svensson hade larmat. "
    "Lex Sarah-rapporten skrevs av Per-Olof Nilsson. Rutinen för överlämning följdes inte. "
    "Utredningen visar brister i bemötande i Hemtjänst Centrum. IVO och SoL 14 kap. nämns. "
    "Efter händelsen fick personalen utbildning. Gösta föll på natten; Oxascand 5 mg gavs."
)


def test_capitalised_names_the_case_does_not_know_go_and_swedish_words_stay():
    result = anonymise(REALISTIC, ["Anna Andersson"], allow=["Hemtjänst Centrum"])
    for name in ("Karin", "Lund", "Svensson", "Per-Olof", "Nilsson", "Gösta"):
        assert name not in result
    for kept in (
        "Under kvällen den 14 mars",
        "Hennes dotter [name] ringde",
        "Grannen [name] hade larmat",
        "Lex Sarah-rapporten skrevs av [name].",
        "Rutinen för överlämning",
        "Utredningen visar",
        "Hemtjänst Centrum",
        "IVO och SoL 14 kap.",
        "Efter händelsen fick personalen utbildning.",
        "5 mg",
    ):
        assert kept in result, kept
    # A first and last name become one placeholder.
    assert "[name] [name]" not in result


def test_a_sentence_may_start_with_a_word_the_text_uses_in_lower_case():
    text = "Larmknappen fungerade inte. Personalen kontrollerade inte larmknappen."
    assert anonymise(text) == text
    assert anonymise("Larmknappen fungerade inte.") == "[name] fungerade inte."  # unknown: errs on removing


def test_anonymise_leaves_placeholders_and_empty_text_alone():
    assert anonymise("") == ""
    assert anonymise("[name] ringde.", ["Anna"]) == "[name] ringde."
