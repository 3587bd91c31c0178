"""Lex Maria's tables of the board's compilation against values worked out by hand.

Period 2025-03-01 – 2025-10-31 (T1 March–April, T2 May–August, T3 September–October):
  M1 lex Maria 2025-03-12 unit A (Äldreomsorg)  läkemedel + fall, IVO decided 2025-03-20 → criticism
  M2 lex Maria 2025-04-30 23:30 unit A  (T1 locally)  läkemedel, IVO decided 2025-05-05, awaiting
  M3 lex Maria 2025-05-01 00:10 unit F (IFO)  (T2 locally)  fall, not notified
  M4 lex Maria 2025-09-15 unit B (private provider)  omvårdnad, IVO decided 2025-09-20 → closed
  M5 lex Maria 2025-02-27 unit A  (before the period)  läkemedel, IVO decided 2025-03-02 (in it)
  L1 lex Sarah 2025-06-01 unit A, IVO decided 2025-06-05 → criticism (in the lex Sarah table only)
"""

import datetime

import pytest
from django.utils import translation

from cases.models import LegalReference, OrgUnit, RegulatorNotification
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope
from reporting.services.aggregates import rebuild
from tests.compilations.conftest import at, make, term

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 10, 31)
PRIVATE = "Private providers (not in the total)"


@pytest.fixture(autouse=True)
def _english_labels():
    with translation.override("en"):
        yield


@pytest.fixture
def maria_world(org, cast):
    sf = org.unit_a.parent.parent
    ifo = OrgUnit.objects.create(kind="avdelning", name="IFO", parent=sf)
    unit_f = OrgUnit.objects.create(kind="enhet", name="Familjeenheten", parent=ifo)
    a, b = org.unit_a, org.unit_b
    lakemedel = term("lex_maria_category", "lakemedel")
    fall = term("lex_maria_category", "fall")
    omvardnad = term("lex_maria_category", "omvardnad")
    assert LegalReference.objects.filter(code="lex-maria-anmalan").exists()

    def notify(report, when, outcome=""):
        RegulatorNotification.objects.create(
            report=report, regulator="ivo", decided_at=when, decided_by=cast["mas"], outcome=outcome
        )

    m1 = make("lex_maria", a, at(2025, 3, 12), categories=[lakemedel, fall])
    notify(m1, at(2025, 3, 20), "criticism")
    m2 = make("lex_maria", a, at(2025, 4, 30, 23, 30), categories=[lakemedel])
    notify(m2, at(2025, 5, 5))
    make("lex_maria", unit_f, at(2025, 5, 1, 0, 10), categories=[fall])
    m4 = make("lex_maria", b, at(2025, 9, 15), categories=[omvardnad])
    notify(m4, at(2025, 9, 20), "closed")
    m5 = make("lex_maria", a, at(2025, 2, 27), categories=[lakemedel])
    notify(m5, at(2025, 3, 2))
    l1 = make("lex_sarah", a, at(2025, 6, 1))
    notify(l1, at(2025, 6, 5), "criticism")
    rebuild()
    return org


def tables(org, public=False):
    return {t.key: t for t in board_compilation(Scope(org.sn, START, END, public=public)).tables}


def by_label(table):
    return {str(row[0]): row[1:] for row in table.rows}


def test_lex_maria_per_tertial_and_verksamhet(maria_world):
    table = tables(maria_world)["lex_maria_per_tertial"]
    assert [str(c) for c in table.columns] == ["Verksamhet", "2025 T1", "2025 T2", "2025 T3", "Total"]
    assert by_label(table) == {
        "IFO": [0, 1, 0, 1],  # M3, just after midnight on 1 May
        "Äldreomsorg": [2, 0, 0, 2],  # M1, M2 (M5 is before the period)
        "Total": [2, 1, 0, 3],
        "Omsorg AB (privat) (private provider)": [0, 0, 1, 1],  # M4
    }


def test_lex_maria_categories_count_a_report_once_in_each(maria_world):
    table = tables(maria_world)["lex_maria_categories"]
    rows = by_label(table)
    assert rows["Läkemedel"] == [2]  # M1, M2
    assert rows["Fall"] == [2]  # M1, M3
    assert rows["Omvårdnad"] == [0]  # M4 is private
    assert rows["Total category marks"] == [4]
    assert rows[PRIVATE] == [1]
    assert "(3)" in str(table.footnotes[0])  # three reports gave four marks


def test_lex_maria_notifications_apart_from_lex_sarahs(maria_world):
    all_tables = tables(maria_world)
    assert by_label(all_tables["lex_maria_ivo_notifications"]) == {
        "Awaiting the regulator's decision": [2],  # M2, M5 (decided in the period, reported before)
        "Closed without criticism": [0],
        "Criticism": [1],  # M1
        "More information requested": [0],
        "Total": [3],
        PRIVATE: [1],  # M4
    }
    assert by_label(all_tables["ivo_notifications"])["Total"] == [1]  # L1 only


def test_lex_maria_in_the_tables_of_every_type(maria_world):
    all_tables = tables(maria_world)
    assert by_label(all_tables["individuals"])["Lex Maria (vårdskada)"] == [3, 0]
    risks = all_tables["risks"]
    column = [str(c) for c in risks.columns].index("Lex Maria (vårdskada)")
    assert by_label(risks)["Not assessed"][column - 1] == 3


def test_the_public_compilation_hides_small_counts(maria_world):
    public = tables(maria_world, public=True)
    for key in ("lex_maria_per_tertial", "lex_maria_categories", "lex_maria_ivo_notifications"):
        cells = [cell for row in public[key].display_rows() for cell in row[1:]]
        assert "*" in cells, key  # every count here is below the threshold of five
        assert not {"1", "2", "3", "4"} & set(cells), key
