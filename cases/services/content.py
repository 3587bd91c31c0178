"""Adding to a case: persons, attachments, investigation entries, risk, causes, actions,
information events, and routing to a linked case."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import audit, forms
from cases.access import HANDLER_ROLES, allowed_roles
from cases.events import emit
from cases.models import Action, Attachment, Role
from cases.models.lifecycles import case_roles
from cases.services.base import CaseNotFound, load_report, require_open, require_roles, validated
from cases.services.guard import service
from cases.services.reports import spawn_linked_case

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from cases.models import AffectedPerson, Cause, InformationEvent, InvestigationEntry, Report, User


def _handler_or_early_reporter(user: User, report: Report) -> None:
    """Handlers may add to an open case; the reporter may add to their own report until it is
    taken up (its initial state), so the first account is complete."""
    roles = case_roles(user, report)
    if allowed_roles(user, report, HANDLER_ROLES[report.type]):
        return
    if Role.REPORTER in roles and report.state == type(report).INITIAL_STATE:
        return
    raise PermissionDenied(_("You may not add to this case."))


def _begin(report_id: int, user: User, *, reporter_may_add: bool = False) -> Report:
    report = load_report(report_id, user)
    if reporter_may_add:
        _handler_or_early_reporter(user, report)
    else:
        require_roles(user, report, HANDLER_ROLES[report.type])
    require_open(report)
    return report


M = TypeVar("M", bound=Model)


def _done(action: str, report: Report, user: User | None, obj: M, payload: dict[str, Any] | None = None) -> M:
    audit.record(action, actor=user, obj=obj, report_id=report.pk, payload=payload or {})
    emit(action, report=report, actor=user, object_id=obj.pk)
    return obj


@service
def do_add_affected_person(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> AffectedPerson:
    return _add_affected_person(report_id, acting_user=acting_user, data=data)


def _add_affected_person(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> AffectedPerson:
    """``do_add_affected_person``, shared with the filing that brings its persons along."""
    report = _begin(report_id, acting_user, reporter_may_add=True)
    form = forms.AffectedPersonForm(data=data)
    validated(form)
    person = form.save(commit=False)
    person.report = report
    person.save()
    return _done(
        "person.added", report, acting_user, person, {"protected_identity": person.protected_identity}
    )


@service
def do_add_investigation_entry(
    report_id: int, *, acting_user: User, data: Mapping[str, Any]
) -> InvestigationEntry:
    report = _begin(report_id, acting_user)
    form = forms.InvestigationEntryForm(data=data, report=report)
    validated(form)
    entry = form.save(commit=False)
    entry.report = report
    entry.author = acting_user
    entry.author_name = acting_user.display_name
    entry.author_title = acting_user.title
    entry.save()
    return _done(
        "investigation_entry.added",
        report,
        acting_user,
        entry,
        {"topic": entry.topic_id, "nature": entry.nature, "corrects": entry.corrects_id},
    )


@service
def do_set_risk(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    report = _begin(report_id, acting_user)
    form = forms.RiskForm(data=data, report=report, user=acting_user)
    cleaned = validated(form)
    if (
        report.route
        and report.suggested_route
        and cleaned["suggested_route"] != report.route
        and not cleaned.get("risk_override_reason")
    ):
        raise ValidationError(
            {
                "risk_override_reason": [
                    _("The risk matrix now suggests another route than the one chosen; give the reason.")
                ]
            }
        )
    for name in ("probability", "severity", "risk_band", "suggested_route", "risk_override_reason"):
        setattr(report, name, cleaned.get(name, getattr(report, name)))
    report.save(
        update_fields=[
            "probability",
            "severity",
            "risk_band",
            "suggested_route",
            "risk_override_reason",
            "updated_at",
        ]
    )
    return _done(
        "risk.assessed",
        report,
        acting_user,
        report,
        {
            "probability": report.probability,
            "severity": report.severity,
            "risk_band": report.risk_band_id,
            "suggested_route": report.suggested_route,
        },
    )


@service
def do_add_cause(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Cause:
    report = _begin(report_id, acting_user)
    form = forms.CauseForm(data=data, report=report)
    validated(form)
    cause = form.save(commit=False)
    cause.report, cause.created_by = report, acting_user
    cause.save()
    return _done("cause.added", report, acting_user, cause)


@service
def do_add_action(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Action:
    report = _begin(report_id, acting_user)
    form = forms.ActionForm(data=data, report=report)
    validated(form)
    action = form.save(commit=False)
    action.report, action.created_by = report, acting_user
    action.save()
    form.save_m2m()
    return _done(
        "action.added",
        report,
        acting_user,
        action,
        {
            "owner": action.owner_id,
            "due_date": action.due_date,
            "causes": sorted(c.pk for c in action.causes.all()),
        },
    )


@service
def do_update_action(report_id: int, action_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Action:
    """Handlers update any action of the case; an action's owner updates their own."""
    report = load_report(report_id, acting_user)
    action = report.actions.filter(pk=action_id).first()
    if action is None:
        raise CaseNotFound(action_id)
    if action.owner_id != acting_user.pk:
        require_roles(acting_user, report, HANDLER_ROLES[report.type])
    require_open(report)
    was_done = action.status == Action.Status.DONE
    form = forms.ActionUpdateForm(data=data, instance=action, report=report)
    cleaned = validated(form)
    action = form.save(commit=False)
    if action.status == Action.Status.DONE and not was_done:
        action.done_at = timezone.now()
    elif action.status != Action.Status.DONE:
        action.done_at = None
    if cleaned.get("effect_follow_up") and not action.effect_evaluated_at:
        action.effect_evaluated_at = timezone.now()
    action.save()
    if "causes" in cleaned:
        action.causes.set(cleaned["causes"])
    return _done(
        "action.updated",
        report,
        acting_user,
        action,
        {"status": action.status, "fields": sorted(k for k in data if k in form.fields)},
    )


