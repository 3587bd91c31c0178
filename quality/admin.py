"""A board's signal rules in the admin: its administrators' (``BoardAdmin``), every change
audited by ``cases.admin_scope``; another board's rules are out of reach (404)."""

from django.contrib import admin

from cases.admin_scope import BoardAdmin, request_reach
from quality.models import SignalSettings


@admin.register(SignalSettings)
class SignalSettingsAdmin(BoardAdmin):
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

    def visible(self, scope, queryset):
        return queryset.filter(board__in=scope.boards())

    def may_change(self, scope, obj):
        return scope.everything or scope.has_board(obj.board)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = request_reach(request)
        if db_field.name == "board" and not scope.everything:
            kwargs["queryset"] = scope.boards()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
