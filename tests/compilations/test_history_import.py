"""Importing history the way municipalities published it (issue 18): complaints of unstated
kind, regulator notifications and actions, private providers; and the counts the compilation
makes of them, worked out by hand below."""

import datetime

import pytest

from cases.models import AuditEvent, RegulatorNotification, Report
from cases.services import ImportRejected, do_import_reports
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope, complaints

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


HISTORY_HEADER = (
    "type,unit,reported_at,state,description,categories,closed_at,notification,notification_decided_at,"
    "notification_decided_by,notified_at,regulator_outcome,regulator_outcome_at,actions"
)


def history_file(org):
    a = org.unit_a.pk
    return "\n".join(
        [
            HISTORY_HEADER,
            # line 2: lex Sarah notified to IVO, criticised
            f"lex_sarah,{a},2024-02-01,closed,Text,forsummelse,2024-04-01,yes,2024-02-10,Socialchef,2024-02-12,criticism,2024-06-01,done",
            # line 3: lex Sarah notified, awaiting IVO (decided in the year)
            f"lex_sarah,{a},2024-11-01,closed,Text,forsummelse,2024-12-01,yes,2024-11-20,,2024-11-21,,,",
            # line 4: lex Sarah not notified
            f"lex_sarah,{a},2024-03-01,closed,Text,forsummelse,2024-03-20,no,2024-03-15,Socialchef,,,,",
            # line 5: breach notified to IMY, closed by IMY
            f"data_breach,{a},2024-05-01,closed,Text,,2024-05-30,yes,2024-05-02,,2024-05-03,closed,2024-09-01,",
            # line 6: breach documented only (not notified)
            f"data_breach,{a},2024-06-01,closed,Text,,2024-06-10,no,2024-06-02,,,,,",
            # line 7: breach notified, IMY's decision not known
            f"data_breach,{a},2024-07-01,closed,Text,,2024-07-30,yes,2024-07-02,,,,,",
            # line 8: deviation that led to two actions, one done and one still in progress
            f"deviation,{a},2024-08-01,closed,Text,,2024-08-30,,,,,,,done;in_progress",
            # line 9: deviation without actions
            f"deviation,{a},2024-09-01,closed,Text,,2024-09-30,,,,,,,",
        ]
    )


def test_notifications_and_actions_are_imported_and_counted(org, people):
    reports = do_import_reports(history_file(org), acting_user=people["admin"])
    assert len(reports) == 8
    tables = {t.key: t for t in board_compilation(board_scope(org)).tables}
    # IVO, decided in 2024: line 2 criticised, line 3 awaiting; line 4 was not notified.
    assert rows_by_label(tables["ivo_notifications"]) == {
        "Awaiting the regulator's decision": [1],
        "Closed without criticism": [0],
        "Criticism": [1],
        "More information requested": [0],
        "Total": [2],
        "Private providers (not in the total)": [0],  # unit B of the cast
    }
    # Breaches: line 5 closed by IMY, line 6 documented only, line 7 awaiting IMY.
    breaches = rows_by_label(tables["breaches"])
    assert breaches["Not notified to IMY (documented only)"] == [1]
    assert breaches["Notified to IMY, awaiting IMY's decision"] == [1]
    assert breaches["Notified to IMY: Closed without criticism"] == [1]
    assert breaches["Not yet decided"] == [0]
    assert breaches["Breaches reported"] == [3]
    # Deviations: two, uncategorised; one led to documented actions.
    assert rows_by_label(tables["deviations"])["Total"] == [2, 100.0, 1]
    # Actions: the deviation's done and in-progress action, the lex Sarah case's done one.
    actions = rows_by_label(tables["actions"])
    assert actions["Deviation (avvikelse)"] == [0, 1, 1, 2]
    assert actions["Lex Sarah"] == [0, 0, 1, 1]
    assert actions["Total"] == [0, 1, 2, 3]
    # Delegation decisions: one per decision, with the delegate's title from the file.
    decisions = tables["delegation_decisions"].rows
    assert [(row[0], row[2], row[3]) for row in decisions][:2] == [
        ("2024-02-10", "Notify IVO", "Socialchef"),
        ("2024-03-15", "Not notify IVO", "Socialchef"),
    ]
    assert len(decisions) == 6
    notified = RegulatorNotification.objects.get(report=reports[0])
    assert (notified.state, notified.outcome, notified.outcome_at) == (
        "regulator_decided",
        "criticism",
        datetime.date(2024, 6, 1),
    )
    assert RegulatorNotification.objects.get(report=reports[5]).state == "decided"
    event = AuditEvent.objects.get(action="report.imported", report_id=reports[6].pk)
    assert event.payload["actions"] == ["done", "in_progress"]


