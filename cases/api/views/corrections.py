"""Correcting a case over the API: reopening, withdrawing, merging a duplicate, editing the
description, each through its ``cases.services.corrections`` function (404 outside scope, 403
inside it without the right, 409 when the case is not where the correction can be made, 400
with the fields' errors). Each answers with the case as it is afterwards."""

from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from cases import forms as case_forms
from cases import selectors, services
from cases.api.input import form_data
from cases.api.schema import form_body
from cases.api.serializers import CASE_SCHEMA
from cases.api.views.reports import case_response


class _Correction(APIView):
    service = staticmethod(services.do_reopen_report)  # each view names its own

    def post(self, request, report_id):
        self.service(report_id, acting_user=request.user, data=form_data(request))
        return case_response(request, selectors.access_report(request.user, report_id))


class ReopenView(_Correction):
    service = staticmethod(services.do_reopen_report)

    @extend_schema(
        request=form_body(case_forms.ReopenForm, "ReopenInput"),
        responses=CASE_SCHEMA,
        summary="Reopen a closed case with a reason; the clocks its closing stopped resume where the law says.",
    )
    def post(self, request, report_id):
        return super().post(request, report_id)


class WithdrawView(_Correction):
    service = staticmethod(services.do_withdraw_report)

    @extend_schema(
        request=form_body(case_forms.WithdrawForm, "WithdrawInput"),
        responses=CASE_SCHEMA,
        summary="Withdraw a report filed by mistake: kept, marked, left out of statistics and compilations.",
    )
    def post(self, request, report_id):
        return super().post(request, report_id)


class MergeView(_Correction):
    service = staticmethod(services.do_merge_reports)

    @extend_schema(
        request=form_body(case_forms.MergeForm, "MergeInput"),
        responses=CASE_SCHEMA,
        summary="Merge this duplicate into the case given by its number; that case survives it.",
    )
    def post(self, request, report_id):
        return super().post(request, report_id)


class DescriptionView(_Correction):
    service = staticmethod(services.do_edit_description)

    @extend_schema(
        request=form_body(case_forms.DescriptionForm, "DescriptionInput"),
        responses=CASE_SCHEMA,
        summary="Edit the description; the earlier text is kept among the case's corrections.",
    )
    def post(self, request, report_id):
        return super().post(request, report_id)
