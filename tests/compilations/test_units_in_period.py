"""Units have validity dates (``OrgUnit.active_from``/``active_until``, both days included,
blank = always): every table by unit lists every unit of the board that existed at some time
in the period, with zeros, and no unit closed before it or opened after it, in every format
(issue 18). The world is conftest.py's: the period is 2025-03-01 – 2025-10-31; Socialnämnden's
verksamheter are Äldreomsorg (A; B is the private provider Omsorg AB) and IFO (F)."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from cases.models import OrgUnit
from reporting.selectors.compilation import board_compilation, quality_chapter, year_scope
from reporting.selectors.tables import Scope
from reporting.services import exports
from tests.compilations.conftest import at, make
from tests.compilations.test_api import docx_text, pdf_text

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 10, 31)
D = datetime.date


@pytest.fixture(autouse=True)
def _english_labels():
    with translation.override("en"):
        yield


@pytest.fixture
def dated(world):
    """Units directly under Socialförvaltningen (each its own verksamhet), around the period."""
    sf = world.org.unit_a.parent.parent

    def unit(name, start=None, until=None, **fields):
        return OrgUnit.objects.create(
            kind="enhet", name=name, parent=sf, active_from=start, active_until=until, **fields
        )

    return {
        "closed before": unit("Stängd 2024", until=D(2025, 2, 28)),
        "opened after": unit("Öppnar 2026", start=D(2025, 11, 1)),
        "closed on the first day": unit("Stänger 1 mars", until=D(2025, 3, 1)),
        "opened on the last day": unit("Öppnar 31 oktober", start=D(2025, 10, 31)),
        "inside": unit("Sommarhemmet", start=D(2025, 6, 1), until=D(2025, 7, 31)),
        "around": unit("Korttidsboendet", start=D(2020, 1, 1), until=D(2030, 12, 31)),
        "private closed before": unit("Gamla Vård AB", until=D(2024, 12, 31), is_private_provider=True),
    }


def by_unit(unit, public=False):
    compilation = board_compilation(Scope(unit, START, END, public=public))
    table = next(t for t in compilation.tables if t.key == "lex_sarah_per_tertial")
    return compilation, {str(row[0]): row[1:] for row in table.rows}


def test_every_unit_that_existed_in_the_period_is_a_row_and_no_other(world, dated):
    _compilation, rows = by_unit(world.org.sn)
    # Tertials in the period: T1 (March–April), T2, T3 (September–October), then the total.
    assert list(rows) == [
        "IFO",
        "Korttidsboendet",
        "Sommarhemmet",
        "Stänger 1 mars",
        "Äldreomsorg",
        "Öppnar 31 oktober",
        "Total",
        "Omsorg AB (privat) (private provider)",
    ]
    for name in ("Korttidsboendet", "Sommarhemmet", "Stänger 1 mars", "Öppnar 31 oktober"):
        assert rows[name] == [0, 0, 0, 0], name
    # L1 (A, T1), L3 (F, T2), L4 (A, T3): the board's own total is unchanged by the new rows.
    assert rows["Total"] == [1, 1, 1, 3]
    assert rows["Omsorg AB (privat) (private provider)"] == [1, 0, 0, 1]  # L2 on B, 30 April


def test_a_unit_outside_the_period_is_a_row_only_for_reports_filed_on_it(world, dated):
    # A report of the period filed on a unit recorded as closed still counts, and shows its row.
    make("lex_sarah", dated["closed before"], at(2025, 5, 20))
    from reporting.services.aggregates import rebuild

    rebuild()
    _compilation, rows = by_unit(world.org.sn)
    assert rows["Stängd 2024"] == [0, 1, 0, 1]
    assert rows["Total"] == [1, 2, 1, 4]
    assert "Öppnar 2026" not in rows


def test_the_closed_unit_is_no_row_in_any_format(world, dated):
    compilation, _rows = by_unit(world.org.sn)
    csv_rows = list(csv.reader(io.StringIO(exports.to_csv(compilation).decode("utf-8-sig"))))
    assert ["Sommarhemmet", "0", "0", "0", "0"] in csv_rows
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(compilation))).active
    assert ("Sommarhemmet", 0, 0, 0, 0) in [tuple(r[:5]) for r in sheet.iter_rows(values_only=True)]
    docx, pdf = docx_text(exports.to_docx(compilation)), pdf_text(exports.to_pdf(compilation))
    for text in (docx, pdf):
        assert "Sommarhemmet" in text and "Öppnar 31 oktober" in text
        assert "Stängd 2024" not in text and "Öppnar 2026" not in text and "Gamla Vård AB" not in text
    assert not any("Stängd 2024" in cell for row in csv_rows for cell in row)


def test_the_public_version_lists_the_same_units(world, dated):
    _compilation, rows = by_unit(world.org.sn, public=True)
    assert "Sommarhemmet" in rows and "Stängd 2024" not in rows and "Öppnar 2026" not in rows
    assert rows["Sommarhemmet"] == [0, 0, 0, 0]


def test_a_private_provider_closed_before_the_period_is_not_beside_the_total(world, dated):
    omsorg = world.org.unit_b
    omsorg.active_until = D(2025, 2, 28)  # Omsorg AB's contract ended before the period …
    omsorg.save()
    OrgUnit.objects.filter(pk=dated["private closed before"].pk).delete()
    # … but L2 (30 April) and D3, B3 are filed on it: private cases of the period keep its row.
    _compilation, rows = by_unit(world.org.sn)
    assert rows["Omsorg AB (privat) (private provider)"] == [1, 0, 0, 1]
    # Outside the period it is neither a row nor beside the total.
    scope = Scope(world.org.sn, D(2031, 1, 1), D(2031, 12, 31), public=False)
    assert not scope.has_private_provision()
    labels = [str(r[0]) for t in board_compilation(scope).tables for r in t.rows]
    assert not any("private provider" in label.lower() for label in labels)


def test_the_municipality_lists_the_boards_that_existed_in_the_three_years(world):
    municipality = world.org.sn.parent
    OrgUnit.objects.create(
        kind="namnd",
        name="Gamla nämnden",
        parent=municipality,
        case_number_prefix="GN",
        active_until=D(2022, 12, 31),
    )
    OrgUnit.objects.create(
        kind="namnd",
        name="Nedlagda nämnden",
        parent=municipality,
        case_number_prefix="NN",
        active_until=D(2023, 6, 30),
    )
    OrgUnit.objects.create(
        kind="namnd",
        name="Nya nämnden",
        parent=municipality,
        case_number_prefix="YN",
        active_from=D(2026, 1, 1),
    )
    chapter = quality_chapter(year_scope(municipality, 2025, public=False))
    per_year = next(t for t in chapter.tables if t.key == "lex_sarah_per_year")
    rows = {str(row[0]): row[1:] for row in per_year.rows}
    # 2023–2025: the closed board existed in 2023, so it is a row of zeros; the other two are not.
    assert rows["Nedlagda nämnden"] == [0, 0, 0]
    assert "Gamla nämnden" not in rows and "Nya nämnden" not in rows


def test_a_unit_cannot_close_before_it_opened(world):
    unit = OrgUnit(
        kind="enhet",
        name="Fel",
        parent=world.org.unit_a.parent,
        active_from=D(2025, 5, 1),
        active_until=D(2025, 4, 30),
    )
    with pytest.raises(ValidationError) as raised:
        unit.full_clean()
    assert "active_until" in raised.value.message_dict


@pytest.mark.parametrize(
    ("start", "until", "existed"),
    [
        (None, None, True),
        (None, D(2025, 2, 28), False),
        (None, D(2025, 3, 1), True),
        (D(2025, 10, 31), None, True),
        (D(2025, 11, 1), None, False),
        (D(2025, 6, 1), D(2025, 6, 30), True),
    ],
)
def test_existed_between_counts_both_days(start, until, existed):
    assert OrgUnit(active_from=start, active_until=until).existed_between(START, END) is existed


# --- Statistics by unit -------------------------------------------------------------------

STATISTICS_PERIOD = {"from": "2025-03-01", "to": "2025-10-31", "by": "unit", "period": "tertial"}


def unit_rows(user, **query):
    from reporting.selectors.statistics import statistics

    result = statistics(user, by="unit", period="tertial", start=START, end=END, **query)
    return {row["label"]: row["counts"] for row in result["rows"]}, result


def test_statistics_by_unit_list_every_unit_of_the_period_with_zeros(world, dated, people):
    rows, result = unit_rows(people["sas"], type="lex_sarah")
    # Lex Sarah of SN by tertial (T1, T2, T3): L1 A 10 March and L4 A 15 September; L2 B 30 April
    # 23:30 (T1 locally); L3 F 1 May 00:10 (T2). Omsorgsnämnden's unit C is beyond the boundary.
    assert rows == {
        world.org.unit_a.name: [1, 0, 1],
        world.org.unit_b.name: [1, 0, 0],
        "Familjeenheten": [0, 1, 0],
        "Korttidsboendet": [0, 0, 0],
        "Sommarhemmet": [0, 0, 0],
        "Stänger 1 mars": [0, 0, 0],
        "Öppnar 31 oktober": [0, 0, 0],
    }
    assert result["totals"] == [2, 1, 1] and result["total"] == 4


def test_a_unit_manager_is_shown_only_their_unit_even_without_cases(world, dated, people):
    rows, _result = unit_rows(people["manager_a"], type="lex_sarah")
    assert rows == {world.org.unit_a.name: [1, 0, 1]}
    rows, _result = unit_rows(people["manager_a"], type="data_breach")  # not a type they count
    assert rows == {}


def test_the_statistics_page_lists_the_units_with_zeros(world, dated, people):
    from django.test import Client

    client = Client()
    client.force_login(people["sas"])
    html = client.get("/statistics/", STATISTICS_PERIOD).content.decode()
    assert "Sommarhemmet" in html and "Öppnar 31 oktober" in html
    assert "Stängd 2024" not in html and "Öppnar 2026" not in html


def test_the_provision_of_a_unit_with_cases_cannot_change_so_history_keeps_it(world):
    """A case's provision is its unit's. A unit with cases keeps its mark (the administration
    refuses to change it); a change of provider is a closed unit and a new one, and the history
    stays where it was: B's 2025 cases stay beside the total, the new municipal unit counts in it."""
    from reporting.services.aggregates import rebuild

    omsorg = world.org.unit_b  # private, with L2, D3, B3 filed on it
    omsorg.is_private_provider = False
    with pytest.raises(ValidationError) as raised:
        omsorg.full_clean()
    assert "is_private_provider" in raised.value.message_dict
    empty = OrgUnit.objects.create(kind="enhet", name="Tom", parent=omsorg.parent, is_private_provider=True)
    empty.is_private_provider = False
    empty.full_clean()  # no cases: the mark may change
    omsorg = OrgUnit.objects.get(pk=omsorg.pk)
    omsorg.active_until = D(2025, 6, 30)
    omsorg.full_clean()
    omsorg.save()
    taken_over = OrgUnit.objects.create(
        kind="enhet", name="Kommunens hemtjänst", parent=omsorg.parent, active_from=D(2025, 7, 1)
    )
    make("lex_sarah", taken_over, at(2025, 9, 1))
    rebuild()
    _compilation, rows = by_unit(world.org.sn)
    # Own provision: L1 (T1), L3 (T2), L4 and the new unit's report (T3) — both in Äldreomsorg.
    assert rows["Äldreomsorg"] == [1, 0, 2, 3]
    assert rows["Total"] == [1, 1, 2, 4]
    assert rows["Omsorg AB (privat) (private provider)"] == [1, 0, 0, 1]  # L2, as before


