"""Importing historical reports: the documented example imports fully; one bad row means
nothing is imported, and the error names its line and column."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import AuditEvent, CaseNumberSequence, Report, Role
from cases.services import ImportRejected, do_file_report, do_grant_role, do_import_reports

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import-reports.csv"


def example(org):
    """The example file with the unit ids of this database (5 → unit A, 6 → unit B)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        kind, unit, rest = line.split(",", 2)
        out.append(",".join([kind, str({"5": org.unit_a.pk, "6": org.unit_b.pk}[unit]), rest]))
    return "\n".join(out) + "\n"


def test_the_example_file_imports_fully(org, cast):
    reports = do_import_reports(example(org).encode(), acting_user=None)
    assert len(reports) == 7
    first = Report.objects.get(case_number="SN 2023/0041")
    assert first.type == "lex_sarah" and first.state == "closed" and first.persons.count() == 2
    assert sorted(t.code for t in first.categories.all()) == ["brister-i-verkstallighet", "forsummelse"]
    assert first.risk_band.code == "kritisk" and first.lex_sarah_assessment == "missforhallande"
    complaint = Report.objects.get(type="complaint", complaint_kind__code="berom")
    assert complaint.subject_area.code == "bemotande" and complaint.unit == org.unit_b
    # Numbers given in the file move the board's series on, so new cases do not collide.
    assert Report.objects.get(type="lex_sarah", state="outside_scope").case_number == "SN 2023/0042"
    assert CaseNumberSequence.objects.get(namnd=org.sn, year=2023).last_number == 42
    assert AuditEvent.objects.filter(action="report.imported").count() == 7
    assert AuditEvent.objects.get(action="reports.imported").payload["count"] == 7


def test_one_bad_row_imports_nothing_and_names_line_and_column(org, cast):
    lines = example(org).splitlines()
    lines[3] = lines[3].replace(",2,2,", ",2,9,")  # line 4: severity 9
    before = Report.objects.count()
    with pytest.raises(ImportRejected) as caught:
        do_import_reports("\n".join(lines).encode(), acting_user=None)
    assert Report.objects.count() == before
    [error] = caught.value.rows
    assert (error["line"], error["column"]) == (4, "severity") and "4" in error["message"]


def test_every_error_is_listed(org, cast):
    header = "type,unit,reported_at,state,description,complaint_kind,closed_at,case_number"
    rows = [
        f"complaint,{org.unit_a.pk},2024-01-01,closed,Text,,,",  # no closing date (no kind is allowed)
        "lex_sarah,999999,2099-01-01,nonsense,Text,,,",  # unknown unit, future, (state checked per type)
        f"deviation,{org.unit_a.pk},2024-01-01,reported,,,,ON 2024/0001",  # no description, wrong prefix
    ]
    with pytest.raises(ImportRejected) as caught:
        do_import_reports("\n".join([header, *rows]), acting_user=None)
    found = {(e["line"], e["column"]) for e in caught.value.rows}
    assert found == {
        (2, "closed_at"),
        (3, "unit"),
        (3, "reported_at"),
        (3, "state"),
        (4, "description"),
        (4, "case_number"),
    }


def test_a_header_with_an_unknown_column_is_refused(org, cast):
    with pytest.raises(ImportRejected) as caught:
        do_import_reports("type,unit,reported_at,state,description,colour\n", acting_user=None)
    assert [(e["line"], e["column"]) for e in caught.value.rows] == [(1, "colour")]


def test_a_taken_case_number_is_refused(org, cast):
    existing = do_file_report(
        acting_user=cast["reporter"],
        data={"type": "complaint", "unit": org.unit_a.pk, "description": "x", "kind": "klagomal"},
    )
    text = (
        "type,unit,reported_at,state,description,complaint_kind,case_number\n"
        f"complaint,{org.unit_a.pk},2024-01-01,received,Text,klagomal,{existing.case_number}\n"
        f"complaint,{org.unit_a.pk},2024-01-01,received,Text,klagomal,SN 2024/0007\n"
        f"complaint,{org.unit_a.pk},2024-01-01,received,Text,klagomal,SN 2024/7\n"
    )
    with pytest.raises(ImportRejected) as caught:
        do_import_reports(text, acting_user=None)
    assert [(e["line"], e["column"]) for e in caught.value.rows] == [(2, "case_number"), (4, "case_number")]


def test_semicolon_separated_files_are_read(org, cast):
    text = example(org).replace(",", ";")
    with pytest.raises(ImportRejected):  # the categories column uses ; itself, so this file is ambiguous…
        do_import_reports(text, acting_user=None)
    simple = (
        "type;unit;reported_at;state;description;complaint_kind\n"
        f"complaint;{org.unit_a.pk};2024-01-01;received;Text;klagomal\n"
    )
    assert len(do_import_reports(simple, acting_user=None)) == 1


def test_only_administrators_import(org, cast):
    for name in ("sas", "manager_a", "outsider"):
        with pytest.raises(Exception) as caught:
            do_import_reports(example(org), acting_user=cast[name])
        assert caught.type.__name__ == "PermissionDenied"
    admin = cast["outsider"]
    do_grant_role(admin, Role.ADMINISTRATOR, org.kommun, acting_user=None)
    assert len(do_import_reports(example(org), acting_user=admin)) == 7
    assert AuditEvent.objects.get(action="reports.imported").actor == admin


def test_management_command(org, cast, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(example(org), encoding="utf-8")
    out = io.StringIO()
    call_command("import_reports", str(good), stdout=out)
    assert "Imported 7 report(s)." in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(example(org).replace("2024-02-19", "2024-02-30"), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_reports", str(bad), stderr=err)
    assert "line 5, column reported_at" in err.getvalue()


def test_the_import_is_audited_with_who_what_and_where(org, cast):
    from cases import audit

    admin = cast["outsider"]
    do_grant_role(admin, Role.ADMINISTRATOR, org.sn, acting_user=None)
    before = AuditEvent.objects.filter(chain="change").count()
    with audit.request_context(request_id="req-1", ip="10.0.0.1"):
        reports = do_import_reports(example(org), acting_user=admin)
    events = list(AuditEvent.objects.filter(chain="change").order_by("seq")[before:])
    assert [e.action for e in events] == ["report.imported"] * 7 + ["reports.imported"]
    assert [e.report_id for e in events[:-1]] == [r.pk for r in reports]
    assert {(e.actor_id, e.request_id, e.ip) for e in events} == {(admin.pk, "req-1", "10.0.0.1")}
    assert [e.payload["line"] for e in events[:-1]] == list(range(2, 9))
