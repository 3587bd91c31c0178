"""The parts of a case: persons, investigation, risk, causes, actions, information events,
attachments, links, regulator notifications and named investigators.

Listing a part is a read of the case and is logged; adding goes through the part's service,
which decides who may (404 outside scope, 403 inside it) and validates with its form.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from cases import forms as case_forms
from cases import selectors, services
from cases.api import reading
from cases.api.input import form_data
from cases.api.parsers import JSONParser
from cases.api.schema import form_body
from cases.api.serializers import (
    ActionSerializer,
    AttachmentSerializer,
    CauseSerializer,
    InformationEventSerializer,
    InvestigationEntrySerializer,
    LinkSerializer,
    NotificationSerializer,
    PersonSerializer,
    RiskSerializer,
    UserRefSerializer,
)
from cases.services.base import validated


class CasePartViewSet(ViewSet):
    """GET lists the part, POST adds one through ``add``."""

    part = ""
    serializer_class = None
    reader = None
    add = None

    def items(self, request, report):
        return self.reader(report)

    def context(self, request, report):
        return {"request": request, "report": report}

    def list(self, request, report_id):
        report = reading.case_parts_for(request.user, report_id)
        data = self.serializer_class(
            self.items(request, report), many=True, context=self.context(request, report)
        ).data
        reading.log_case_read(request.user, report, part=self.part)
        return Response(data)

    def create(self, request, report_id):
        created = self.add(report_id, acting_user=request.user, data=form_data(request))
        data = self.serializer_class(created, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(request=form_body(case_forms.AffectedPersonForm, "PersonInput"))
class PersonViewSet(CasePartViewSet):
    part = "persons"
    serializer_class = PersonSerializer
    add = staticmethod(services.do_add_affected_person)

    def items(self, request, report):
        return selectors.report_persons(request.user, report)


@extend_schema(request=form_body(case_forms.InvestigationEntryForm, "InvestigationEntryInput"))
class InvestigationEntryViewSet(CasePartViewSet):
    """Entries are part of the legal record: they are never changed, only corrected by a new
    entry that names the one it corrects."""

    part = "investigation_entries"
    serializer_class = InvestigationEntrySerializer
    reader = staticmethod(reading.investigation_entries)
    add = staticmethod(services.do_add_investigation_entry)

    def retrieve(self, request, report_id, pk):
        report = reading.case_parts_for(request.user, report_id)
        entry = get_object_or_404(reading.investigation_entries(report), pk=pk)
        data = self.serializer_class(entry).data
        reading.log_case_read(request.user, report, part=self.part, id=entry.pk)
        return Response(data)


class RiskViewSet(ViewSet):
    @extend_schema(request=form_body(case_forms.RiskForm, "RiskInput"), responses=RiskSerializer)
    def update(self, request, report_id):
        report = services.do_set_risk(report_id, acting_user=request.user, data=form_data(request))
        return Response(RiskSerializer(report).data)


@extend_schema(request=form_body(case_forms.CauseForm, "CauseInput"))
class CauseViewSet(CasePartViewSet):
    part = "causes"
    serializer_class = CauseSerializer
    reader = staticmethod(reading.causes)
    add = staticmethod(services.do_add_cause)


@extend_schema(request=form_body(case_forms.ActionForm, "ActionInput"))
class ActionViewSet(CasePartViewSet):
    part = "actions"
    serializer_class = ActionSerializer
    add = staticmethod(services.do_add_action)

    def items(self, request, report):
        return selectors.report_actions(report)

    @extend_schema(request=form_body(case_forms.ActionUpdateForm, "ActionUpdateInput"))
    def partial_update(self, request, report_id, pk):
        action = services.do_update_action(report_id, pk, acting_user=request.user, data=form_data(request))
        return Response(self.serializer_class(action).data)


@extend_schema(request=form_body(case_forms.InformationEventForm, "InformationEventInput"))
class InformationEventViewSet(CasePartViewSet):
    part = "information_events"
    serializer_class = InformationEventSerializer
    reader = staticmethod(reading.information_events)
    add = staticmethod(services.do_add_information_event)


class AttachmentViewSet(CasePartViewSet):
    part = "attachments"
    serializer_class = AttachmentSerializer
    reader = staticmethod(reading.attachments)
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                name="AttachmentInput", fields={"file": serializers.FileField()}
            )
        }
    )
    def create(self, request, report_id):
        attachment = services.do_add_attachment(
            report_id, acting_user=request.user, upload=request.FILES.get("file")
        )
        return Response(self.serializer_class(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in settings.ATTACHMENT_ALLOWED_TYPES}
    )
    def download(self, request, report_id, pk):
        report = reading.case_parts_for(request.user, report_id)
        attachment = get_object_or_404(reading.attachments(report), pk=pk)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        reading.log_read(request.user, "attachment.downloaded", [report.pk], attachment=attachment.pk)
        return response


@extend_schema(
    request=form_body(
        case_forms.RouteForm,
        "RouteInput",
        target_type=serializers.CharField(
            help_text="The type of the linked case; from each type: "
            + "; ".join(
                f"{source} → {', '.join(targets)}"
                for source, targets in case_forms.RouteForm.TARGETS.items()
                if targets
            )
        ),
    )
)
class LinkViewSet(CasePartViewSet):
    """Routing opens a linked case of another type; the source case keeps its history."""

    part = "links"
    serializer_class = LinkSerializer

    def items(self, request, report):
        return selectors.report_links(request.user, report)

    def create(self, request, report_id):
        target = services.do_route(report_id, acting_user=request.user, data=form_data(request))
        links = selectors.report_links(request.user, selectors.access_report(request.user, report_id))
        link = next(link for link in links if link["report"].pk == target.pk)
        return Response(self.serializer_class(link).data, status=status.HTTP_201_CREATED)


class NotificationViewSet(CasePartViewSet):
    """Notifications to IVO and IMY, each with its own small lifecycle beside the case's."""

    part = "notifications"
    serializer_class = NotificationSerializer
    reader = staticmethod(reading.notifications)

    @extend_schema(
        request=form_body(case_forms.NotificationDecideForm, "IvoNotificationInput"),
        description="Decide to notify IVO of a lex Sarah case before its decision step.",
    )
    def create(self, request, report_id):
        notification = services.do_decide_ivo_notification(
            report_id, acting_user=request.user, data=form_data(request)
        )
        return self._notification_response(request, report_id, notification.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=NotificationSerializer,
        description="submit, supplement, record_outcome or complete, with the fields the step lists.",
    )
    def transition(self, request, report_id, pk, name):
        services.do_notification_transition(
            report_id, pk, name, acting_user=request.user, data=form_data(request)
        )
        return self._notification_response(request, report_id, pk, status.HTTP_200_OK)

    def _notification_response(self, request, report_id, pk, status_code):
        report = selectors.access_report(request.user, report_id)
        notification = reading.notifications(report).get(pk=pk)
        return Response(
            self.serializer_class(notification, context=self.context(request, report)).data,
            status=status_code,
        )


class InvestigatorForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True))


class InvestigatorViewSet(ViewSet):
    @extend_schema(
        request=form_body(InvestigatorForm, "InvestigatorInput"),
        responses={201: inline_serializer(name="Investigator", fields={"user": UserRefSerializer()})},
    )
    def create(self, request, report_id):
        selectors.access_report(request.user, report_id)  # outside the scope, the input is not even judged
        investigator = validated(InvestigatorForm(data=form_data(request)))["user"]
        services.do_grant_investigator(report_id, investigator, acting_user=request.user)
        return Response({"user": UserRefSerializer(investigator).data}, status=status.HTTP_201_CREATED)
