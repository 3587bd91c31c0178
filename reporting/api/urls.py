"""The reporting endpoints, included by ``cases.api.urls`` under /api/v1/ in its ``api``
namespace (the regulator document is a part of a case and is routed with the case's parts)."""

from django.urls import path

from reporting.api.views.compilations import (
    CompilationView,
    ExportDownloadView,
    ExportJobView,
    QualityChapterView,
    StatisticsCasesView,
    StatisticsView,
)
from reporting.api.views.delegations import DelegationRegisterView, MarkReportedView

urlpatterns = [
    path("statistics/", StatisticsView.as_view(), name="statistics"),
    path("statistics/cases/", StatisticsCasesView.as_view(), name="statistics-cases"),
    path("compilations/", CompilationView.as_view(), name="compilation"),
    path("compilations/quality-chapter/", QualityChapterView.as_view(), name="quality-chapter"),
    path("delegation-decisions/", DelegationRegisterView.as_view(), name="delegation-decisions"),
    path("delegation-decisions/reported/", MarkReportedView.as_view(), name="delegation-decisions-reported"),
    path("exports/<uuid:job_id>/", ExportJobView.as_view(), name="export-detail"),
    path("exports/<uuid:job_id>/download/", ExportDownloadView.as_view(), name="export-download"),
]
