"""The small-count rule in the admin, beside the shared reference data it is administered
with (``cases.admin.ReferenceAdmin``: shared rows, read-only for a board's administrator)."""

from django.contrib import admin

from cases.admin import ReferenceAdmin
from reporting.models import SuppressionRule


@admin.register(SuppressionRule)
class SuppressionRuleAdmin(ReferenceAdmin):
    list_display = ["threshold", "basis", "valid_from", "valid_to"]
