"""The document for IVO (lex Sarah) or IMY (breach) as PDF or structured JSON.

Before the notification is recorded as sent this is a draft made from the case as it is now;
afterwards it is the frozen document, byte for byte, with its SHA-256 in a header.
Reading it is an export of the case and is logged as one.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.views import APIView

from cases import selectors
from reporting.api.views.compilations import FormatIsAParameter
from reporting.selectors.documents import CONTENT_TYPES, regulator_file


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
        description="The IVO lex Sarah anmälan or the IMY breach notification, pre-filled and minimised; once "
        "submitted, the frozen document with its SHA-256 (header X-Document-SHA256).",
    )
    def get(self, request, report_id):
        fmt = request.query_params.get("format", "pdf")
        if fmt not in CONTENT_TYPES:
            # The case is looked up first, so that a format asked of a case out of scope is 404.
            selectors.access_report(request.user, report_id)
            raise ValidationError({"format": ["pdf, json"]})
        try:
            found = regulator_file(request.user, report_id, fmt, request.query_params.get("document"))
        except DjangoPermissionDenied:
            raise PermissionDenied() from None
        response = HttpResponse(found.content, content_type=found.content_type)
        response["X-Document-SHA256"] = found.digest
        response["X-Document-Status"] = "frozen" if found.frozen else "draft"
        if found.frozen is not None and found.frozen.regulator_case_number:
            response["X-Regulator-Case-Number"] = found.frozen.regulator_case_number
        if fmt == "pdf":
            response["Content-Disposition"] = (
                f'attachment; filename="{found.regulator}-{found.report_id}.pdf"'
            )
        return response
