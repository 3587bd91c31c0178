"""The documents sent to IVO (lex Sarah) and IMY (breaches), as the case page and the API hand
them out: the draft made from the case as it is now, or a frozen version byte for byte.

Only those who take the regulator's steps on the case read them (``NOTIFICATION_ROLES``); the
case comes through ``cases.selectors`` (404 outside the user's scope), and every document
handed out is a logged read of the case (``regulator_document.exported``)."""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from cases import audit, selectors
from cases.access import NOTIFICATION_ROLES, REGULATOR_OF
from cases.models.lifecycles import case_roles
from reporting.models import RegulatorDocument
from reporting.services.documents import json_bytes, regulator_document, render_pdf

CONTENT_TYPES = {"pdf": "application/pdf", "json": "application/json"}


class DraftNotification:
    """Stands in for a notification not yet decided: the contact is the reader."""

    def __init__(self, user):
        self.decided_by = user
        self.delay_reason = ""
        self.regulator_case_number = ""


@dataclass
class RegulatorFile:
    report_id: int
    regulator: str
    fmt: str
    content: bytes
    digest: str
    frozen: RegulatorDocument | None

    @property
    def content_type(self):
        return CONTENT_TYPES[self.fmt]

    @property
    def filename(self):
        suffix = f"-{self.frozen.pk}" if self.frozen else "-draft"
        return f"{self.regulator}-{self.report_id}{suffix}.{self.fmt}"


def may_read_documents(user, report):
    """Whether the user reads the case's regulator documents: they take the regulator's steps."""
    regulator = REGULATOR_OF.get(report.type)
    return regulator is not None and bool(NOTIFICATION_ROLES[report.type] & case_roles(user, report))


def frozen_documents(notifications):
    """The frozen versions of each notification, without their bytes, for a list of them."""
    by_notification = {}
    for document in (
        RegulatorDocument.objects.filter(notification__in=notifications)
        .defer("json_bytes", "pdf_bytes")
        .select_related("frozen_by", "supplement")
        .order_by("frozen_at", "id")
    ):
        by_notification.setdefault(document.notification_id, []).append(document)
    return by_notification


def regulator_file(user, report_id, fmt, document_id=None, *, via="api"):
    """The draft or a frozen document of the case as ``fmt`` (``pdf`` or ``json``), logged.
    ``Http404``: no such case for the user, not a regulated type, no such document;
    ``PermissionDenied``: the user does not take the regulator's steps."""
    report = selectors.access_report(user, report_id)
    regulator = REGULATOR_OF.get(report.type)
    if regulator is None:
        raise Http404
    if not may_read_documents(user, report):
        raise PermissionDenied
    notification = (
        report.regulator_notifications.filter(regulator=regulator).select_related("decided_by").first()
    )
    frozen = _frozen(notification, document_id)
    if frozen is not None:
        content = bytes(frozen.pdf_bytes if fmt == "pdf" else frozen.json_bytes)
        digest = frozen.pdf_sha256 if fmt == "pdf" else frozen.json_sha256
    else:
        document = regulator_document(report, regulator, notification=notification or DraftNotification(user))
        content = render_pdf(document) if fmt == "pdf" else json_bytes(document)
        digest = hashlib.sha256(content).hexdigest()
    audit.record_read(
        "regulator_document.exported",
        actor=user,
        report_ids=[report.pk],
        payload={"format": fmt, "regulator": regulator, "frozen": frozen.pk if frozen else None, "via": via},
    )
    return RegulatorFile(report.pk, regulator, fmt, content, digest, frozen)


def _frozen(notification, document_id):
    if notification is None:
        if document_id:
            raise Http404
        return None
    documents = notification.documents.all()
    if document_id:
        if not str(document_id).isdigit():
            raise Http404
        found = documents.filter(pk=int(document_id)).first() if int(document_id) < 2**63 else None
        if found is None:
            raise Http404
        return found
    return documents.filter(kind="notification").first()
