from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases.api.views.key_time import KeyTimeView
from cases.api.views.overdue import OverdueView
from cases.api.views.parts import (
    ActionViewSet,
    AttachmentViewSet,
    CauseViewSet,
    InformationEventViewSet,
    InvestigationEntryViewSet,
    InvestigatorViewSet,
    LinkViewSet,
    NotificationViewSet,
    PersonViewSet,
    RiskViewSet,
)
from cases.api.views.reports import AuditViewSet, ReportViewSet
from reporting.api.views.regulator_documents import RegulatorDocumentView

app_name = "api"

LIST = {"get": "list", "post": "create"}

case_parts = [
    path("transitions/<slug:name>/", ReportViewSet.as_view({"post": "transition"}), name="report-transition"),
    path("persons/", PersonViewSet.as_view(LIST), name="person-list"),
    path("investigation-entries/", InvestigationEntryViewSet.as_view(LIST), name="investigation-entry-list"),
    path(
        "investigation-entries/<int:pk>/",
        InvestigationEntryViewSet.as_view({"get": "retrieve"}),
        name="investigation-entry-detail",
    ),
    path("risk/", RiskViewSet.as_view({"put": "update"}), name="risk"),
    path("causes/", CauseViewSet.as_view(LIST), name="cause-list"),
    path("actions/", ActionViewSet.as_view(LIST), name="action-list"),
    path("actions/<int:pk>/", ActionViewSet.as_view({"patch": "partial_update"}), name="action-detail"),
    path("information-events/", InformationEventViewSet.as_view(LIST), name="information-event-list"),
    path("attachments/", AttachmentViewSet.as_view(LIST), name="attachment-list"),
    path(
        "attachments/<int:pk>/download/",
        AttachmentViewSet.as_view({"get": "download"}),
        name="attachment-download",
    ),
    path("links/", LinkViewSet.as_view(LIST), name="link-list"),
    path("notifications/", NotificationViewSet.as_view(LIST), name="notification-list"),
    path(
        "notifications/<int:pk>/transitions/<slug:name>/",
        NotificationViewSet.as_view({"post": "transition"}),
        name="notification-transition",
    ),
    path("investigators/", InvestigatorViewSet.as_view({"post": "create"}), name="investigator-list"),
    path("audit/", AuditViewSet.as_view({"get": "list"}), name="audit"),
    path("regulator-document/", RegulatorDocumentView.as_view(), name="regulator-document"),
    path("key-time/", KeyTimeView.as_view(), name="key-time"),
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
    path("reports/", ReportViewSet.as_view(LIST), name="report-list"),
    path("reports/<int:report_id>/", ReportViewSet.as_view({"get": "retrieve"}), name="report-detail"),
    path("reports/<int:report_id>/", include(case_parts)),
    path("overdue/", OverdueView.as_view(), name="overdue"),
    # Statistics, compilations and exports: the reporting app's endpoints, in this namespace.
    path("", include("reporting.api.urls")),
]
