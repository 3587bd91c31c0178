"""The per-unit overdue list: clocks past their deadline and actions past their due date."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors
from cases.api.clocks import ClockSerializer
from cases.api.reading import log_read
from cases.api.serializers import UnitRefSerializer, UserRefSerializer
from cases.models import OrgUnit, ReportType
from cases.models.clocks import with_legal_references


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    type = serializers.ChoiceField(choices=ReportType.choices)
    unit = UnitRefSerializer()


class OverdueClockSerializer(ClockSerializer):
    case = CaseRefSerializer(source="report")


class OverdueActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = CaseRefSerializer(source="report")
    owner = UserRefSerializer()
    due_date = serializers.DateField()
    status = serializers.CharField()


class OverdueSerializer(serializers.Serializer):
    clocks = OverdueClockSerializer(many=True)
    actions = OverdueActionSerializer(many=True)


class OverdueFilters(serializers.Serializer):
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class OverdueView(APIView):
    """Overdue clocks and actions in a unit (and below it), for its managers, the SAS and the DSO.
    A unit where the user holds none of those roles answers 404, as one that does not exist."""

    @extend_schema(
        parameters=[OverdueFilters],
        responses={
            200: OverdueSerializer,
            404: OpenApiResponse(
                description="No such unit, or none where the user is a manager, the SAS or the DSO."
            ),
        },
    )
    def get(self, request):
        filters = OverdueFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        unit = None
        if "unit" in filters.validated_data:
            unit = OrgUnit.objects.filter(pk=filters.validated_data["unit"]).first()
            if unit is None:
                raise NotFound()
        overdue = selectors.overdue_for(request.user, unit)
        if overdue is None:
            raise NotFound()
        overdue["clocks"] = with_legal_references(overdue["clocks"])
        data = OverdueSerializer(overdue).data
        report_ids = sorted({item["case"]["id"] for part in ("clocks", "actions") for item in data[part]})
        log_read(request.user, "overdue.listed", report_ids, unit=unit.pk if unit else None)
        return Response(data)
