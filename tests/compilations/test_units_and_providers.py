"""Every verksamhet of the board is a row, with zeros when it had no reports; private providers
are shown beside the board's total, not inside it, in every count table (issue 18). The
world is conftest.py's; unit B (Omsorg AB) is a private provider (tests/cast.py)."""

import datetime

import pytest
from django.utils import translation

from cases.models import OrgUnit
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import LISTS, PRIVATE_PROVIDERS, Scope

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 10, 31)


@pytest.fixture(autouse=True)
def _english_labels():
    with translation.override("en"):
        yield


def tables(unit, public=False, start=START, end=END):
    return {t.key: t for t in board_compilation(Scope(unit, start, end, public=public)).tables}


def labels(table):
    return [str(row[0]) for row in table.rows]


def test_a_verksamhet_without_reports_is_a_row_of_zeros(world):
    sf = world.org.unit_a.parent.parent
    OrgUnit.objects.create(kind="avdelning", name="Funktionsstöd", parent=sf)
    direct = OrgUnit.objects.create(kind="enhet", name="Boendestöd", parent=sf)  # in no avdelning
    OrgUnit.objects.create(kind="enhet", name="Nattpatrull", parent=world.org.unit_a.parent)  # in Äldreomsorg
    table = tables(world.org.sn)["lex_sarah_per_tertial"]
    rows = {str(row[0]): row[1:] for row in table.rows}
    assert labels(table) == [
        "Boendestöd",
        "Funktionsstöd",
        "IFO",
        "Äldreomsorg",
        "Total",
        "Omsorg AB (privat) (private provider)",
    ]
    assert rows["Boendestöd"] == rows["Funktionsstöd"] == [0, 0, 0, 0]
    assert rows["Total"] == [1, 1, 1, 3]
    assert direct.pk  # a unit outside any avdelning is its own verksamhet


def test_an_empty_period_still_lists_every_verksamhet(world):
    table = tables(world.org.sn, start=datetime.date(2031, 1, 1), end=datetime.date(2031, 4, 30))[
        "lex_sarah_per_tertial"
    ]
    assert [[str(row[0]), *row[1:]] for row in table.rows] == [
        ["IFO", 0, 0],
        ["Äldreomsorg", 0, 0],
        ["Total", 0, 0],
        ["Omsorg AB (privat) (private provider)", 0, 0],
    ]


def test_a_board_without_private_providers_has_no_row_beside_its_total(world):
    for key, table in tables(world.org.on).items():
        assert PRIVATE_PROVIDERS not in table.rows and not any(
            "private provider" in r for r in labels(table)
        ), key


def test_every_count_table_has_the_private_providers_beside_the_total(world):
    for key, table in tables(world.org.sn).items():
        if key in LISTS:
            continue
        private = [label for label in labels(table) if "rivate provider" in label]
        assert private, key
        assert any("Private providers" in str(note) for note in table.footnotes), key
        if table.total_row and key != "lex_sarah_per_year":
            # The total is the sum of the rows above it: the private row is not among them.
            last = labels(table).index(private[0]) - 1
            for c in table.counts:
                if c not in table.derived:
                    assert table.rows[last][c] == sum(row[c] for row in table.rows[:last]), (key, c)


def test_units_below_a_private_department_are_private(world):
    sf = world.org.unit_a.parent.parent
    provider = OrgUnit.objects.create(kind="avdelning", name="Vård AB", parent=sf, is_private_provider=True)
    OrgUnit.objects.create(kind="enhet", name="Vård AB Söder", parent=provider)
    world.unit_f.parent = provider
    world.unit_f.save()
    from reporting.services.aggregates import rebuild

    rebuild()
    table = tables(world.org.sn)["lex_sarah_per_tertial"]
    rows = {str(row[0]): row[1:] for row in table.rows}
    # IFO's unit F (L3 in T2) moved under the provider: one row for the provider, F's report in it.
    assert rows["Vård AB (private provider)"] == [0, 1, 0, 1]
    assert rows["Total"] == [1, 0, 1, 2]
    assert "IFO" in rows and rows["IFO"] == [0, 0, 0, 0]


def test_the_private_row_is_suppressed_on_its_own_in_the_public_version(world):
    table = tables(world.org.sn, public=True)["breaches"]
    # Own breaches: B1 closed, B2 not notified (2, hidden); B3 private, 1: hidden as well.
    assert table.display_rows()[-1] == [PRIVATE_PROVIDERS, "*"]
