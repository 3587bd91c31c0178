"""The document for IVO (lex Sarah) or IMY (breach) as PDF or structured JSON.

Before the notification is recorded as sent this is a draft made from the case as it is now;
afterwards it is the frozen document, byte for byte, with its SHA-256 in a header.
Reading it is an export of the case and is logged as one.
"""

import hashlib

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.views import APIView

from cases import selectors
from cases.access import NOTIFICATION_ROLES, REGULATOR_OF
from cases.api.reading import log_read
from cases.models.lifecycles import case_roles
from reporting.api.views.compilations import FormatIsAParameter
from reporting.services.documents import json_bytes, regulator_document, render_pdf

CONTENT_TYPES = {"pdf": "application/pdf", "json": "application/json"}


class DraftNotification:
    """Stands in for a notification not yet decided: the contact is the reader."""

    def __init__(self, user):
        self.decided_by = user
        self.delay_reason = ""
        self.regulator_case_number = ""


class RegulatorDocumentView(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, OpenApiParameter.QUERY, enum=["pdf", "json"]),
            OpenApiParameter(
                "document",
                int,
                OpenApiParameter.QUERY,
                description="A frozen document (e.g. a supplement); the notification's by default.",
            ),
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
        description="The IVO lex Sarah or lex Maria anmälan or the IMY breach notification, pre-filled and minimised; once "
        "submitted, the frozen document with its SHA-256 (header X-Document-SHA256).",
    )
    def get(self, request, report_id):
        report = selectors.access_report(request.user, report_id)
        regulator = REGULATOR_OF.get(report.type)
        if regulator is None:
            raise Http404
        if not NOTIFICATION_ROLES[report.type] & case_roles(request.user, report):
            raise PermissionDenied()
        fmt = request.query_params.get("format", "pdf")
        if fmt not in CONTENT_TYPES:
            raise ValidationError({"format": ["pdf, json"]})
        notification = (
            report.regulator_notifications.filter(regulator=regulator).select_related("decided_by").first()
        )
        frozen = self.frozen(notification, request.query_params.get("document"))
        if frozen is not None:
            content = bytes(frozen.pdf_bytes if fmt == "pdf" else frozen.json_bytes)
            digest = frozen.pdf_sha256 if fmt == "pdf" else frozen.json_sha256
        else:
            document = regulator_document(
                report, regulator, notification=notification or DraftNotification(request.user)
            )
            content = render_pdf(document) if fmt == "pdf" else json_bytes(document)
            digest = hashlib.sha256(content).hexdigest()
        log_read(
            request.user,
            "regulator_document.exported",
            [report.pk],
            format=fmt,
            regulator=regulator,
            frozen=frozen.pk if frozen else None,
        )
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
        response["X-Document-SHA256"] = digest
        response["X-Document-Status"] = "frozen" if frozen else "draft"
        if frozen is not None and frozen.regulator_case_number:
            response["X-Regulator-Case-Number"] = frozen.regulator_case_number
        if fmt == "pdf":
            response["Content-Disposition"] = f'attachment; filename="{regulator}-{report.pk}.pdf"'
        return response

    @staticmethod
    def frozen(notification, document_id):
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
