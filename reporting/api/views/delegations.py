"""The register of delegation decisions over the API: ``GET /api/v1/delegation-decisions/``
lists a board's decisions of a period (as the page does), ``POST
/api/v1/delegation-decisions/reported/`` marks some of them reported to the board on the date
of its meeting, in one batch (``do_mark_delegations_reported``). A user with no board's register
gets 404, as does a board that is not one of theirs; marking without the right is 403."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import audit, selectors, services
from cases.api.serializers import DelegationDecisionSerializer, LinkedReportSerializer
from reporting.forms import DelegationRegisterForm, query_data


class RegisterDecisionSerializer(DelegationDecisionSerializer):
    report = LinkedReportSerializer()


def _boards(user):
    boards = selectors.delegation_boards(user)
    if not boards:
        raise Http404()
    return boards


def _board(boards, value):
    board = next((b for b in boards if str(b.pk) == str(value)), None)
    if board is None:
        raise Http404()
    return board


class DelegationRegisterView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "board", int, OpenApiParameter.QUERY, description="Defaults to the user's first board."
            ),
            OpenApiParameter(
                "from", str, OpenApiParameter.QUERY, description="First day of decisions (YYYY-MM-DD)."
            ),
            OpenApiParameter(
                "to", str, OpenApiParameter.QUERY, description="Last day of decisions (YYYY-MM-DD)."
            ),
            OpenApiParameter(
                "unreported", bool, OpenApiParameter.QUERY, description="Only those not yet reported."
            ),
        ],
        responses={
            200: RegisterDecisionSerializer(many=True),
            404: OpenApiResponse(description="The user reads no board's register, or not this board's."),
        },
        summary="The board's delegation decisions of a period, with whether they were reported to the board.",
    )
    def get(self, request):
        boards = _boards(request.user)
        params = {k: v for k, v in request.query_params.items() if k in ("board", "from", "to", "unreported")}
        if "board" in params:
            _board(boards, params["board"])
        if params.get("unreported") in ("false", "0", ""):
            params.pop("unreported")
        form = DelegationRegisterForm(
            data=query_data(params, DelegationRegisterForm.defaults(boards)), boards=boards
        )
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        data = form.cleaned_data
        decisions = list(
            selectors.delegation_register(
                request.user, data["board"], data["start"], data["end"], unreported_only=data["unreported"]
            )
        )
        audit.record_read(
            "report.listed",
            actor=request.user,
            report_ids=sorted({d.report_id for d in decisions}),
            payload={
                "page": "delegations",
                "filters": {
                    "board": data["board"].pk,
                    "from": data["start"].isoformat(),
                    "to": data["end"].isoformat(),
                },
            },
        )
        return Response(RegisterDecisionSerializer(decisions, many=True).data)


class MarkReportedInput(serializers.Serializer):
    board = serializers.IntegerField()
    meeting_date = serializers.DateField()
    decisions = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1))


class MarkReportedView(APIView):
    @extend_schema(
        request=MarkReportedInput,
        responses={
            200: inline_serializer("DelegationsMarked", {"marked": serializers.IntegerField()}),
            404: OpenApiResponse(description="The user reads no board's register, or not this board's."),
        },
        summary="Mark delegation decisions as reported to the board (anmälda till nämnden) on the meeting's date.",
    )
    def post(self, request):
        boards = _boards(request.user)
        body = MarkReportedInput(data=request.data)
        if not body.is_valid():
            raise ValidationError({name: [str(e) for e in errors] for name, errors in body.errors.items()})
        board = _board(boards, body.validated_data["board"])
        marked = services.do_mark_delegations_reported(
            acting_user=request.user,
            board=board,
            decision_ids=body.validated_data["decisions"],
            meeting_date=body.validated_data["meeting_date"],
        )
        return Response({"marked": marked})