@pytest.mark.parametrize(
    "line, column, replace",
    [
        (2, "notification", ("yes,2024-02-10", "maybe,2024-02-10")),
        (2, "notification_decided_at", ("yes,2024-02-10", "yes,2024-02-31")),
        (3, "notification_decided_at", ("yes,2024-11-20", "yes,")),
        (2, "notified_at", ("2024-02-12,criticism", "2024-02-01,criticism")),
        (2, "regulator_outcome", (",criticism,", ",praise,")),
        (2, "regulator_outcome_at", ("criticism,2024-06-01", "criticism,")),
        (2, "regulator_outcome_at", ("criticism,2024-06-01", "criticism,2024-02-11")),
        (4, "notified_at", ("Socialchef,,,,", "Socialchef,2024-03-16,,,")),
        (8, "actions", ("done;in_progress", "done;forgotten")),
        (
            8,
            "actions",
            ("closed,Text,,2024-08-30,,,,,,,done;in_progress", "reported,Text,,,,,,,,,in_progress"),
        ),
        (9, "notification", (",,,,,,,\n", ",yes,2024-09-02,,,,,\n")),
        (9, "notification_decided_at", ("2024-09-30,,,", "2024-09-30,,2024-09-02,")),
    ],
)
def test_each_history_column_is_checked_with_its_line_and_nothing_is_imported(
    org, people, line, column, replace
):
    text = history_file(org) + "\n"
    old, new = replace
    lines = text.split("\n")
    index = line - 1
    assert old in lines[index] + "\n", (old, lines[index])
    lines[index] = (lines[index] + "\n").replace(old, new, 1).rstrip("\n")
    with pytest.raises(ImportRejected) as caught:
        do_import_reports("\n".join(lines), acting_user=people["admin"])
    assert (line, column) in [(e["line"], e["column"]) for e in caught.value.rows], caught.value.rows
    assert not Report.objects.exists() and not RegulatorNotification.objects.exists()


def test_the_command_without_a_user_refuses_decisions_and_actions(org, people):
    with pytest.raises(ImportRejected) as caught:
        do_import_reports(history_file(org), acting_user=None)
    found = {(e["line"], e["column"]) for e in caught.value.rows}
    assert (2, "notification") in found and (2, "actions") in found and (8, "actions") in found
    assert not Report.objects.exists()


def test_round_trip_export_import_compile_gives_the_same_compilation(org, people):
    """Cases imported from the documented example and the history file are compiled; their
    file (``importer.export_csv``) is imported into a database emptied of cases; the
    compilation made again is identical, table by table, in JSON and in every format."""
    from cases import importer
    from cases.models import Action, AffectedPerson, DelegationDecision
    from reporting.models import MonthlyCount
    from reporting.services import exports
    from reporting.services.aggregates import rebuild
    from tests.compilations.test_import import example

    admin = people["admin"]
    do_import_reports(example(org), acting_user=admin)
    do_import_reports(history_file(org), acting_user=admin)
    scope = Scope(unit=org.sn, start=datetime.date(2023, 1, 1), end=datetime.date(2024, 12, 31), public=False)

    def compiled():
        compilation = board_compilation(scope)
        tables = compilation.as_json()["tables"]
        return tables, {"csv": exports.render(compilation, "csv")[0].decode("utf-8-sig")}

    before = compiled()
    by_key = {t["key"]: t for t in before[0]}
    assert by_key["actions"]["rows"][-2] == ["Total", 0, 1, 2, 3]  # then the private providers' row
    assert by_key["ivo_notifications"]["rows"][-2] == ["Total", 2]
    assert len(by_key["delegation_decisions"]["rows"]) == 6
    exported = importer.export_csv(Report.objects.order_by("reported_at", "pk"))

    RegulatorNotification.objects.all().delete()
    DelegationDecision.objects.all().delete()
    Action.objects.all().delete()
    AffectedPerson.objects.all().delete()
    Report.objects.all().delete()
    MonthlyCount.objects.all().delete()
    rebuild()
    assert not Report.objects.exists()

    again = do_import_reports(exported, acting_user=admin)
    assert len(again) == 15
    after = compiled()
    assert after[0] == before[0]
    assert after[1]["csv"] == before[1]["csv"]
    assert importer.export_csv(Report.objects.order_by("reported_at", "pk")) == exported


def test_the_private_provider_column_must_agree_with_the_unit(org, cast):
    header = "type,unit,reported_at,state,description,private_provider\n"
    good = (
        f"deviation,{org.unit_b.pk},2024-03-01,reported,Privat utförare.,yes\n"
        f"deviation,{org.unit_a.pk},2024-03-01,reported,Egen regi.,no\n"
        f"deviation,{org.unit_a.pk},2024-03-02,reported,Ej angivet.,\n"
    )
    assert len(do_import_reports(header + good, acting_user=None)) == 3
    table = board_compilation(board_scope(org)).tables
    deviations = rows_by_label({t.key: t for t in table}["deviations"])
    assert deviations["Total"] == [2, 100.0, 0] and deviations["Private providers (not in the total)"] == [
        1,
        None,
        0,
    ]
    bad = (
        f"deviation,{org.unit_b.pk},2024-03-01,reported,Privat utförare.,no\n"
        f"deviation,{org.unit_a.pk},2024-03-01,reported,Egen regi.,yes\n"
        f"deviation,{org.unit_a.pk},2024-03-01,reported,Egen regi.,kanske\n"
    )
    with pytest.raises(ImportRejected) as caught:
        do_import_reports(header + bad, acting_user=None)
    assert [(e["line"], e["column"]) for e in caught.value.rows] == [
        (2, "private_provider"),
        (3, "private_provider"),
        (4, "private_provider"),
    ]
    assert Report.objects.count() == 3
