from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import parts
from cases.api.views.key_time import KeyTimeView
from cases.api.views.overdue import OverdueView
from cases.api.views.parts import InvestigatorViewSet
from cases.api.views.reports import ReportViewSet

app_name = "api"

# Below ``/reports/<id>/``: the case's own steps and key times, its investigators, and the
# routes of each of its parts (cases.parts).
case_parts = [
    path("transitions/<slug:name>/", ReportViewSet.as_view({"post": "transition"}), name="report-transition"),
    path("investigators/", InvestigatorViewSet.as_view({"post": "create"}), name="investigator-list"),
    path("key-time/", KeyTimeView.as_view(), name="key-time"),
    *(path(route.pattern, route.as_view(), name=route.name) for route in parts.routes()),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves the page's script from a URL of its own rather than inline, as the
    # content-security policy demands; Swagger UI draws its icons as data: images, which only
    # this page's policy allows (docs/operations.md).
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("reports/", ReportViewSet.as_view(parts.LIST), name="report-list"),
    path("reports/export/", ReportViewSet.as_view({"get": "export"}), name="report-export"),
    path("reports/<int:report_id>/", ReportViewSet.as_view({"get": "retrieve"}), name="report-detail"),
    path("reports/<int:report_id>/", include(case_parts)),
    path("overdue/", OverdueView.as_view(), name="overdue"),
    # Statistics, compilations and exports: the reporting app's endpoints, in this namespace.
    path("", include("reporting.api.urls")),
]
