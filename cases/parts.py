"""The registry of a case's parts: what a case is made of beside its own fields, listed once.

Each part is a section of the case page (``template``, shown when ``visible`` says the user
may see it, listed in the page's navigation when it has a ``nav`` label), the forms on the
web that add to it (``forms``: the names of ``web:part``'s URLs, ``cases.web.case.FORMS``),
and what the API shows of it: the collections nested in the full case
(``cases.api.serializers.FullCaseSerializer``) and the routes below ``/reports/<id>/``
(``cases.api.urls``). Those four consumers build their lists from ``PARTS``;
``tests/cases/test_case_parts.py`` checks that they do.

Serializers, views and readers are named by their dotted path and loaded when first used, so
the registry imports neither face of the application.
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from cases.access import REGULATOR_OF, reads_everything


def _reading(name):
    """A reader of ``cases.api.reading`` that takes the case only."""

    def read(user, report):
        return import_string(f"cases.api.reading.{name}")(report)

    return read


def _selector(name, *, with_user=True):
    """A reader of ``cases.selectors``."""

    def read(user, report):
        reader = import_string(f"cases.selectors.{name}")
        return reader(user, report) if with_user else reader(report)

    return read


@dataclass(frozen=True)
class Collection:
    """Something of the part the API nests in the full case: ``field`` in the case's body,
    ``serializer`` (dotted path) over what ``read(user, report)`` returns; ``read=None``: the
    serializer reads the case itself (one object, not a list)."""

    field: str
    serializer: str
    read: object = None

    @cached_property
    def serializer_class(self):
        return import_string(self.serializer)


@dataclass(frozen=True)
class Route:
    """One API route of the part, below ``/reports/<id>/``: ``view`` (dotted path) with its
    viewset ``actions`` (None for a plain APIView) under the URL ``name``."""

    pattern: str
    view: str
    name: str
    actions: dict | None = None

    def as_view(self):
        view = import_string(self.view)
        return view.as_view(self.actions) if self.actions is not None else view.as_view()


LIST = {"get": "list", "post": "create"}


def _regulated(user, report):
    """The regulator's part: the types notified to a regulator (``cases.access.REGULATOR_OF``)."""
    return reads_everything(user, report) and report.type in REGULATED_TYPES


def _reads_audit(user, report):
    return import_string("cases.selectors.may_read_audit")(user, report)


@dataclass(frozen=True)
class CasePart:
    key: str  # the section's anchor on the case page
    label: object  # the section's heading and navigation entry
    template: str
    visible: object = reads_everything  # (user, report) -> bool, from cases.access
    nav: bool = True
    forms: tuple = ()
    collections: tuple = ()
    routes: tuple = ()


# The case types with a notification to a regulator: lex Sarah and lex Maria (IVO), breaches (IMY).
REGULATED_TYPES = frozenset(REGULATOR_OF)

