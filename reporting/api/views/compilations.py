"""Statistics, the nämnd compilation, the kvalitetsberättelse chapter and background exports.

Query parameters are checked by the forms in ``reporting.forms``; ``format`` is one
of them, so DRF's own reading of ``?format=`` (choosing a renderer) is switched off here.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import audit
from cases.api.reading import log_read
from cases.api.serializers import ReportSummarySerializer
from cases.api.views.reports import Pagination
from cases.models import AuditEvent, OrgUnit
from operations.replica import tolerant_view
from reporting.access import compilation_unit, may_drill_down, may_see_statistics
from reporting.forms import (
    CompilationForm,
    DrillDownForm,
    QualityChapterForm,
    StatisticsForm,
    query_data,
)
from reporting.models import ExportJob
from reporting.selectors import statistics
from reporting.selectors.compilation import board_compilation, quality_chapter, year_scope
from reporting.selectors.tables import Scope
from reporting.services import exports
from reporting.services.tasks import start_export


class FormatIsAParameter(DefaultContentNegotiation):
    """Always the first renderer (JSON): ``format`` names the export, not a renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def valid(form):
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data


def file_response(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def log_export(user, what, **params):
    audit.record(what, actor=user, payload=params, chain=AuditEvent.Chain.ACCESS)


def _params(name):
    return OpenApiParameter(name, str, OpenApiParameter.QUERY)


def _files(*formats):
    """A 200 answer with each export format's own media type, as the file is sent."""
    return {(200, exports.FORMATS[fmt].split(";")[0]): OpenApiTypes.BINARY for fmt in formats}


class StatisticsView(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        parameters=[_params(p) for p in ("by", "period", "from", "to", "type")],
        responses=OpenApiTypes.OBJECT,
        description="Counts of the cases the user may count, by one dimension and period, with a "
        "three-year trend. SAS, unit managers (their units) and leadership (aggregates).",
    )
    @tolerant_view("statistics")
    def get(self, request):
        if not may_see_statistics(request.user):
            raise PermissionDenied
        data = valid(StatisticsForm(data=query_data(request.query_params, StatisticsForm.defaults())))
        return Response(
            statistics.statistics(
                request.user,
                by=data["by"],
                period=data["period"],
                start=data["start"],
                end=data["end"],
                type=data["type"] or None,
            )
        )


class StatisticsCasesView(APIView):
    content_negotiation_class = FormatIsAParameter
    pagination_class = Pagination

    @extend_schema(
        parameters=[_params(p) for p in ("by", "value", "from", "to", "type")],
        responses=ReportSummarySerializer(many=True),
        description="The cases behind one count that the user may see. Not for leadership.",
    )
    def get(self, request):
        if not may_drill_down(request.user):
            raise PermissionDenied
        data = valid(DrillDownForm(data=query_data(request.query_params, StatisticsForm.defaults())))
        reports = statistics.drill_down(
            request.user,
            by=data["by"],
            value=data["value"],
            start=data["start"],
            end=data["end"],
            type=data["type"] or None,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(reports, request, self)
        log_read(request.user, "report.listed", [report.pk for report in page], statistics=data["by"])
        return paginator.get_paginated_response(ReportSummarySerializer(page, many=True).data)


def export_response(request, compilation, fmt, params):
    log_export(request.user, "compilation.exported", **params)
    if fmt == "json":
        return Response(compilation.as_json())
    content, content_type = exports.render(compilation, fmt)
    return file_response(content, content_type, exports.filename(compilation, fmt))


def job_response(request, job, status=200):
    return Response(job_json(job), status=status)


def job_json(job):
    return {
        "id": str(job.pk),
        "status": job.status,
        "progress": job.progress,
        "url": reverse("api:export-detail", args=[job.pk]),
        "download_url": reverse("api:export-download", args=[job.pk])
        if job.status == ExportJob.Status.DONE
        else None,
        "failure": (job.failure or ExportJob.Failure.ERROR)
        if job.status == ExportJob.Status.FAILED
        else None,
        "failure_message": str(job.failure_message) or None,
    }


class CompilationView(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        parameters=[_params(p) for p in ("namnd", "from", "to", "public", "format", "background")],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            **_files("csv", "xlsx", "pdf", "docx"),
            (202, "application/json"): OpenApiTypes.OBJECT,
        },
        description="The board's compilation for a period: every table with its title, column "
        "headings and rows (json), or as csv, xlsx, pdf or docx. public=true (the default) "
        "hides small counts. background=true makes the file in the background.",
    )
    @tolerant_view("compilation")
    def get(self, request):
        data = valid(CompilationForm(data=query_data(request.query_params)))
        board = compilation_unit(request.user, data["namnd"], public=data["public"])
        params = {
            "kind": "compilation",
            "unit": board.pk,
            "from": data["start"].isoformat(),
            "to": data["end"].isoformat(),
            "public": data["public"],
            "format": data["format"],
        }
        if data["background"] and data["format"] != "json":
            log_export(request.user, "compilation.export_started", **params)
            return job_response(request, start_export(request.user, params), status=202)
        compilation = board_compilation(
            Scope(unit=board, start=data["start"], end=data["end"], public=data["public"])
        )
        return export_response(request, compilation, data["format"], params)


class QualityChapterView(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        parameters=[_params(p) for p in ("municipality", "year", "public", "format")],
        responses={**_files("docx", "pdf"), (202, "application/json"): OpenApiTypes.OBJECT},
        description="The kvalitetsberättelse chapter for a year, of a board or of the whole municipality "
        "(municipality=<id of either>), as docx or pdf; background=true makes it in the background.",
    )
    def get(self, request):
        data = valid(QualityChapterForm(data=request.query_params))
        municipality = compilation_unit(
            request.user,
            data["municipality"],
            public=data["public"],
            kind=[OrgUnit.Kind.MUNICIPALITY, OrgUnit.Kind.BOARD],
        )
        params = {
            "kind": "quality_chapter",
            "unit": municipality.pk,
            "year": data["year"],
            "public": data["public"],
            "format": data["format"],
        }
        if request.query_params.get("background") == "true":
            log_export(request.user, "compilation.export_started", **params)
            return job_response(request, start_export(request.user, params), status=202)
        return export_response(
            request,
            quality_chapter(year_scope(municipality, data["year"], data["public"])),
            data["format"],
            params,
        )


def own_job(user, job_id):
    job = ExportJob.objects.filter(pk=job_id, requested_by=user).first()
    if job is None:
        raise Http404
    return job


class ExportJobView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, description="An export's status and progress (per cent).")
    def get(self, request, job_id):
        return job_response(request, own_job(request.user, job_id))


class ExportDownloadView(APIView):
    @extend_schema(responses=_files(*exports.FORMATS))
    def get(self, request, job_id):
        job = own_job(request.user, job_id)
        if job.status != ExportJob.Status.DONE:
            raise Http404
        log_export(request.user, "compilation.downloaded", job=str(job.pk))
        return file_response(bytes(job.content), job.content_type, job.filename)