@service
def do_add_information_event(
    report_id: int, *, acting_user: User, data: Mapping[str, Any]
) -> InformationEvent:
    report = _begin(report_id, acting_user)
    form = forms.InformationEventForm(data=data, report=report)
    validated(form)
    event = form.save(commit=False)
    event.report, event.informed_by = report, acting_user
    event.save()
    return _done(
        "person.informed",
        report,
        acting_user,
        event,
        {"person": event.person_id, "journal_note_recorded": event.journal_note_recorded},
    )


def _sniff(head: bytes) -> str | None:
    signatures = {b"%PDF": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
    for magic, content_type in signatures.items():
        if head.startswith(magic):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def check_upload(upload: UploadedFile) -> str:
    """Size and type limits; the type is taken from the content where it can be, not the name."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is too large: at most %(mb)s MB.")
                    % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                ]
            }
        )
    guessed = mimetypes.guess_type(upload.name or "")[0] or "application/octet-stream"
    head = upload.read(8)
    upload.seek(0)
    sniffed = _sniff(head)
    allowed = settings.ATTACHMENT_ALLOWED_TYPES
    if guessed not in allowed:
        raise ValidationError(
            {
                "file": [
                    _("This type of file is not accepted. Accepted: PDF, PNG, JPEG, text, Word and Excel.")
                ]
            }
        )
    if sniffed == "zip":
        sniffed = guessed if guessed.startswith("application/vnd.openxmlformats") else None
    elif sniffed is None and guessed == "text/plain":
        sniffed = guessed
    if sniffed != guessed:
        raise ValidationError({"file": [_("The file's content does not match its name.")]})
    return guessed


# At most this many files with one filing (the internal form and the public form alike).
MAX_UPLOADS = 5


def check_uploads(uploads: Iterable[UploadedFile]) -> list[UploadedFile]:
    """The filing forms' rule for several files: at most ``MAX_UPLOADS``, each within the
    limits of ``check_upload``; all checked before any is stored."""
    uploads = [upload for upload in uploads if upload]
    if len(uploads) > MAX_UPLOADS:
        raise ValidationError({"file": [_("At most %(n)d files.") % {"n": MAX_UPLOADS}]})
    for upload in uploads:
        check_upload(upload)
    return uploads


def store_attachment(report: Report, upload: UploadedFile, *, acting_user: User | None) -> Attachment:
    """Store ``upload`` with ``report`` and write its audit row: within the caller's transaction,
    after the caller has checked that ``acting_user`` may add to the case. ``acting_user`` is
    None for a submitter from the public form."""
    if upload is None:
        raise ValidationError({"file": [_("Choose a file.")]})
    content_type = check_upload(upload)
    name = upload.name or ""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        report=report,
        original_name=name[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=acting_user,
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
        return _done(
            "attachment.added",
            report,
            acting_user,
            attachment,
            {"size": attachment.size, "content_type": content_type, "sha256": attachment.sha256},
        )
    except Exception:
        # The file reached the disk before the row; don't leave it behind without one.
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise


@service
def do_add_attachment(report_id: int, *, acting_user: User, upload: UploadedFile) -> Attachment:
    return _add_attachment(report_id, acting_user=acting_user, upload=upload)


def _add_attachment(report_id: int, *, acting_user: User, upload: UploadedFile) -> Attachment:
    """``do_add_attachment``, shared with the filing that brings its files along."""
    report = _begin(report_id, acting_user, reporter_may_add=True)
    return store_attachment(report, upload, acting_user=acting_user)


@service
def do_route(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    report = _begin(report_id, acting_user)
    form = forms.RouteForm(data=data, report=report, user=acting_user)
    cleaned = validated(form)
    return spawn_linked_case(
        report, cleaned["target_type"], acting_user=acting_user, reason=cleaned["reason"]
    )
