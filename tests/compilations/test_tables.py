"""Each table of the board's compilation against values worked out by hand from the
fixture in conftest.py (its docstring lists every case).

Unit B (Omsorg AB) is a private provider (tests/cast.py): its cases in the period — L2, D3,
C3 and B3 — are not in the board's totals but in a row beside them, "Private providers (not in
the total)" (or, in the table by verksamhet, a row of its own)."""

import datetime

import pytest
from django.utils import translation

from reporting.selectors.compilation import board_compilation, quality_chapter, year_scope
from reporting.selectors.tables import Scope
from tests.queries import assert_num_queries

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 10, 31)
PRIVATE = "Private providers (not in the total)"


@pytest.fixture(autouse=True)
def _english_labels():
    """The expected rows below are written with the English labels."""
    with translation.override("en"):
        yield


def internal(world, start=START, end=END):
    return {t.key: t for t in board_compilation(Scope(world.org.sn, start, end, public=False)).tables}


def by_label(table):
    return {str(row[0]): row[1:] for row in table.rows}


def test_lex_sarah_per_year_three_years_across_the_year_boundary(world):
    table = internal(world)["lex_sarah_per_year"]
    assert table.columns[1:] == ["2023", "2024", "2025"]
    # L5 at 23:30 on New Year's Eve counts in 2024, L6 at 00:30 on New Year's Day in 2025;
    # L2 (unit B, private) is beside the board's own 2025 (L1, L3, L4, L6).
    assert table.rows == [["Socialnämnden", 1, 1, 4], [PRIVATE, 0, 0, 1]]


def test_lex_sarah_per_tertial_and_verksamhet(world):
    table = internal(world)["lex_sarah_per_tertial"]
    assert [str(c) for c in table.columns] == ["Verksamhet", "2025 T1", "2025 T2", "2025 T3", "Total"]
    # L2 (30 April 23:30 local, unit B: private) is T1, on the provider's own row; L3 (1 May
    # 00:10 local, still April in UTC) is T2.
    assert by_label(table) == {
        "IFO": [0, 1, 0, 1],
        "Äldreomsorg": [1, 0, 1, 2],
        "Total": [1, 1, 1, 3],
        "Omsorg AB (privat) (private provider)": [1, 0, 0, 1],
    }
    assert [str(row[0]) for row in table.rows][-2] == "Total"


def test_lex_sarah_per_tertial_across_a_year_boundary(world):
    table = internal(world, datetime.date(2024, 11, 1), datetime.date(2025, 2, 28))["lex_sarah_per_tertial"]
    assert [str(c) for c in table.columns] == ["Verksamhet", "2024 T3", "2025 T1", "Total"]
    assert by_label(table) == {
        "IFO": [0, 1, 1],
        "Äldreomsorg": [1, 0, 1],
        "Total": [1, 1, 2],
        "Omsorg AB (privat) (private provider)": [0, 0, 0],
    }


def test_categories_count_a_report_once_in_each(world):
    table = internal(world)["lex_sarah_categories"]
    rows = by_label(table)
    assert rows["Våld eller övergrepp"] == [1]  # L1 (L2 is private)
    assert rows["Försummelse"] == [2]  # L1, L4
    assert rows["Brister i bemötande"] == [1]  # L3
    assert rows["Ekonomiska oegentligheter"] == [0]
    assert rows["Total category marks"] == [4]
    assert rows[PRIVATE] == [1]  # L2: våld
    assert "(3)" in str(table.footnotes[0])  # three reports gave four marks


def test_individuals_concerned(world):
    rows = by_label(internal(world)["individuals"])
    assert rows["Lex Sarah"] == [3, 3]  # L1 concerns two persons, L4 one, L3 none
    assert rows["Deviation (avvikelse)"] == [3, 0]
    assert rows["Total"] == [3 + 3 + 3 + 2, 3]
    assert rows[PRIVATE] == [4, 1]  # L2 (one person), D3, C3, B3


def test_ivo_notifications_and_outcomes(world):
    rows = by_label(internal(world)["ivo_notifications"])
    assert rows == {
        "Awaiting the regulator's decision": [0],
        "Closed without criticism": [0],
        "Criticism": [1],
        "More information requested": [0],
        "Total": [1],
        PRIVATE: [1],  # L2, awaiting
    }


def test_complaints_per_kind_and_subject_area(world):
    table = internal(world)["complaints"]
    columns = [str(c) for c in table.columns]
    assert columns == ["Subject area", "Klagomål", "Synpunkt", "Förslag", "Beröm", "Total"]
    rows = by_label(table)
    assert rows["Handläggning"] == [2, 0, 0, 0, 2]
    assert rows["Bemötande"] == [0, 0, 0, 0, 0]
    assert rows["Tillgänglighet"] == [0, 0, 0, 0, 0]
    assert rows["Not stated"] == [0, 0, 0, 1, 1]
    assert rows["Total"] == [2, 0, 0, 1, 3]
    assert rows[PRIVATE] == [0, 1, 0, 0, 1]  # C3: synpunkt


