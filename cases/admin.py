"""The municipality administrator's admin: organisation tree, users and their roles,
reference data.

Reports and everything on them are deliberately absent: every change of a case goes through
``cases.services`` with its permission check and audit row, and the admin would bypass both.
Roles are granted and revoked on their own page, through ``do_grant_role``/``do_revoke_role``,
never by editing group memberships, so that every grant is audited.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cases.access import units_with_role
from cases.admin_clocks import DeadlineRuleForm, legal_reference_shown
from cases.models import (
    GRANTABLE_ROLES,
    DeadlineRule,
    InvestigationTopic,
    LegalReference,
    OrgUnit,
    OrgUnitGroupObjectPermission,
    RiskBand,
    RiskRoutingRule,
    Role,
    Term,
    User,
)
from cases.models.compilations import SuppressionRule
from cases.models.organisation import role_codename
from cases.services import do_deactivate_user, do_grant_role, do_revoke_role

admin.site.site_header = _("Kvalitetsärenden – administration")
admin.site.site_title = _("Kvalitetsärenden – administration")
admin.site.index_title = _("Administration")

# Role groups belong to do_grant_role; editing them here would grant roles without an audit row.
admin.site.unregister(Group)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "kind", "parent", "case_number_prefix", "is_private_provider"]
    list_filter = ["kind", "is_private_provider"]
    search_fields = ["name"]
    ordering = ["path"]
    fields = ["kind", "name", "parent", "case_number_prefix", "is_private_provider", "organisation_number",
              "role_holders"]
    readonly_fields = ["role_holders"]
    list_select_related = ["parent"]

    @admin.display(description=_("name"), ordering="path")
    def tree_name(self, unit):
        return format_html("{}{}", "\u2003" * (unit.path.count("/") - 2), unit.name)

    @admin.display(description=_("roles on this unit"))
    def role_holders(self, unit):
        if unit.pk is None:
            return "—"
        grants = (OrgUnitGroupObjectPermission.objects.filter(content_object=unit,
                                                              permission__codename__startswith="role_")
                  .select_related("permission").prefetch_related("group__user_set"))
        rows = [(grant.permission.name, user.display_name) for grant in grants for user in grant.group.user_set.all()]
        return format_html_join("", "<div>{}: {}</div>", rows) if rows else "—"

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit would carry its cases into another board (across the OSL boundary)
        # and leave the stored paths of the units below it stale.
        if obj is not None:
            return ["kind", "parent", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Role grants and case numbering hang on units; a unit that closes keeps its history.
        return False


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class UserCreateForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "title", "email"]


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.value, role.label) for role in GRANTABLE_ROLES]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        groups = OrgUnitGroupObjectPermission.objects.filter(
            permission__codename=role_codename(self.value())).values("group")
        return queryset.filter(groups__in=groups).distinct()


ROLE_ACTIONS = {
    "grant": (do_grant_role, _("%(role)s granted on %(unit)s.")),
    "revoke": (do_revoke_role, _("%(role)s revoked on %(unit)s.")),
}


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in GRANTABLE_ROLES])
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: "\u2003" * (unit.path.count("/") - 2) + unit.name


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ["username", "first_name", "last_name", "title", "email", "is_active", "is_staff"]
    list_filter = [RoleFilter, "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email", "title"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "title", "email"]}),
        (_("Roles"), {"fields": ["role_grants"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "first_name", "last_name", "title", "email",
                                                 "usable_password", "password1", "password2"]}),
    ]
    readonly_fields = ["role_grants", "last_login", "date_joined"]
    filter_horizontal = ["user_permissions"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Whoever may set a password may act as that user: an administrator reaches no superuser
        # and no one holding a role outside their own subtree (e.g. in another board).
        outside = (OrgUnitGroupObjectPermission.objects.filter(permission__codename__startswith="role_")
                   .exclude(content_object__in=grantable_units(request.user)).values("group"))
        return queryset.filter(is_superuser=False).exclude(groups__in=outside)

    def get_readonly_fields(self, request, obj=None):
        # Model permissions and superuser status reach beyond any unit: superusers only.
        if not request.user.is_superuser:
            return [*self.readonly_fields, "is_superuser", "user_permissions"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: a user's name stays on the cases and audit rows they made.
        return False

    def save_model(self, request, obj, form, change):
        # Unticking "active" goes through the service, which audits it and puts the user's
        # tasks back in the queue (reason ``user_deactivated``), in the admin's transaction.
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if deactivating:
            do_deactivate_user(obj, acting_user=request.user)

    def get_urls(self):
        roles = path("<path:object_id>/roles/", self.admin_site.admin_view(self.roles_view), name="cases_user_roles")
        return [roles, *super().get_urls()]

    @admin.display(description=_("roles"))
    def role_grants(self, user):
        if user.pk is None:
            return _("Roles are granted once the user is saved.")
        rows = [(grant["label"], grant["unit"]) for grant in current_grants(user)]
        listing = format_html_join("", "<div>{} – {}</div>", rows) if rows else _("No roles; every user may report.")
        link = reverse("admin:cases_user_roles", args=[user.pk])
        return format_html("{}<p><a href=\"{}\">{}</a></p>", listing, link, _("Grant or revoke roles"))

    def roles_view(self, request, object_id):
        user = self.get_object(request, object_id)
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        units = grantable_units(request.user)
        form = RoleGrantForm(request.POST or None, units=units)
        if request.method == "POST":
            action, done = ROLE_ACTIONS.get(request.POST.get("action"), (None, None))
            if action is not None and form.is_valid():
                role, unit = form.cleaned_data["role"], form.cleaned_data["unit"]
                try:
                    action(user, role, unit, acting_user=request.user)
                except (PermissionDenied, ValidationError) as error:
                    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
                else:
                    messages.success(request, done % {"role": Role(role).label, "unit": unit})
                    return redirect("admin:cases_user_roles", user.pk)
        unit_ids = set(units.values_list("pk", flat=True))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "title": _("Roles of %(user)s") % {"user": user.display_name},
            "form": form,
            "grants": [{**grant, "may_revoke": grant["unit"].pk in unit_ids} for grant in current_grants(user)],
        }
        return TemplateResponse(request, "admin/cases/user/roles.html", context)


def current_grants(user):
    """The user's roles as granted through role groups, the way do_grant_role stores them."""
    grants = (OrgUnitGroupObjectPermission.objects
              .filter(group__user=user, permission__codename__startswith="role_")
              .select_related("permission", "content_object").order_by("content_object__path"))
    result = []
    for grant in grants:
        role = Role(grant.permission.codename.removeprefix("role_"))
        result.append({"role": role.value, "label": role.label, "unit": grant.content_object})
    return result


