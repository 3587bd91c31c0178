"""Numbers in the compilations are written in the reader's language by one function
(``lib.table.format_number``): Swedish with a decimal comma and a space before
the per cent sign (``66,7 %``), English with a point (``66.7%``), in every export and in the
background export, which follows the language of the request."""

import csv
import datetime
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from lib.table import Table, format_number
from reporting.models import ExportJob
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope
from reporting.services import exports
from tests.compilations.test_api import docx_text, pdf_text

pytestmark = pytest.mark.django_db

# The board's own deviations: D1, D2 (kommunikation) and D4 (not categorised): shares 2/3 and
# 1/3 (D3 is on unit B, a private provider, beside the total).
PERIOD = (datetime.date(2025, 3, 1), datetime.date(2025, 10, 31))
EXPECTED = {
    "sv": ("66,7 %", "33,3 %", "100,0 %", "0,0 %"),
    "en": ("66.7%", "33.3%", "100.0%", "0.0%"),
}


def rendered(world, fmt, language):
    with translation.override(language):
        compilation = board_compilation(
            Scope(unit=world.org.sn, start=PERIOD[0], end=PERIOD[1], public=False)
        )
        content, _content_type = exports.render(compilation, fmt)
    return content


@pytest.mark.parametrize("language", ["sv", "en"])
def test_format_number_in_each_language(language):
    with translation.override(language):
        assert format_number(1.6, percent=True) == {"sv": "1,6 %", "en": "1.6%"}[language]
        assert format_number(1234) == {"sv": "1\xa0234", "en": "1,234"}[language]
        assert format_number(1234, grouping=False) == "1234"
        assert format_number(0.25) == {"sv": "0,3", "en": "0.3"}[language]
        assert format_number(66.66, percent=True) == {"sv": "66,7 %", "en": "66.7%"}[language]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_csv_writes_shares_in_the_language(world, language):
    content = rendered(world, "csv", language)
    # Swedish CSV is separated by semicolons (Swedish Excel), English by commas.
    delimiter = {"sv": ";", "en": ","}[language]
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))
    two_thirds, one_third, whole, nothing = EXPECTED[language]
    assert ["Kommunikation och information", "2", two_thirds, "1"] in rows
    assert [{"sv": "Ej kategoriserad", "en": "Not categorised"}[language], "1", one_third, "0"] in rows
    assert ["Utbildning, kompetens", "0", nothing, "0"] in rows
    assert [{"sv": "Totalt", "en": "Total"}[language], "3", whole, "1"] in rows
    other = "." if language == "sv" else ","
    assert not any(other in cell and cell.endswith("%") for row in rows for cell in row)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_docx_writes_shares_in_the_language(world, language):
    text = docx_text(rendered(world, "docx", language))
    for share in EXPECTED[language]:
        assert share in text.split("\n")
    wrong = "66.7" if language == "sv" else "66,7"
    assert wrong not in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_pdf_writes_shares_in_the_language(world, language):
    text = pdf_text(rendered(world, "pdf", language))
    two_thirds, one_third, whole, _nothing = EXPECTED[language]
    assert f"Kommunikation och information 2 {two_thirds} 1" in text
    assert f"1 {one_third} 0" in text and f"3 {whole} 1" in text
    wrong = "66.7" if language == "sv" else "66,7"
    assert wrong not in text


def test_xlsx_keeps_the_share_a_number_with_a_per_cent_format(world):
    sheet = load_workbook(io.BytesIO(rendered(world, "xlsx", "sv"))).active
    cells = [row for row in sheet.iter_rows() if row[0].value == "Kommunikation och information"]
    assert cells[0][2].value == 66.7 and cells[0][2].number_format == exports.PERCENT_FORMAT


def test_a_hidden_share_stays_hidden():
    table = Table(key="t", title="t", columns=["a", "n", "share"], rows=[["x", 3, 42.9]], percent=[2])
    table.suppressed = {(0, 1), (0, 2)}
    assert table.display_rows() == [["x", "*", "*"]]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_background_export_is_written_in_the_language_of_the_request(world, people, language):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(people["sas"])
    response = client.get(
        "/api/v1/compilations/",
        {
            "namnd": world.org.sn.pk,
            "from": PERIOD[0].isoformat(),
            "to": PERIOD[1].isoformat(),
            "public": "false",
            "format": "csv",
            "background": "true",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 202
    job = ExportJob.objects.get(pk=response.data["id"])
    assert job.params["language"] == language
    text = bytes(job.content).decode("utf-8-sig")
    assert EXPECTED[language][0] in text
    assert ("Andel" in text) == (language == "sv")


@pytest.mark.parametrize(("language", "delimiter"), [("sv", ";"), ("en", ",")])
def test_the_import_format_is_separated_as_the_language_and_read_back_either_way(world, language, delimiter):
    """``importer.export_csv`` writes the Swedish file with semicolons and the English one with
    commas; ``importer.parse`` reads both alike (lex Sarah L1's two categories are joined by ``;``
    inside one quoted field in the Swedish file)."""
    from cases import importer
    from cases.models import Report

    reports = Report.objects.order_by("reported_at", "pk")
    with translation.override(language):
        content = importer.export_csv(reports)
    header = content.split("\n", 1)[0]
    assert header.count(delimiter) == len(importer.COLUMNS) - 1
    assert header.count({";": ",", ",": ";"}[delimiter]) == 0
    other = importer.export_csv(reports, delimiter={";": ",", ",": ";"}[delimiter])
    rows, errors = importer.parse(content)
    other_rows, other_errors = importer.parse(other)
    # The world's cases are not all import-valid (IVO outcomes without their dates, open actions,
    # case numbers in use): both files read alike, error for error, each on its line and column.
    assert errors == other_errors and len(errors) > 20
    assert rows == other_rows
    assert (2, "case_number") in {(e["line"], e["column"]) for e in errors}