def test_the_board_administrator_sets_the_dates_and_may_not_flip_a_unit_with_cases(world, cast, org, client):
    """The board-scoped admin: Socialnämnden's administrator closes unit A on its change page;
    Omsorgsnämnden's administrator does not reach it; unit B (with cases) keeps its mark."""
    from django.contrib.auth.models import Permission

    from cases.models import User
    from tests.cases.test_admin_scope import browser_data, url

    for name in ("admin_sn", "admin_on"):
        User.objects.filter(pk=cast[name].pk).update(is_staff=True)
        cast[name].user_permissions.set(Permission.objects.filter(content_type__model="orgunit"))
    client.force_login(User.objects.get(pk=cast["admin_sn"].pk))
    page = client.get(url(org.unit_a, "change"))
    assert page.status_code == 200 and 'name="active_until"' in page.content.decode()
    data = {**browser_data(page), "active_until": "2025-06-30"}
    assert client.post(url(org.unit_a, "change"), data).status_code == 302
    assert OrgUnit.objects.get(pk=org.unit_a.pk).active_until == D(2025, 6, 30)
    page = client.get(url(org.unit_b, "change"))
    data = browser_data(page)
    data.pop("is_private_provider", None)  # unticked
    refused = client.post(url(org.unit_b, "change"), data)
    assert refused.status_code == 200 and "is_private_provider" in refused.context["adminform"].form.errors
    assert OrgUnit.objects.get(pk=org.unit_b.pk).is_private_provider
    client.force_login(User.objects.get(pk=cast["admin_on"].pk))
    assert client.get(url(org.unit_a, "change")).status_code in (302, 403, 404)
    assert OrgUnit.objects.get(pk=org.unit_a.pk).active_until == D(2025, 6, 30)
