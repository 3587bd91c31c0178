"""A board's signal rules in the admin: its administrators' (``OwnBoardAdmin``), every change
audited by ``cases.admin_scope``; another board's rules are out of reach (404)."""

from django.contrib import admin

from cases.admin_scope import OwnBoardAdmin
from quality.models import SignalSettings


@admin.register(SignalSettings)
class SignalSettingsAdmin(OwnBoardAdmin):
    audit_name = "signal_settings"
    list_display = [
        "board",
        "chart_months",
        "run_length",
        "trend_length",
        "sigmas",
        "cluster_months",
        "cluster_types",
        "analysis_days",
        "valid_from",
        "valid_to",
    ]
    list_filter = [("board", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["board"]

    def audit_payload(self, obj):
        return {
            "board": obj.board_id,
            "chart_months": obj.chart_months,
            "run_length": obj.run_length,
            "trend_length": obj.trend_length,
            "sigmas": str(obj.sigmas),
            "cluster_months": obj.cluster_months,
            "cluster_types": obj.cluster_types,
            "analysis_days": obj.analysis_days,
            "valid_from": obj.valid_from,
            "valid_to": obj.valid_to,
        }
