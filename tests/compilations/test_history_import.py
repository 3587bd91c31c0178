"""Importing history the way municipalities published it (issue 18): complaints of unstated
kind, regulator notifications and actions, private providers; and the counts the compilation
makes of them, worked out by hand below."""

import datetime

import pytest

from cases.compilations.compilation import board_compilation
from cases.compilations.tables import Scope, complaints
from cases.models import Report
from cases.services import ImportRejected, do_import_reports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The labels below are the English msgids."""
    settings.LANGUAGE_CODE = "en"


YEAR_2024 = (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


def board_scope(org, public=False):
    return Scope(unit=org.sn, start=YEAR_2024[0], end=YEAR_2024[1], public=public)


def rows_by_label(table):
    return {str(row[0]): row[1:] for row in table.rows}


def test_a_complaint_of_unstated_kind_is_imported_and_counted_as_not_stated(org, cast):
    text = (
        "type,unit,reported_at,state,description,complaint_kind,subject_area,closed_at\n"
        f"complaint,{org.unit_a.pk},2024-03-01,closed,Okänd sort.,,bemotande,2024-03-09\n"
        f"complaint,{org.unit_a.pk},2024-04-01,closed,Okänd sort och område.,,,2024-04-09\n"
        f"complaint,{org.unit_b.pk},2024-05-01,closed,Klagomål.,klagomal,bemotande,2024-05-09\n"
    )
    reports = do_import_reports(text, acting_user=None)
    assert [r.complaint_kind_id for r in reports][:2] == [None, None]
    table = complaints(board_scope(org))
    columns = [str(c) for c in table.columns]
    not_stated, klagomal = columns.index("Not stated"), columns.index("Klagomål")
    rows = {str(row[0]): row for row in table.rows}
    # Bemötande: one klagomål and one of no kind; no area: one of no kind; totals 3.
    assert rows["Bemötande"][klagomal] == 1 and rows["Bemötande"][not_stated] == 1
    assert rows["Not stated"][not_stated] == 1 and rows["Not stated"][-1] == 1
    assert rows["Total"][not_stated] == 2 and rows["Total"][-1] == 3


def test_a_complaint_kind_is_still_checked_when_given(org, cast):
    text = (
        "type,unit,reported_at,state,description,complaint_kind\n"
        f"complaint,{org.unit_a.pk},2024-03-01,received,Text,klagomal\n"
        f"complaint,{org.unit_a.pk},2024-03-01,received,Text,gnäll\n"
    )
    with pytest.raises(ImportRejected) as caught:
        do_import_reports(text, acting_user=None)
    assert [(e["line"], e["column"]) for e in caught.value.rows] == [(3, "complaint_kind")]
    assert not Report.objects.exists()
