"""Who may add what to a case, and what the additions keep."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import AuditEvent, InvestigationEntry
from cases.services import (
    CaseNotFound,
    InvalidState,
    do_add_affected_person,
    do_add_attachment,
    do_add_cause,
    do_add_information_event,
    do_set_risk,
    do_update_action,
)
from tests.factories import file, settled_action, walk_to

PDF = b"%PDF-1.4\n%test\n"


def test_the_reporter_may_complete_their_own_report_until_it_is_taken_up(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    person = do_add_affected_person(
        report.pk, acting_user=cast["reporter"], data={"name": "Brukare Ett", "personnummer": "191212121212"}
    )
    assert person.personnummer == "19121212-1212"
    do_add_affected_person(report.pk, acting_user=cast["reporter"], data={"name": "Brukare Två"})
    assert report.persons.count() == 2
    walk_to(report, "assessed", cast)
    with pytest.raises(PermissionDenied):
        do_add_affected_person(report.pk, acting_user=cast["reporter"], data={"name": "Sen"})
    with pytest.raises(PermissionDenied):
        do_add_cause(report.pk, acting_user=cast["reporter"], data={"description": "x"})


@pytest.mark.parametrize(
    "member,outcome",
    [
        ("manager_a", None),
        ("sas", None),
        ("decision_maker", PermissionDenied),
        ("manager_b", CaseNotFound),
        ("dso", CaseNotFound),
        ("outsider", CaseNotFound),
        ("sas_other", CaseNotFound),
    ],
)
def test_handlers_add_causes_and_others_are_refused(member, outcome, org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    before = AuditEvent.objects.filter(chain="change").count()
    if outcome is None:
        assert (
            do_add_cause(report.pk, acting_user=cast[member], data={"description": "Orsak"}).report_id
            == report.pk
        )
    else:
        with pytest.raises(outcome):
            do_add_cause(report.pk, acting_user=cast[member], data={"description": "Orsak"})
        assert AuditEvent.objects.filter(chain="change").count() == before


def test_a_bad_personnummer_is_refused_and_nothing_saved(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    with pytest.raises(ValidationError) as excinfo:
        do_add_affected_person(
            report.pk, acting_user=cast["reporter"], data={"name": "X", "personnummer": "19121212-1213"}
        )
    assert "personnummer" in excinfo.value.message_dict
    assert report.persons.count() == 0


def test_a_closed_case_takes_no_more_additions(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), None, cast)
    with pytest.raises(InvalidState):
        do_add_cause(report.pk, acting_user=cast["sas"], data={"description": "Sent"})


def test_the_owner_of_an_action_may_update_it(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "investigated", cast)
    cause = report.causes.first()
    from cases.services import do_add_action

    action = do_add_action(
        report.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Ny checklista",
            "kind": "corrective",
            "causes": [cause.pk],
            "owner": cast["sas"].pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    updated = do_update_action(report.pk, action.pk, acting_user=cast["sas"], data={"status": "in_progress"})
    assert updated.status == "in_progress" and updated.done_at is None
    updated = do_update_action(report.pk, action.pk, acting_user=cast["sas"], data={"status": "done"})
    assert updated.done_at is not None and not updated.is_settled
    with pytest.raises(ValidationError):
        do_update_action(report.pk, action.pk, acting_user=cast["sas"], data={"status": "finished"})


def test_information_events_record_who_informed_whom(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    person = do_add_affected_person(report.pk, acting_user=cast["sas"], data={"name": "Brukare"})
    event = do_add_information_event(
        report.pk,
        acting_user=cast["sas"],
        data={
            "person": person.pk,
            "informed_at": timezone.now().isoformat(),
            "channel": "Hembesök",
            "person_view": "Vill att personalen byts.",
            "journal_note_recorded": "on",
        },
    )
    assert event.informed_by == cast["sas"] and event.journal_note_recorded


def test_risk_can_be_reassessed_and_the_level_follows_the_bands(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    result = do_set_risk(report.pk, acting_user=cast["manager_a"], data={"probability": 2, "severity": 3})
    assert (result.risk_score, result.risk_band.code) == (6, "medium")
    with pytest.raises(ValidationError) as excinfo:
        do_set_risk(report.pk, acting_user=cast["manager_a"], data={"probability": 4, "severity": 4})
    assert "risk_override_reason" in excinfo.value.message_dict


def test_attachments_are_stored_on_disk_with_limits(org, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = file("deviation", cast["reporter"], org.unit_a)
    attachment = do_add_attachment(
        report.pk,
        acting_user=cast["reporter"],
        upload=SimpleUploadedFile("rapport.pdf", PDF, content_type="application/pdf"),
    )
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert "rapport" not in attachment.file.name
    assert (tmp_path / attachment.file.name).read_bytes() == PDF
    with pytest.raises(ValidationError):
        do_add_attachment(
            report.pk,
            acting_user=cast["reporter"],
            upload=SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/x-msdownload"),
        )
    with pytest.raises(ValidationError):
        do_add_attachment(
            report.pk,
            acting_user=cast["reporter"],
            upload=SimpleUploadedFile("fake.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        )
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        do_add_attachment(
            report.pk,
            acting_user=cast["reporter"],
            upload=SimpleUploadedFile("stor.pdf", PDF, content_type="application/pdf"),
        )
    assert report.attachments.count() == 1


def test_investigation_entries_are_immutable(org, cast):
    from cases.models import AppendOnlyError

    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    settled_action(report, cast["sas"], cast["sas"])
    from tests.factories import complete_lex_sarah_investigation

    complete_lex_sarah_investigation(report, cast["sas"])
    entry = InvestigationEntry.objects.filter(report=report).first()
    entry.text = "Ändrad"
    with pytest.raises(AppendOnlyError):
        entry.save()
