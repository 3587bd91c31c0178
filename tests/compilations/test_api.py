"""The statistics, compilation and export endpoints as every member of the fixed cast
(plus leadership, who sees aggregates only)."""

import csv
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from cases.models import AuditEvent
from reporting.models import ExportJob
from reporting.selectors.tables import builders
from tests.api.helpers import EVERYONE
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2025-03-01", "to": "2025-10-31"}


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Most expectations below are written with the English headings; Swedish is the
    product's default and has a test of its own (test_compilation_is_in_swedish_by_default)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def as_user(people):
    def make(name):
        client = APIClient()
        client.force_authenticate(people[name])
        return client

    return make


def stats(client, **params):
    return client.get("/api/v1/statistics/", {"by": "type", "period": "tertial", **PERIOD, **params})


# The statistics' total as each may see it; None: refused (403).
STATISTICS_TOTALS = Matrix.of(
    [*EVERYONE, "leader"],
    {
        # SN in the period: L1–L4, D1–D4, C1–C4, B1–B3 = 15; unit A: L1, L4, D1, D2, C1, C2 and unit B: L2, D3, C3 (breaches are not counted by unit managers)
        # Leadership counts whole tertials (2025-01-01 on: L6 too) and both boards (L8).
        "manager_a": 6,
        "manager_b": 3,
        "sas": 15,
        "sas_other": 1,
        "leader": 17,
    },
    default=None,
)


@STATISTICS_TOTALS.per_actor("name, total")
def test_statistics_as_the_cast(world, as_user, name, total):
    response = stats(as_user(name))
    if total is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response.data["total"] == total


def test_statistics_by_type_per_tertial_with_trend(world, as_user):
    data = stats(as_user("sas")).data
    assert data["periods"] == ["2025 T1", "2025 T2", "2025 T3"]
    rows = {row["key"]: row["counts"] for row in data["rows"]}
    assert rows["lex_sarah"] == [2, 1, 1]
    assert rows["deviation"] == [1, 3, 0]  # T2 is May–August
    assert rows["complaint"] == [1, 3, 0]
    assert rows["data_breach"] == [1, 2, 0]
    # Whole years 2023–2025 for SN: L7; L5; L1–L4, L6, D1–D4, C1–C4, B1–B3.
    assert data["trend"] == [
        {"year": 2023, "count": 1},
        {"year": 2024, "count": 1},
        {"year": 2025, "count": 16},
    ]


def test_statistics_by_category_counts_every_mark(world, as_user):
    data = stats(as_user("sas"), by="category", period="year", type="lex_sarah").data
    rows = {row["label"]: row["total"] for row in data["rows"]}
    assert rows == {"Våld eller övergrepp": 2, "Försummelse": 2, "Brister i bemötande": 1}


def test_statistics_by_month_and_half_year(world, as_user):
    data = stats(as_user("sas"), period="half", type="lex_sarah").data
    assert data["periods"] == ["2025 H1", "2025 H2"] and data["totals"] == [3, 1]
    data = stats(
        as_user("sas"), period="month", type="lex_sarah", **{"from": "2025-04-01", "to": "2025-05-31"}
    ).data
    assert data["periods"] == ["2025-04", "2025-05"] and data["totals"] == [1, 1]


def test_statistics_bad_input_is_a_field_error(world, as_user):
    response = stats(as_user("sas"), by="nonsense", **{"from": "2025-13-01"})
    assert response.status_code == 400
    assert set(response.data) >= {"by", "start"}


# The lex Sarah cases each may list from the statistics; None: refused (403).
DRILL_DOWN = Matrix.of(
    [*EVERYONE, "leader"], {"manager_a": 2, "manager_b": 1, "sas": 4, "sas_other": 1}, default=None
)


