"""The directory's translation tables in the admin, kept by each board's administrator within
their boards (cases.admin_scope.BoardAdmin): another board's rows are absent and answer 404,
and every change is audited. django-allauth's own models (identity providers, linked
accounts, authenticators) are the operator's (cases.admin_site places them)."""

from django.contrib import admin

from cases.admin_scope import BoardAdmin
from identity.models import GroupRoleMapping, UnitCodeMapping


class UnitScopedAdmin(BoardAdmin):
    def visible(self, scope, queryset):
        return queryset.filter(scope.units_q("unit__"))

    def may_change(self, scope, obj):
        return scope.has_unit(obj.unit)


@admin.register(GroupRoleMapping)
class GroupRoleMappingAdmin(UnitScopedAdmin):
    audit_name = "identity.group_mapping"
    list_display = ["group", "role", "unit", "provider"]
    list_filter = ["role"]
    search_fields = ["group"]
    list_select_related = ["unit"]

    def audit_payload(self, obj):
        return {"group": obj.group, "role": obj.role, "unit": obj.unit_id, "provider": obj.provider}

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(UnitCodeMapping)
class UnitCodeMappingAdmin(UnitScopedAdmin):
    audit_name = "identity.unit_code"
    list_display = ["code", "unit"]
    search_fields = ["code"]
    list_select_related = ["unit"]

    def audit_payload(self, obj):
        return {"code": obj.code, "unit": obj.unit_id}
