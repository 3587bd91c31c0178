"""Correcting a case's key time (when it happened, was discovered or was reported) over the
API: ``do_correct_key_time`` decides who may (404 outside scope, 403 inside it without a
handler's role), validates, moves the running clocks and writes the audit row."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import forms as case_forms
from cases import services
from cases.api.clocks import ClockSerializer, case_clocks
from cases.api.input import form_data
from cases.api.schema import form_body

KEY_TIMES = [name for name, _label in case_forms.KeyTimeCorrectionForm.FIELDS]


class KeyTimeView(APIView):
    @extend_schema(
        request=form_body(case_forms.KeyTimeCorrectionForm, "KeyTimeCorrectionInput"),
        responses=inline_serializer(
            "KeyTimeCorrected",
            {
                "id": serializers.IntegerField(),
                **{name: serializers.DateTimeField(allow_null=True) for name in KEY_TIMES},
                "clocks": ClockSerializer(many=True),
            },
        ),
        summary="Correct a key time of the case; its running clocks follow.",
    )
    def post(self, request, report_id):
        report = services.do_correct_key_time(report_id, acting_user=request.user, data=form_data(request))
        return Response(
            {
                "id": report.pk,
                **{
                    name: serializers.DateTimeField().to_representation(getattr(report, name))
                    if getattr(report, name)
                    else None
                    for name in KEY_TIMES
                },
                "clocks": ClockSerializer(case_clocks(report), many=True).data,
            }
        )
