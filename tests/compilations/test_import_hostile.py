"""The import with hostile files (Hypothesis): text of every kind, bytes that are not UTF-8,
NUL, fields of a megabyte, broken quoting. Whatever the file, the import either takes every
row, each text stored as written (surrounding whitespace removed, as the format says), or
takes none and names each error's line and column; never anything else."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cases.importer import COLUMNS
from cases.models import Report
from cases.services import ImportRejected, do_import_reports
from tests.hostile import FUZZ_SETTINGS, hostile_text, invalid_utf8, text_with_invalid_bytes

# A 1 MB example makes Hypothesis warn that its description is long; that is the point here.
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

HEADER = ["type", "unit", "reported_at", "state", "description", "complaint_kind", "closed_at"]


def csv_bytes(rows):
    out = io.StringIO(newline="")
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode()


def row(org, description, **other):
    values = {
        "type": "complaint",
        "unit": str(org.unit_a.pk),
        "reported_at": "2024-03-01",
        "state": "received",
        "complaint_kind": "klagomal",
        "closed_at": "",
        "description": description,
        **other,
    }
    return [values[name] for name in HEADER]


def assert_all_or_nothing(raw, expected_descriptions):
    """Imported whole with each description as written, or refused whole with located errors."""
    before = Report.objects.count()
    with transaction.atomic():
        try:
            reports = do_import_reports(raw, acting_user=None)
        except ImportRejected as rejected:
            assert Report.objects.count() == before
            assert rejected.rows
            for error in rejected.rows:
                assert isinstance(error["line"], int) and error["line"] >= 1
                assert error["column"] in COLUMNS or error["column"] == "" or error["line"] == 1
                assert isinstance(error["message"], str) and error["message"]
            return rejected.rows
        else:
            assert [r.description for r in reports] == [text.strip() for text in expected_descriptions]
            return []
        finally:
            transaction.set_rollback(True)


@FUZZ_SETTINGS
@given(descriptions=st.lists(hostile_text, min_size=1, max_size=3))
def test_any_text_in_a_well_formed_file_is_imported_as_written_or_refused_by_line(descriptions, org, cast):
    assert_all_or_nothing(csv_bytes([row(org, text) for text in descriptions]), descriptions)


@FUZZ_SETTINGS
@given(column=st.sampled_from(HEADER), text=hostile_text)
def test_any_text_in_any_column_is_refused_on_its_line_and_column_if_not_valid(column, text, org, cast):
    good = row(org, "Ett bra klagomål.")
    hostile = row(org, **{"description": "Ett klagomål.", column: text})
    errors = assert_all_or_nothing(
        csv_bytes([good, hostile]), ["Ett bra klagomål.", hostile[HEADER.index("description")]]
    )
    assert all(error["line"] == 3 for error in errors)


@FUZZ_SETTINGS
@given(column=st.sampled_from(HEADER), raw=text_with_invalid_bytes())
def test_bytes_that_are_not_utf8_are_named_with_their_line_and_column(column, raw, org, cast):
    lines = csv_bytes(
        [row(org, "Första."), row(org, **{"description": "Andra.", column: "PLACEHOLDER"})]
    ).split(b"\n")
    lines[2] = lines[2].replace(b"PLACEHOLDER", b'"' + raw.replace(b'"', b"") + b'"')
    errors = assert_all_or_nothing(b"\n".join(lines), [])
    assert {(e["line"], e["column"]) for e in errors if "UTF-8" in e["message"]} == {(3, column)}


@FUZZ_SETTINGS
@given(
    garbage=st.one_of(
        st.binary(max_size=200),
        invalid_utf8,
        st.sampled_from(
            [
                b'"',
                b'a,"b\n',
                b"\x00,\x00\n",
                b"\r\r\r",
                b'"' * 5000,
                b"x" * 200_000,
                b"\n" * 1000,
                b";,;,;\n",
            ]
        ),
    )
)
def test_a_broken_file_is_refused_or_imported_never_crashed_on(garbage, org, cast):
    good = csv_bytes([row(org, "Ett klagomål.")])
    for raw in (garbage, good + garbage, garbage + good, good[:40] + garbage + good[40:]):
        _never_crashes(raw)


def _never_crashes(raw):
    with transaction.atomic():
        try:
            do_import_reports(raw, acting_user=None)
        except ImportRejected as rejected:
            assert all(isinstance(e["line"], int) and e["message"] for e in rejected.rows)
        finally:
            transaction.set_rollback(True)


def test_a_megabyte_field_is_an_error_on_its_line(org, cast):
    with pytest.raises(ImportRejected) as caught:
        do_import_reports(
            csv_bytes([row(org, "Kort."), row(org, "x" * 1_000_000), row(org, "Kort.")]), acting_user=None
        )
    assert [(e["line"], e["column"]) for e in caught.value.rows] == [(3, "")]
    assert not Report.objects.exists()


def test_the_command_lists_encoding_errors_by_line_and_column_and_imports_nothing(org, cast, tmp_path):
    file = tmp_path / "latin1.csv"
    file.write_bytes(
        csv_bytes([row(org, "Första."), row(org, "PLACEHOLDER")]).replace(
            b"PLACEHOLDER", "Brukaren fick fel mat på äldreboendet.".encode("latin-1")
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 error"):
        call_command("import_reports", str(file), stderr=err)
    assert "line 3, column description:" in err.getvalue() and "UTF-8" in err.getvalue()
    assert not Report.objects.exists()


@FUZZ_SETTINGS
@given(text=hostile_text, raw=text_with_invalid_bytes())
def test_the_import_page_never_fails_and_shows_errors_escaped(text, raw, client, org, cast):
    admin = cast["admin_sn"]
    client.force_login(admin)
    for content in (
        csv_bytes([row(org, text)]),
        csv_bytes([row(org, "PLACEHOLDER")]).replace(b"PLACEHOLDER", raw),
    ):
        with transaction.atomic():
            upload = io.BytesIO(content)
            upload.name = "rapporter.csv"
            response = client.post(reverse("report-import"), {"file": upload})
            assert response.status_code in (302, 400)
            if response.status_code == 400:
                body = response.content.decode()
                assert 'role="alert"' in body and "<script>alert(" not in body
            transaction.set_rollback(True)