def grantable_units(user):
    """Where ``user`` may grant roles: everywhere for a superuser, else below their administrator grants."""
    return OrgUnit.objects.all() if user.is_superuser else units_with_role(user, Role.ADMINISTRATOR)


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("current", _("Valid today")), ("expired", _("Expired")), ("upcoming", _("Not yet valid"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(Q(valid_from__lte=today), Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        if self.value() == "expired":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "upcoming":
            return queryset.filter(valid_from__gt=today)
        return queryset


class ReferenceAdmin(admin.ModelAdmin):
    """Reference data changes by new rows with new validity dates, so old cases keep what applied."""

    list_filter = [ValidityFilter]


@admin.register(Term)
class TermAdmin(ReferenceAdmin):
    list_display = ["name", "vocabulary", "code", "parent", "order", "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "vocabulary"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]


@admin.register(LegalReference)
class LegalReferenceAdmin(ReferenceAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["citation", "code", "title", "valid_from", "valid_to"]
    search_fields = ["citation", "code", "title"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ReferenceAdmin):
    form = DeadlineRuleForm
    save_as = True
    list_display = ["name", "report_type", "code", "amount", "unit", "starts_at", "basis", "legal_citation",
                    "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "report_type", "unit"]
    search_fields = ["name", "code"]
    list_select_related = ["legal_reference"]
    readonly_fields = ["legal_reference_text"]

    @admin.display(description=_("legal reference"), ordering="legal_reference__citation")
    def legal_citation(self, rule):
        return rule.legal_reference.citation if rule.legal_reference_id else "—"

    @admin.display(description=_("legal reference (as cited)"))
    def legal_reference_text(self, rule):
        return legal_reference_shown(rule)


@admin.register(RiskBand)
class RiskBandAdmin(ReferenceAdmin):
    list_display = ["name", "code", "min_score", "max_score", "suggests_serious", "valid_from", "valid_to"]


@admin.register(RiskRoutingRule)
class RiskRoutingRuleAdmin(ReferenceAdmin):
    list_display = ["__str__", "min_score", "min_severity", "route_to", "valid_from", "valid_to"]


@admin.register(InvestigationTopic)
class InvestigationTopicAdmin(ReferenceAdmin):
    list_display = ["name", "report_type", "code", "required_for_decision", "order", "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "report_type", "required_for_decision"]
    search_fields = ["name", "code"]


@admin.register(SuppressionRule)
class SuppressionRuleAdmin(ReferenceAdmin):
    list_display = ["threshold", "basis", "valid_from", "valid_to"]
