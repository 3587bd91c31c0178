"""Cases: the scoped list, filing, one case, its transitions and its audit trail."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.viewsets import ViewSet

from cases import idempotency, selectors, services
from cases.api.input import form_data
from cases.api.reading import (
    audit_events,
    audit_trail_for,
    log_case_read,
    log_read,
    reads_everything,
)
from cases.api.schema import form_body
from cases.api.serializers import (
    CASE_SCHEMA,
    FULL_SERIALIZERS,
    AuditEventSerializer,
    ReporterViewSerializer,
    ReportSummarySerializer,
)
from cases.forms import ReportCreateForm
from cases.models import OrgUnit, RegulatorNotification, ReportType
from cases.register import FORMATS, TEXT_FIELDS
from cases.register import export_queryset as export_register
from lib.periods import local_range


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ReportFilters(serializers.Serializer):
    """The case register's search (``cases.selectors.case_register``): every case the user may
    see, open and closed."""

    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text="The case number (whole or a part) or text of the description.",
    )
    person = serializers.CharField(
        required=False, max_length=100, help_text="A person concerned: name or personal identity number."
    )
    reporter = serializers.CharField(required=False, max_length=100, help_text="The reporter's name.")
    type = serializers.ChoiceField(choices=ReportType.choices, required=False)
    state = serializers.CharField(
        required=False, max_length=30, help_text="A state's code, or `open` or `closed`."
    )
    unit = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="A unit: its cases and those below it."
    )
    reported_from = serializers.DateField(required=False)
    reported_to = serializers.DateField(required=False)
    risk_level = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    overdue = serializers.BooleanField(required=False, default=False)
    open_actions = serializers.BooleanField(required=False, default=False)
    regulator_status = serializers.ChoiceField(
        choices=[selectors.REGULATOR_NONE, *RegulatorNotification.STATES], required=False
    )
    sort = serializers.ChoiceField(choices=list(selectors.REGISTER_SORTS), required=False)

    def validate(self, attrs):
        start, end = attrs.get("reported_from"), attrs.get("reported_to")
        if start and end and end < start:
            raise serializers.ValidationError({"reported_to": _("The end cannot come before the start.")})
        return attrs

    def arguments(self):
        data = self.validated_data
        unit = None
        if data.get("unit"):
            # Any unit narrows the list; one outside the user's scope leaves it empty.
            unit = OrgUnit.objects.filter(pk=data["unit"]).first() or OrgUnit(path="no-such-unit:")
        return {
            "q": data.get("q", ""),
            "person": data.get("person", ""),
            "reporter": data.get("reporter", ""),
            "type": data.get("type"),
            "state": data.get("state"),
            "unit": unit,
            "start": local_range(data["reported_from"], data["reported_from"])[0]
            if data.get("reported_from")
            else None,
            "end": local_range(data["reported_to"], data["reported_to"])[1]
            if data.get("reported_to")
            else None,
            "risk_band": data.get("risk_level"),
            "overdue": data.get("overdue", False),
            "open_actions": data.get("open_actions", False),
            "regulator_status": data.get("regulator_status"),
            "sort": data.get("sort", "-reported"),
        }

    def logged(self):
        kept = {}
        for name, value in self.validated_data.items():
            if value in (None, "", False):
                continue
            kept[name] = (
                True if name in TEXT_FIELDS else (value.isoformat() if hasattr(value, "isoformat") else value)
            )
        return kept


class ExportFilters(ReportFilters):
    file_format = serializers.ChoiceField(choices=list(FORMATS), default="csv")


def case_response(request, report, status_code=status.HTTP_200_OK):
    """The case as this user may see it. Showing it is a read, and is logged."""
    user = request.user
    serializer_class = (
        FULL_SERIALIZERS[report.type] if reads_everything(user, report) else ReporterViewSerializer
    )
    data = serializer_class(report, context={"request": request}).data
    log_case_read(user, report)
    return Response(data, status=status_code)


def preferences(request):
    """The request's ``Prefer`` header (RFC 7240) as {name: value}, names in lower case.

    Several preferences are separated by commas (several headers arrive joined by commas);
    a preference's own parameters follow a semicolon and are ignored here."""
    found = {}
    for item in request.headers.get("Prefer", "").split(","):
        name, _sep, value = item.split(";", 1)[0].partition("=")
        name = name.strip().lower()
        if name and name not in found:  # the first occurrence counts (RFC 7240, 2)
            found[name] = value.strip().strip('"')
    return found


def wants_minimal(request):
    return preferences(request).get("return", "").lower() == "minimal"


def minimal_response(request, report_id):
    """204 for ``Prefer: return=minimal``: no case data, so no read of the case to log.
    ``Location`` names the case for whoever wants to read it."""
    response = Response(status=status.HTTP_204_NO_CONTENT)
    response["Preference-Applied"] = "return=minimal"
    response["Location"] = reverse("api:report-detail", kwargs={"report_id": report_id}, request=request)
    return response


