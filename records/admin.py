"""Retention rules in the admin: a board's rules are its administrators' (``OwnBoardAdmin``), every
change audited by ``cases.admin_scope``; another board's rules are out of reach (404)."""

from django.contrib import admin

from cases.admin_scope import OwnBoardAdmin
from records.models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(OwnBoardAdmin):
    audit_name = "retention_rule"
    list_display = [
        "board",
        "report_type",
        "outcome",
        "disposition",
        "years",
        "basis",
        "package_before_disposal",
        "is_example",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["report_type", "disposition", "is_example", ("board", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["basis"]
    list_select_related = ["board"]

    def audit_payload(self, obj):
        return {
            "board": obj.board_id,
            "report_type": obj.report_type,
            "outcome": obj.outcome,
            "disposition": obj.disposition,
            "years": obj.years,
            "basis": obj.basis,
            "package_before_disposal": obj.package_before_disposal,
            "valid_from": obj.valid_from,
            "valid_to": obj.valid_to,
        }