@DRILL_DOWN.per_actor("name, expected")
def test_drill_down_as_the_cast(world, as_user, name, expected):
    response = as_user(name).get("/api/v1/statistics/cases/", {"by": "type", "value": "lex_sarah", **PERIOD})
    if expected is None:
        assert response.status_code == 403  # leadership: aggregates only
        return
    assert response.status_code == 200
    assert response.data["count"] == expected
    assert AuditEvent.objects.filter(chain="access", action="report.listed").exists()


def compilation(client, fmt="json", public="false", board=None, **extra):
    return client.get(
        "/api/v1/compilations/", {"namnd": board, "format": fmt, "public": public, **PERIOD, **extra}
    )


INTERNAL_COMPILATION = Matrix.of_groups([*EVERYONE, "leader"], [({"sas"}, 200)], default=404)
PUBLIC_COMPILATION = Matrix.of_groups([*EVERYONE, "leader"], [({"sas", "leader"}, 200)], default=404)


@INTERNAL_COMPILATION.per_actor("name, expected")
def test_internal_compilation_as_the_cast(world, as_user, name, expected):
    response = compilation(as_user(name), board=world.org.sn.pk)
    assert response.status_code == expected


@PUBLIC_COMPILATION.per_actor("name, expected")
def test_public_compilation_as_the_cast(world, as_user, name, expected):
    response = compilation(as_user(name), public="true", board=world.org.sn.pk)
    assert response.status_code == expected


def test_compilation_json_has_every_table(world, as_user):
    data = compilation(as_user("sas"), board=world.org.sn.pk).data
    # The floor's fifteen (lex Maria's three among them) and the tables registered by the rooms
    # above it (records: one; quality: five).
    assert len(data["tables"]) == len(builders()) == 21
    per_year = data["tables"][0]
    assert per_year["title"] == "Lex Sarah reports per year"
    assert per_year["columns"] == ["Board", "2023", "2024", "2025"]
    # L2 is on unit B, a private provider: beside the board's total, not inside it.
    assert per_year["rows"] == [["Socialnämnden", 1, 1, 4], ["Private providers (not in the total)", 0, 0, 1]]
    assert AuditEvent.objects.filter(chain="access", action="compilation.exported").count() == 1


def test_compilation_is_in_swedish_when_asked_and_by_default(world, people, settings):
    client = APIClient()
    client.force_authenticate(people["sas"])
    url = "/api/v1/compilations/"
    params = {**PERIOD, "namnd": world.org.sn.pk, "format": "json"}
    swedish = client.get(url, params, HTTP_ACCEPT_LANGUAGE="sv").json()
    assert swedish["tables"][0]["title"] == "Lex Sarah-rapporter per år"
    settings.LANGUAGE_CODE = "sv"
    assert client.get(url, params).json()["tables"][0]["title"] == "Lex Sarah-rapporter per år"


def test_public_json_marks_hidden_cells(world, as_user):
    data = compilation(as_user("sas"), public="true", board=world.org.sn.pk).data
    per_year = data["tables"][0]
    assert per_year["rows"] == [
        ["Socialnämnden", None, None, None],
        ["Private providers (not in the total)", 0, 0, None],
    ]
    assert per_year["suppressed"] == [[0, 1], [0, 2], [0, 3], [1, 3]]
    assert data["threshold"] == 5


def test_compilation_bad_input(world, as_user):
    response = compilation(as_user("sas"), fmt="odt", board="x")
    assert response.status_code == 400
    assert set(response.data) >= {"format", "namnd"}
    assert compilation(as_user("sas"), board=999999).status_code == 404


