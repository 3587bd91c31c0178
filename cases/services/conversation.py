"""Filing from the web forms, the public form's receipt code, and the messages between a
case's handler and the people outside it (the submitter of a complaint, the reporter)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import audit, selectors
from cases.access import HANDLER_ROLES
from cases.events import emit
from cases.models import CaseMessage, ReceiptCode, ReportType
from cases.models.messages import receipt_digest
from cases.services.base import CaseNotFound, load_report, require_open, require_roles, validated
from cases.services.content import _add_affected_person, _add_attachment, check_uploads, store_attachment
from cases.services.guard import service
from cases.services.reports import _file_report

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from cases.models import Report, User


# Crockford's base32 without the letters that look like digits: 16 characters, 80 bits.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"[:32]


class MessageForm(django_forms.Form):
    text = django_forms.CharField(label=_("Message"), widget=django_forms.Textarea, max_length=10000)


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@service
def do_file_report_with_details(
    *,
    acting_user: User,
    data: Mapping[str, Any],
    persons: Iterable[Mapping[str, Any]] = (),
    uploads: Iterable[UploadedFile] = (),
    immediate_measures: str = "",
) -> Report:
    """Filing with what the reporter knows at once: affected persons, attachments and, for
    lex Sarah, the immediate measures taken. All of it is saved, or none of it; the files are
    checked before anything is stored."""
    uploads = check_uploads(uploads)
    report = _file_report(acting_user=acting_user, data=data)
    for person in persons:
        _add_affected_person(report.pk, acting_user=acting_user, data=person)
    for upload in uploads:
        _add_attachment(report.pk, acting_user=acting_user, upload=upload)
    if immediate_measures and report.type == ReportType.LEX_SARAH:
        # The reporter's account; the manager confirms it, with its time, in the first step.
        report.immediate_measures = immediate_measures
        report.save(update_fields=["immediate_measures", "updated_at"])
        audit.record("report.immediate_measures_reported", actor=acting_user, obj=report, report_id=report.pk)
    return report


@service
def do_file_public_submission(
    *, data: Mapping[str, Any], uploads: Iterable[UploadedFile] = ()
) -> tuple[Report, str]:
    """A complaint, opinion, suggestion or praise from the public form, with no account, and
    the files sent with it (the limits of the internal form: ``check_uploads``), stored with
    no uploader in the same transaction. Returns the case and its receipt code, which is shown
    once and stored only as a digest."""
    uploads = check_uploads(uploads)
    report = _file_report(acting_user=None, data={**data, "type": ReportType.COMPLAINT})
    code = new_receipt_code()
    ReceiptCode.objects.create(report=report, code_hash=receipt_digest(code))
    audit.record("receipt.issued", actor=None, obj=report, report_id=report.pk)
    for upload in uploads:
        store_attachment(report, upload, acting_user=None)
    return report, code


def _message(report: Report, kind: str, text: str, author: User | None) -> CaseMessage:
    return CaseMessage.objects.create(report=report, kind=kind, text=text, author=author)


@service
def do_ask_submitter(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> CaseMessage:
    """A handler's follow-up question to the submitter of a complaint."""
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, HANDLER_ROLES[report.type])
    require_open(report)
    if report.type != ReportType.COMPLAINT or not (hasattr(report, "receipt") or report.submitter_contact):
        raise ValidationError(
            _("The submitter of this case cannot be reached: no receipt code and no contact.")
        )
    cleaned = validated(MessageForm(data=data))
    message = _message(report, CaseMessage.Kind.QUESTION, cleaned["text"], acting_user)
    audit.record("complaint.question", actor=acting_user, obj=message, report_id=report.pk)
    emit("complaint.question", report=report, actor=acting_user, message_id=message.pk)
    return message


@service
def do_answer_as_submitter(code: str, *, data: Mapping[str, Any]) -> CaseMessage:
    """The submitter answers the handler's questions with their receipt code."""
    report = selectors.report_for_receipt(code)
    if report is None:
        raise CaseNotFound()
    if not report.messages.filter(kind=CaseMessage.Kind.QUESTION).exists():
        raise ValidationError(_("There is no question to answer."))
    require_open(report)
    cleaned = validated(MessageForm(data=data))
    message = _message(report, CaseMessage.Kind.ANSWER, cleaned["text"], None)
    audit.record("complaint.submitter_answered", actor=None, obj=message, report_id=report.pk)
    emit(
        "complaint.submitter_answered",
        report=report,
        actor=None,
        message_id=message.pk,
        user_ids=[report.handler_id] if report.handler_id else [],
    )
    return message


@service
def do_give_reporter_feedback(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> CaseMessage:
    """What the handler chooses to tell the reporter; shown in the reporter's My reports."""
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, HANDLER_ROLES[report.type])
    if report.reporter_id is None:
        raise ValidationError(_("This case has no reporter with an account to give feedback to."))
    cleaned = validated(MessageForm(data=data))
    message = _message(report, CaseMessage.Kind.FEEDBACK, cleaned["text"], acting_user)
    audit.record("reporter.feedback_given", actor=acting_user, obj=message, report_id=report.pk)
    emit(
        "reporter.feedback_given",
        report=report,
        actor=acting_user,
        message_id=message.pk,
        user_ids=[report.reporter_id],
    )
    return message