def test_deviation_types_with_share_and_actions(world):
    rows = by_label(internal(world)["deviations"])
    assert rows["Kommunikation och information"] == [2, 66.7, 1]  # D2 led to no action
    assert rows["Utbildning, kompetens"] == [0, 0.0, 0]  # D3 is private
    assert rows["Not categorised"] == [1, 33.3, 0]  # D4: action-less and uncategorised
    assert rows["Övriga"] == [0, 0.0, 0]
    assert rows["Total"] == [3, 100.0, 1]
    assert rows[PRIVATE] == [1, None, 1]  # D3, with actions; no share of the board's total


def test_risks_by_level(world):
    table = internal(world)["risks"]
    assert [str(c) for c in table.columns][1:3] == [
        "Deviation (avvikelse)",
        "Complaint or feedback (klagomål/synpunkt)",
    ]
    rows = by_label(table)
    assert rows["Låg (1–4)"] == [1, 0, 0, 0, 1]
    assert rows["Hög (8–11)"] == [1, 0, 1, 0, 2]  # D2 and L1
    assert rows["Not assessed"] == [1, 3, 2, 2, 8]
    assert rows["Total"] == [3, 3, 3, 2, 11]
    assert rows[PRIVATE] == [1, 1, 1, 1, 4]  # D3, C3, L2, B3


def test_actions_by_origin_and_status(world):
    rows = by_label(internal(world)["actions"])
    assert rows["Deviation (avvikelse)"] == [0, 0, 1, 1]
    assert rows["Lex Sarah"] == [0, 0, 1, 1]
    assert rows["Total"] == [0, 0, 2, 2]
    assert rows[PRIVATE] == [1, 1, 0, 2]  # D3's two actions


def test_breaches_and_imy(world):
    rows = by_label(internal(world)["breaches"])
    assert rows["Not notified to IMY (documented only)"] == [1]
    assert rows["Notified to IMY, awaiting IMY's decision"] == [0]
    assert rows["Notified to IMY: Closed without criticism"] == [1]
    assert rows["Not yet decided"] == [0]
    assert rows["Breaches reported"] == [2]
    assert rows[PRIVATE] == [1]  # B3, undecided


def test_summaries_of_closed_investigations_are_anonymised(world):
    table = internal(world)["summaries"]
    assert [row[0] for row in table.rows] == [world.L1.case_number, world.L4.case_number]
    l1 = table.rows[0]
    assert l1[1] == "Äldreomsorg"
    assert l1[3] == "Serious shortcoming (missförhållande)"  # the English catalogue's label
    text = " ".join(str(v) for row in table.rows for v in row)
    for secret in (
        "Anna",
        "Andersson",
        "Bertil",
        "19450101-1234",
        "194602021234",
        "070-123",
        "anna@example.se",
        "Cecilia",
        "David",
        "Dahl",
    ):
        assert secret not in text
    assert "[name]" in l1[5] and "[personal identity number]" in l1[5]


def test_delegation_decisions_of_the_period(world):
    table = internal(world)["delegation_decisions"]
    assert [(row[0], row[1], row[2]) for row in table.rows] == [
        ("2025-04-01", world.L1.case_number, "Notify IVO"),
        ("2025-04-02", world.B1.case_number, "Notify IMY"),
        ("2025-06-02", world.B2.case_number, "Not notify IMY"),
        ("2025-09-30", world.L4.case_number, "Not notify IVO"),
    ]


def test_the_other_board_is_not_in_the_compilation_but_in_the_municipality_chapter(world):
    per_year = quality_chapter(year_scope(world.org.kommun, 2025, public=False)).tables[0]
    assert per_year.rows == [
        ["Omsorgsnämnden", 0, 0, 1],
        ["Socialnämnden", 1, 1, 4],
        ["Total", 1, 1, 5],
        [PRIVATE, 0, 0, 1],
    ]


def test_public_compilation_hides_case_numbers_and_small_counts(world):
    tables = {t.key: t for t in board_compilation(Scope(world.org.sn, START, END, public=True)).tables}
    assert tables["lex_sarah_per_year"].display_rows() == [
        ["Socialnämnden", "*", "*", "*"],
        [PRIVATE, "0", "0", "*"],
    ]
    assert "Case number" not in [str(c) for c in tables["summaries"].columns]
    assert "Case number" not in [str(c) for c in tables["delegation_decisions"].columns]
    assert "fewer than 5" in str(tables["lex_sarah_categories"].footnotes[0])


def test_query_count_is_fixed(world):
    # Twelve tables in a fixed number of queries, however many cases there are. 28 since the
    # summaries read the SAS's reviews (SummaryReview) in one more query; 46 since the board has
    # a private provider: the ten count tables are also made for the private providers alone
    # (17 queries), and the organisation tree is read once (1); 48 with the table registered by
    # the records room (the boards, then the loggkontroll's counts: 2); 60 with the quality
    # room's five tables (the control charts, the signal analyses, the lead times and the clocks
    # kept, read once for both, and the risks by level: 12).
    with assert_num_queries(60):
        board_compilation(Scope(world.org.sn, START, END, public=True))


def test_statistics_query_count_is_fixed(world):
    import datetime as dt

    from django.contrib.auth import get_user_model

    from reporting.selectors.statistics import statistics

    sas = get_user_model().objects.get(pk=world.cast["sas"].pk)  # no role scope cached yet
    # Role scope, the counts, the three-year trend, the category labels.
    with assert_num_queries(5):
        statistics(sas, by="category", period="tertial", start=dt.date(2025, 3, 1), end=dt.date(2025, 10, 31))