PARTS = (
    CasePart(
        "description",
        _("Description"),
        "web/parts/description.html",
        forms=("attachments",),
        collections=(
            Collection("attachments", "cases.api.serializers.AttachmentSerializer", _reading("attachments")),
            Collection(
                "corrections",
                "cases.api.serializers.CorrectionSerializer",
                _selector("report_corrections", with_user=False),
            ),
        ),
        routes=(
            Route("attachments/", "cases.api.views.parts.AttachmentViewSet", "attachment-list", LIST),
            Route("description/", "cases.api.views.corrections.DescriptionView", "description"),
            Route("reopen/", "cases.api.views.corrections.ReopenView", "reopen"),
            Route("withdraw/", "cases.api.views.corrections.WithdrawView", "withdraw"),
            Route("merge/", "cases.api.views.corrections.MergeView", "merge"),
            Route(
                "attachments/<int:pk>/download/",
                "cases.api.views.parts.AttachmentViewSet",
                "attachment-download",
                {"get": "download"},
            ),
        ),
    ),
    CasePart(
        "persons",
        _("Persons"),
        "web/parts/persons.html",
        forms=("persons", "information"),
        collections=(
            Collection("persons", "cases.api.serializers.PersonSerializer", _selector("report_persons")),
            Collection(
                "information_events",
                "cases.api.serializers.InformationEventSerializer",
                _reading("information_events"),
            ),
        ),
        routes=(
            Route("persons/", "cases.api.views.parts.PersonViewSet", "person-list", LIST),
            Route(
                "information-events/",
                "cases.api.views.parts.InformationEventViewSet",
                "information-event-list",
                LIST,
            ),
        ),
    ),
    CasePart(
        "investigation",
        _("Investigation"),
        "web/parts/investigation.html",
        forms=("entries",),
        collections=(
            Collection(
                "investigation_entries",
                "cases.api.serializers.InvestigationEntrySerializer",
                _reading("investigation_entries"),
            ),
        ),
        routes=(
            Route(
                "investigation-entries/",
                "cases.api.views.parts.InvestigationEntryViewSet",
                "investigation-entry-list",
                LIST,
            ),
            Route(
                "investigation-entries/<int:pk>/",
                "cases.api.views.parts.InvestigationEntryViewSet",
                "investigation-entry-detail",
                {"get": "retrieve"},
            ),
        ),
    ),
    CasePart(
        "risk",
        _("Risk"),
        "web/parts/risk.html",
        forms=("risk",),
        collections=(Collection("risk", "cases.api.serializers.RiskSerializer"),),
        routes=(Route("risk/", "cases.api.views.parts.RiskViewSet", "risk", {"put": "update"}),),
    ),
    CasePart(
        "actions",
        _("Causes and actions"),
        "web/parts/actions.html",
        forms=("causes", "actions"),
        collections=(
            Collection("causes", "cases.api.serializers.CauseSerializer", _reading("causes")),
            Collection(
                "actions",
                "cases.api.serializers.ActionSerializer",
                _selector("report_actions", with_user=False),
            ),
        ),
        routes=(
            Route("causes/", "cases.api.views.parts.CauseViewSet", "cause-list", LIST),
            Route("actions/", "cases.api.views.parts.ActionViewSet", "action-list", LIST),
            Route(
                "actions/<int:pk>/",
                "cases.api.views.parts.ActionViewSet",
                "action-detail",
                {"patch": "partial_update"},
            ),
        ),
    ),
    CasePart(
        "links",
        _("Linked cases"),
        "web/parts/links.html",
        nav=False,
        forms=("route",),
        collections=(Collection("links", "cases.api.serializers.LinkSerializer", _selector("report_links")),),
        routes=(Route("links/", "cases.api.views.parts.LinkViewSet", "link-list", LIST),),
    ),
    CasePart(
        "notifications",
        _("Regulator"),
        "web/parts/notifications.html",
        visible=_regulated,
        forms=("notify-ivo",),
        collections=(
            Collection(
                "notifications", "cases.api.serializers.NotificationSerializer", _reading("notifications")
            ),
        ),
        routes=(
            Route("notifications/", "cases.api.views.parts.NotificationViewSet", "notification-list", LIST),
            Route(
                "notifications/<int:pk>/transitions/<slug:name>/",
                "cases.api.views.parts.NotificationViewSet",
                "notification-transition",
                {"post": "transition"},
            ),
            Route(
                "regulator-document/",
                "reporting.api.views.regulator_documents.RegulatorDocumentView",
                "regulator-document",
            ),
        ),
    ),
    CasePart(
        "decision",
        _("Decision"),
        "web/parts/decision.html",
        collections=(
            Collection(
                "delegation_decisions",
                "cases.api.serializers.DelegationDecisionSerializer",
                _reading("delegation_decisions"),
            ),
        ),
    ),
    CasePart("messages", _("Messages"), "web/parts/messages.html", forms=("ask", "feedback")),
    CasePart(
        "timeline",
        _("History"),
        "web/parts/timeline.html",
        visible=_reads_audit,
        collections=(
            Collection(
                "timeline", "cases.api.serializers.TimelineEventSerializer", _selector("report_timeline")
            ),
        ),
        routes=(Route("audit/", "cases.api.views.reports.AuditViewSet", "audit", {"get": "list"}),),
    ),
)

BY_KEY = {part.key: part for part in PARTS}


def collections():
    return [collection for part in PARTS for collection in part.collections]


def routes():
    return [route for part in PARTS for route in part.routes]


def form_names():
    return [name for part in PARTS for name in part.forms]


def part_of_form(name):
    """The part a web form adds to: the section the page goes back to after it."""
    return next(part for part in PARTS if name in part.forms)


def sections(user, report):
    """The case page's sections this user may see, in the page's order."""
    return [part for part in PARTS if part.visible(user, report)]
