"""Tasks over the API: my inbox, queue, archive and overdue list; claim, release, reassign."""

from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet
from viewflow.workflow.status import STATUS

from cases.api.views.reports import Pagination
from cases.models import ReportType
from workflows import selectors, services

# viewflow's own task status labels, in this app's catalogue so that they have Swedish.
STATUS_LABELS = {
    STATUS.NEW: pgettext_lazy("STATUS", "New"),
    STATUS.ASSIGNED: pgettext_lazy("STATUS", "Assigned"),
    STATUS.STARTED: pgettext_lazy("STATUS", "Started"),
    STATUS.DONE: pgettext_lazy("STATUS", "Done"),
    STATUS.CANCELED: pgettext_lazy("STATUS", "Canceled"),
    STATUS.ERROR: pgettext_lazy("STATUS", "Error"),
    STATUS.SCHEDULED: pgettext_lazy("STATUS", "Scheduled"),
    STATUS.REVIVED: pgettext_lazy("STATUS", "Revived"),
}


class TaskCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    type = serializers.ChoiceField(choices=ReportType.choices)
    type_label = serializers.CharField(source="get_type_display")
    unit = serializers.SerializerMethodField()

    def get_unit(self, report) -> dict:
        return {"id": report.unit_id, "name": report.unit.name}


class AssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = TaskCaseSerializer(source="process.caseprocess.report")
    step = serializers.CharField(source="flow_task.name")
    step_label = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_label = serializers.SerializerMethodField()
    assignee = AssigneeSerializer(source="owner", allow_null=True)
    created = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    finished = serializers.DateTimeField(allow_null=True)

    def to_representation(self, task):
        """The same fields, built directly: DRF's generic path costs more than the query here."""
        report = task.process.caseprocess.report
        owner = task.owner
        return {
            "id": task.pk,
            "case": {
                "id": report.pk,
                "case_number": report.case_number,
                "type": report.type,
                "type_label": str(ReportType(report.type).label),
                "unit": {"id": report.unit_id, "name": report.unit.name},
            },
            "step": task.flow_task.name,
            "step_label": self.get_step_label(task),
            "status": task.status,
            "status_label": self.get_status_label(task),
            "assignee": {"id": owner.pk, "name": owner.display_name} if owner else None,
            "created": self._datetime(task.created),
            "due_at": self._datetime(task.due_at),
            "overdue": bool(task.is_overdue),
            "finished": self._datetime(task.finished),
        }

    def _datetime(self, value):
        return self.fields["created"].to_representation(value) if value else None

    def get_step_label(self, task) -> str:
        return str(task.flow_task.label)

    def get_status_label(self, task) -> str:
        return str(STATUS_LABELS.get(task.status, task.status))


class TaskFilters(serializers.Serializer):
    scope = serializers.ChoiceField(choices=selectors.SCOPES, default="inbox")
    type = serializers.ChoiceField(choices=ReportType.choices, required=False)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class ReassignInput(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class TaskViewSet(ViewSet):
    pagination_class = Pagination

    @extend_schema(parameters=[TaskFilters], responses=TaskSerializer(many=True))
    def list(self, request):
        filters = TaskFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = dict(filters.validated_data)
        scope = params.pop("scope")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.tasks_for(request.user, scope, **params), request, self)
        return paginator.get_paginated_response(TaskSerializer(page, many=True).data)

    def _one(self, request, task):
        """The task as it is after the user's action (which may have taken it out of their sight)."""
        return Response(TaskSerializer(selectors.task_row(task.pk)).data)

    @extend_schema(request=None, responses=TaskSerializer)
    def claim(self, request, pk):
        return self._one(request, services.do_claim(pk, acting_user=request.user))

    @extend_schema(request=None, responses=TaskSerializer)
    def release(self, request, pk):
        return self._one(request, services.do_release(pk, acting_user=request.user))

    @extend_schema(request=ReassignInput, responses=TaskSerializer)
    def reassign(self, request, pk):
        body = ReassignInput(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.do_reassign(pk, acting_user=request.user, user_id=body.validated_data["user"])
        return self._one(request, task)