PREFER = OpenApiParameter(
    "Prefer",
    str,
    OpenApiParameter.HEADER,
    required=False,
    enum=["return=minimal", "return=representation"],
    description=(
        "RFC 7240. `return=minimal`: answer 204 No Content with `Preference-Applied: return=minimal` and "
        "`Location` (the case's URL) instead of the whole case; no case data is returned, so no read of the "
        "case is written to the access log. Without it (or with `return=representation`) the answer is 200 "
        "with the case as after the transition, and that read is logged."
    ),
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was used before for another request. Use a new key for a new filing."
    )


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of the client's choosing (1–255 visible ASCII characters; a UUID is a good choice), new for every "
        "report. A retry with the same key answers with the first answer (the same status, body and `Location`, "
        "and `Idempotent-Replayed: true`) and files nothing more, also when two retries arrive at once. The same key "
        "with another request body answers 422. Keys are kept at least 24 hours (`IDEMPOTENCY_KEY_HOURS`)."
    ),
)


def idempotency_key(request):
    try:
        return idempotency.checked(request.headers.get("Idempotency-Key"))
    except ValidationError as error:
        raise exceptions.ValidationError({"Idempotency-Key": error.messages}) from None


class ReportViewSet(ViewSet):
    pagination_class = Pagination

    @extend_schema(parameters=[ReportFilters], responses=ReportSummarySerializer(many=True))
    def list(self, request):
        filters = ReportFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.case_register(request.user, **filters.arguments()).select_related("namnd"),
            request,
            self,
        )
        data = ReportSummarySerializer(page, many=True).data
        log_read(request.user, "report.listed", [report.pk for report in page], filters=filters.logged())
        return paginator.get_paginated_response(data)

    @extend_schema(
        parameters=[ExportFilters],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        },
        description=(
            "The case register as CSV (`;` between fields in Swedish, `,` in English) or XLSX: the cases of "
            "the list's search, at most 10,000, every one of them named in the read log."
        ),
    )
    def export(self, request):
        filters = ExportFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        content, content_type, filename = export_register(
            request.user,
            selectors.case_register(request.user, **filters.arguments()),
            filters.validated_data["file_format"],
            filters.logged(),
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=form_body(ReportCreateForm, "ReportInput"),
        responses={201: CASE_SCHEMA},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request):
        key = idempotency_key(request)

        def file():
            report = services.do_file_report(acting_user=request.user, data=form_data(request))
            response = case_response(
                request, selectors.access_report(request.user, report.pk), status.HTTP_201_CREATED
            )
            location = reverse("api:report-detail", kwargs={"report_id": report.pk}, request=request)
            return idempotency.Answer(response.status_code, location, response.data, report.pk)

        fingerprint = idempotency.fingerprint(request.method, request.path, request.data)
        try:
            answer, replayed = idempotency.once(request.user, key, fingerprint, file)
        except idempotency.KeyReused:
            raise KeyReused() from None
        response = Response(answer.body, status=answer.status_code, headers={"Location": answer.location})
        if replayed:
            log_read(request.user, "report.viewed", [answer.report_id])  # the case's data goes out again
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(responses=CASE_SCHEMA)
    def retrieve(self, request, report_id):
        return case_response(request, selectors.access_report(request.user, report_id))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: CASE_SCHEMA,
            204: OpenApiResponse(
                description=(
                    "Done, with `Prefer: return=minimal`: no body; `Preference-Applied: return=minimal` and "
                    "`Location: /api/v1/reports/{id}/`."
                )
            ),
        },
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                description="A transition listed in the case's available_transitions.",
            ),
            PREFER,
        ],
        description=(
            "Perform one step of the case's lifecycle, with the fields that step lists. Answers with the "
            "case as it is afterwards, or with 204 and no body when the request says "
            "`Prefer: return=minimal`."
        ),
    )
    def transition(self, request, report_id, name):
        services.do_transition(report_id, name, acting_user=request.user, data=form_data(request))
        if wants_minimal(request):
            response = minimal_response(request, report_id)
        else:
            response = case_response(request, selectors.access_report(request.user, report_id))
            if preferences(request).get("return", "").lower() == "representation":
                response["Preference-Applied"] = "return=representation"
        patch_vary_headers(response, ["Prefer"])
        return response


class AuditViewSet(ViewSet):
    pagination_class = Pagination

    @extend_schema(responses=AuditEventSerializer(many=True))
    def list(self, request, report_id):
        report = audit_trail_for(request.user, report_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(audit_events(report), request, self)
        data = AuditEventSerializer(page, many=True).data
        log_read(request.user, "audit.viewed", [report.pk])
        return paginator.get_paginated_response(data)
