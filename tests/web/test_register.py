"""The case register (/cases/ and /api/v1/reports/): every case each member of the cast may
see, open and closed, and nothing else; its search, filters, sort, pages and exports; the
read log; the statements it runs."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Action, AuditEvent, Report
from cases.services import do_add_affected_person
from tests import factories
from tests.cast import CAST
from tests.matrix import Matrix
from tests.queries import assert_num_queries

pytestmark = pytest.mark.django_db
EVERYONE = CAST + ["sas_other", "leadership", "admin_sn"]


def numbers(response):
    return set(re.findall(r"[SO]N \d{4}/\d{4}", response.content.decode()))


@pytest.fixture
def cases(cast, org):
    dev_a = factories.file("deviation", cast["reporter"], org.unit_a, description="Fel dos på kvällen.")
    closed_a = factories.walk_to(
        factories.file("deviation", cast["reporter"], org.unit_a, description="Fallolycka i badrummet."),
        None,
        cast,
    )
    dev_b = factories.file("deviation", cast["manager_b"], org.unit_b)
    dev_c = factories.file("deviation", cast["sas_other"], org.unit_c)
    lex_a = factories.file("lex_sarah", cast["reporter"], org.unit_a)
    breach_a = factories.file("data_breach", cast["reporter"], org.unit_a)
    return {
        "dev_a": dev_a,
        "closed_a": closed_a,
        "dev_b": dev_b,
        "dev_c": dev_c,
        "lex_a": lex_a,
        "breach_a": breach_a,
    }


# What each finds in the register: their whole scope, closed cases included. Those without a
# role that reads cases are refused the page (403) and follow their own reports in My reports.
SEES = Matrix.of(
    EVERYONE,
    {
        "reporter": 403,
        "outsider": 403,
        "leadership": 403,
        "admin_sn": 403,
        "manager_a": {"dev_a", "closed_a", "lex_a"},
        "manager_b": {"dev_b"},
        "sas": {"dev_a", "closed_a", "dev_b", "lex_a", "breach_a"},
        "decision_maker": {"dev_a", "closed_a", "dev_b", "lex_a"},
        "dso": {"breach_a"},
        "sas_other": {"dev_c"},
    },
)


@SEES.per_actor("name, expected")
def test_the_register_lists_exactly_the_users_scope(client, cast, cases, name, expected):
    client.force_login(cast[name])
    response = client.get(reverse("web:register"))
    if expected == 403:
        assert response.status_code == 403
        assert client.get(reverse("web:register_export", args=["csv"])).status_code == 403
        return
    assert response.status_code == 200
    assert numbers(response) == {cases[k].case_number for k in expected}
    logged = AuditEvent.objects.filter(chain="access", action="report.listed").latest("seq")
    assert sorted(logged.payload["report_ids"]) == sorted(cases[k].pk for k in expected)
    assert logged.payload["page"] == "register"


# Over the API the list is everyone's: a reporter finds their own reports, an outsider none.
API_SEES = Matrix.of(
    EVERYONE,
    {
        "reporter": {"dev_a", "closed_a", "lex_a", "breach_a"},
        "outsider": set(),
        "leadership": set(),
        "admin_sn": set(),
        "manager_a": {"dev_a", "closed_a", "lex_a"},
        "manager_b": {"dev_b"},
        "sas": {"dev_a", "closed_a", "dev_b", "lex_a", "breach_a"},
        "decision_maker": {"dev_a", "closed_a", "dev_b", "lex_a"},
        "dso": {"breach_a"},
        "sas_other": {"dev_c"},
    },
)


@API_SEES.per_actor("name, expected")
def test_the_api_register_lists_exactly_the_users_scope(client, cast, cases, name, expected):
    client.force_login(cast[name])
    response = client.get("/api/v1/reports/", {"page_size": 100})
    assert response.status_code == 200
    assert {r["case_number"] for r in response.json()["results"]} == {cases[k].case_number for k in expected}
    # A search outside the scope finds nothing, also by the exact number.
    found = client.get("/api/v1/reports/", {"q": cases["dev_c"].case_number}).json()["results"]
    assert bool(found) == ("dev_c" in expected)


def search(client, **params):
    response = client.get(reverse("web:register"), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return numbers(response)


def test_a_closed_case_is_found_by_its_number_written_loosely(client, cast, cases):
    client.force_login(cast["sas"])
    number = cases["closed_a"].case_number  # "SN 2026/0002"
    prefix, rest = number.split(" ")
    year, sequence = rest.split("/")
    assert search(client, q=number) == {number}
    assert search(client, q=f"{prefix.lower()}{year} / {int(sequence)}") == {number}
    assert search(client, q=sequence) >= {number}


def test_free_text_reporter_and_person(client, cast, cases, org):
    client.force_login(cast["sas"])
    assert search(client, q="badrummet") == {cases["closed_a"].case_number}
    assert search(client, reporter="Manager B") == {cases["dev_b"].case_number}
    do_add_affected_person(
        cases["dev_b"].pk,
        acting_user=cast["sas"],
        data={"name": "Greta Gren", "personnummer": "19121212-1212"},
    )
    do_add_affected_person(
        cases["dev_a"].pk,
        acting_user=cast["sas"],
        data={"name": "Hemlig Person", "personnummer": "", "protected_identity": True},
    )
    assert search(client, person="greta") == {cases["dev_b"].case_number}
    assert search(client, person="121212-1212") == {cases["dev_b"].case_number}
    assert search(client, person="191212121212") == {cases["dev_b"].case_number}
    # A protected identity is found by the SAS, never by someone who may not see who it is.
    assert search(client, person="Hemlig") == {cases["dev_a"].case_number}
    client.force_login(cast["decision_maker"])
    assert search(client, person="Hemlig") == set()
    client.force_login(cast["manager_b"])
    assert search(client, person="greta") == {cases["dev_b"].case_number}


def test_filters(client, cast, cases, org):
    client.force_login(cast["sas"])
    c = {k: v.case_number for k, v in cases.items()}
    assert search(client, state="closed") == {c["closed_a"]}
    assert search(client, state="open") == {c["dev_a"], c["dev_b"], c["lex_a"], c["breach_a"]}
    assert search(client, state="reported", type="deviation") == {c["dev_a"], c["dev_b"]}
    assert search(client, unit=org.unit_b.pk) == {c["dev_b"]}
    assert search(client, type="lex_sarah") == {c["lex_a"]}
    closed = Report.objects.get(pk=cases["closed_a"].pk)
    assert search(client, risk_band=closed.risk_band_id) == {c["closed_a"]}
    today = timezone.localdate()
    assert search(client, start=(today + datetime.timedelta(days=1)).isoformat()) == set()
    assert len(search(client, start=today.isoformat(), end=today.isoformat())) == 5
    assert search(client, regulator_status="none") == {
        c["dev_a"],
        c["closed_a"],
        c["dev_b"],
        c["lex_a"],
        c["breach_a"],
    }
    assert search(client, regulator_status="submitted") == set()
    # The closed deviation's action is settled; an open one puts a case in "has open actions".
    assert search(client, open_actions="on") == set()
    factories.settled_action(cases["dev_b"], cast["manager_b"], cast["manager_b"])
    Action.objects.filter(report=cases["dev_b"]).update(
        status=Action.Status.IN_PROGRESS, due_date=today - datetime.timedelta(days=2)
    )
    assert search(client, open_actions="on") == {c["dev_b"]}
    assert c["dev_b"] in search(client, overdue="on")
    assert c["closed_a"] not in search(client, overdue="on")


def test_bad_input_answers_400_with_the_users_text_kept(client, cast, cases):
    client.force_login(cast["sas"])
    response = client.get(reverse("web:register"), {"q": "fall", "start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 400
    assert 'value="fall"' in response.content.decode()
    assert client.get(reverse("web:register"), {"state": "nonsense"}).status_code == 400


def test_sort_and_pages(client, cast, cases, monkeypatch):
    from cases.web import register

    client.force_login(cast["sas"])
    body = client.get(reverse("web:register"), {"sort": "number"}).content.decode()
    found = re.findall(r"[SO]N \d{4}/\d{4}", body)
    ordered = list(dict.fromkeys(found))
    assert ordered == sorted(ordered)
    monkeypatch.setattr(register.RegisterPage, "SIZE", 2)
    first = client.get(reverse("web:register"), {"sort": "number"})
    second = client.get(reverse("web:register"), {"sort": "number", "page": 2})
    assert len(numbers(first)) == 2 and len(numbers(second)) == 2
    assert not numbers(first) & numbers(second)
    assert "5 cases" in first.content.decode() or "5 ärenden" in first.content.decode()
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize("language, delimiter", [("sv", ";"), ("en", ",")])
def test_the_csv_export_is_the_list_and_is_logged(client, cast, cases, language, delimiter):
    client.force_login(cast["manager_a"])
    client.cookies["django_language"] = language
    response = client.get(reverse("web:register_export", args=["csv"]), {"state": "closed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))
    assert len(rows) == 2 and rows[1][0] == cases["closed_a"].case_number
    logged = AuditEvent.objects.filter(chain="access", action="report.register_exported").latest("seq")
    assert logged.payload["report_ids"] == [cases["closed_a"].pk]
    assert logged.payload["format"] == "csv" and logged.payload["filters"] == {"state": "closed"}


def test_the_xlsx_export_and_the_words_searched_stay_out_of_the_log(client, cast, cases):
    client.force_login(cast["sas"])
    response = client.get(reverse("web:register_export", args=["xlsx"]), {"person": "Greta Gren"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1  # the headings: nobody of that name
    response = client.get(reverse("web:register_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        cases[k].case_number for k in ("dev_a", "closed_a", "dev_b", "lex_a", "breach_a")
    }
    for event in AuditEvent.objects.filter(chain="access", action="report.register_exported"):
        assert "Greta" not in str(event.payload)
    assert client.get(reverse("web:register_export", args=["pdf"])).status_code == 404


def test_a_description_that_looks_like_a_formula_is_written_as_text(client, cast, org):
    factories.file("deviation", cast["reporter"], org.unit_a, description='=HYPERLINK("x")')
    client.force_login(cast["sas"])
    response = client.get(reverse("web:register_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=9).value.startswith("'=")


def test_the_register_page_runs_a_fixed_number_of_statements(client, cast, cases, org):
    client.force_login(cast["sas"])
    client.get(reverse("web:register"))
    with assert_num_queries(QUERIES_PAGE):
        client.get(reverse("web:register"))
    for _ in range(3):
        factories.file("deviation", cast["reporter"], org.unit_b)
    with assert_num_queries(QUERIES_PAGE):
        client.get(reverse("web:register"), {"q": "medicin", "type": "deviation"})


# Session, user, role scope; the page's ids, its rows, their notifications; the read-log row
# (chain head, insert, head update); the bell's count; the form's unit and risk-level choices.
QUERIES_PAGE = 12