def pdf_text(content):
    """The text of every page, with each run of white space (cell breaks too) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def docx_text(content):
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_pdf_contains_the_numbers(world, as_user):
    response = compilation(as_user("sas"), fmt="pdf", board=world.org.sn.pk)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Lex Sarah reports per year" in text
    assert "Socialnämnden 1 1 4 Private providers (not in the total) 0 0 1" in text
    assert "Äldreomsorg 1 0 1 2" in text
    assert "Total category marks 4 Private providers (not in the total) 1" in text


def test_docx_contains_the_numbers(world, as_user):
    response = compilation(as_user("sas"), fmt="docx", board=world.org.sn.pk)
    document = Document(io.BytesIO(response.content))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Äldreomsorg", "1", "0", "1", "2"] in rows
    assert ["Omsorg AB (privat) (private provider)", "1", "0", "0", "1"] in rows
    assert ["Kommunikation och information", "2", "66.7%", "1"] in rows
    assert ["Private providers (not in the total)", "1", "", "1"] in rows
    assert "Lex Sarah reports per tertial and verksamhet" in docx_text(response.content)


def test_xlsx_and_csv_contain_the_numbers(world, as_user):
    response = compilation(as_user("sas"), fmt="xlsx", board=world.org.sn.pk)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert ("Äldreomsorg", 1, 0, 1, 2) in [tuple(row[:5]) for row in sheet.iter_rows(values_only=True)]
    response = compilation(as_user("sas"), fmt="csv", public="true", board=world.org.sn.pk)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Socialnämnden", "*", "*", "*"] in rows
    assert ["Private providers (not in the total)", "0", "0", "*"] in rows


def test_quality_chapter(world, as_user, org):
    params = {"municipality": org.kommun.pk, "year": 2025, "format": "pdf"}
    assert as_user("sas").get("/api/v1/compilations/quality-chapter/", params).status_code == 404
    # The board's SAS makes the board's chapter; another board's or a unit answers 404.
    board = {**params, "municipality": org.sn.pk, "public": "false"}
    assert as_user("sas").get("/api/v1/compilations/quality-chapter/", board).status_code == 200
    assert as_user("sas_other").get("/api/v1/compilations/quality-chapter/", board).status_code == 404
    unit = {**params, "municipality": org.unit_a.pk}
    assert as_user("leader").get("/api/v1/compilations/quality-chapter/", unit).status_code == 404
    response = as_user("leader").get("/api/v1/compilations/quality-chapter/", params)
    assert response.status_code == 200
    text = pdf_text(response.content)
    # Public by default: ON's single 2025 report is hidden, and so is SN's own 4 (L2 is private,
    # beside the total: its single report hidden too).
    assert "Omsorgsnämnden 0 0 *" in text and "Socialnämnden * * *" in text and "Total * * 5" in text
    assert "Private providers (not in the total) 0 0 *" in text
    params["format"] = "docx"
    response = as_user("leader").get("/api/v1/compilations/quality-chapter/", params)
    assert "Kvalitetsberättelse" in docx_text(response.content)
    params["public"] = "false"
    assert as_user("leader").get("/api/v1/compilations/quality-chapter/", params).status_code == 404


def test_background_export_with_progress_and_download(world, as_user):
    response = compilation(as_user("sas"), fmt="pdf", board=world.org.sn.pk, background="true")
    assert response.status_code == 202
    job = ExportJob.objects.get(pk=response.data["id"])
    assert job.status == "done" and job.progress == 100
    status = as_user("sas").get(response.data["url"])
    assert status.data["download_url"]
    download = as_user("sas").get(status.data["download_url"])
    assert "Socialnämnden 1 1 4" in pdf_text(download.content)
    for name in EVERYONE:
        if name != "sas":
            assert as_user(name).get(response.data["url"]).status_code == 404
            assert as_user(name).get(status.data["download_url"]).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/statistics/",
        "/api/v1/statistics/cases/",
        "/api/v1/compilations/",
        "/api/v1/compilations/quality-chapter/",
        "/api/v1/reports/1/regulator-document/",
        "/api/v1/exports/00000000-0000-0000-0000-000000000000/",
    ],
)
def test_without_credentials_the_answer_is_401(db, path):
    assert APIClient().get(path).status_code == 401


def test_the_endpoints_are_in_the_openapi_schema(db):
    paths = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {
        "/api/v1/statistics/",
        "/api/v1/compilations/",
        "/api/v1/reports/{report_id}/regulator-document/",
        "/api/v1/exports/{job_id}/download/",
    } <= set(paths)
