"""The municipality administrator's admin: organisation tree, users and their roles,
reference data.

Reports and everything on them are deliberately absent: every change of a case goes through
``cases.services`` with its permission check and audit row, and the admin would bypass both.
Roles are granted and revoked on their own page, through ``do_grant_role``/``do_revoke_role``,
never by editing group memberships, so that every grant is audited. Each page keeps to the
administrator's boards (``cases.admin_scope``, docs/administration.md).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cases.admin_clocks import DeadlineRuleForm, legal_reference_shown
from cases.admin_scope import BoardAdmin, SharedAdmin, request_reach
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
from cases.models.organisation import role_codename
from cases.services import do_deactivate_user, do_grant_role, do_revoke_role

admin.site.site_header = _("Kvalitetsärenden – administration")
admin.site.site_title = _("Kvalitetsärenden – administration")
admin.site.index_title = _("Administration")

# Role groups belong to do_grant_role; editing them here would grant roles without an audit row.
admin.site.unregister(Group)


@admin.register(OrgUnit)
class OrgUnitAdmin(BoardAdmin):
    """A board administrator keeps the units of their boards and adds units below them; the
    municipality and new boards (new secrecy boundaries) are the superuser's."""

    list_display = [
        "tree_name",
        "kind",
        "parent",
        "case_number_prefix",
        "is_private_provider",
        "active_from",
        "active_until",
    ]
    list_filter = ["kind", "is_private_provider"]
    search_fields = ["name"]
    ordering = ["path"]
    fields = [
        "kind",
        "name",
        "parent",
        "case_number_prefix",
        "is_private_provider",
        "organisation_number",
        "active_from",
        "active_until",
        "role_holders",
    ]
    readonly_fields = ["role_holders"]
    list_select_related = ["parent"]

    @admin.display(description=_("name"), ordering="path")
    def tree_name(self, unit):
        return format_html("{}{}", "\u2003" * (unit.path.count("/") - 2), unit.name)

    @admin.display(description=_("roles on this unit"))
    def role_holders(self, unit):
        if unit.pk is None:
            return "—"
        grants = (
            OrgUnitGroupObjectPermission.objects.filter(
                content_object=unit, permission__codename__startswith="role_"
            )
            .select_related("permission")
            .prefetch_related("group__user_set")
        )
        rows = [
            (grant.permission.name, user.display_name)
            for grant in grants
            for user in grant.group.user_set.all()
        ]
        return format_html_join("", "<div>{}: {}</div>", rows) if rows else "—"

    def visible(self, scope, queryset):
        return queryset.filter(scope.units_q())

    def may_change(self, scope, obj):
        return scope.has_unit(obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind" and not request_reach(request).everything:
            kwargs["choices"] = [
                (kind, label)
                for kind, label in OrgUnit.Kind.choices
                if kind not in (OrgUnit.Kind.MUNICIPALITY, OrgUnit.Kind.BOARD)
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

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
        fields = ["username", "first_name", "last_name", "title", "email", "home_unit"]


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.value, role.label) for role in GRANTABLE_ROLES]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        groups = OrgUnitGroupObjectPermission.objects.filter(
            permission__codename=role_codename(self.value())
        ).values("group")
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
        self.fields["unit"].label_from_instance = lambda unit: (
            "\u2003" * (unit.path.count("/") - 2) + unit.name
        )


@admin.register(User)
class UserAdmin(BoardAdmin, DjangoUserAdmin):
    """A board administrator reaches the users whose home unit, and everything their account
    can read, lie in the administrator's boards (cases.administration): whoever may set a
    password may act as that user."""

    form = UserEditForm
    add_form = UserCreateForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "title",
        "home_unit",
        "email",
        "is_active",
        "is_staff",
    ]
    list_filter = [
        RoleFilter,
        "is_active",
        "is_staff",
        "is_superuser",
        ("home_unit", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["home_unit"]
    search_fields = ["username", "first_name", "last_name", "email", "title"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "title", "email", "home_unit"]}),
        (_("Roles"), {"fields": ["role_grants"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "first_name",
                    "last_name",
                    "title",
                    "email",
                    "home_unit",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["role_grants", "last_login", "date_joined"]
    filter_horizontal = ["user_permissions"]

    def visible(self, scope, queryset):
        return scope.users(queryset)

    def may_change(self, scope, obj):
        return scope.has_user(obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request_reach(request).everything and "home_unit" in form.base_fields:
            # A board administrator's users belong to one of their boards.
            form.base_fields["home_unit"].required = True
        return form

    @method_decorator(transaction.atomic)
    def user_change_password(self, request, id, form_url=""):
        # The new password and its audit row commit together.
        return super().user_change_password(request, id, form_url)

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
        roles = path(
            "<path:object_id>/roles/", self.admin_site.admin_view(self.roles_view), name="cases_user_roles"
        )
        return [roles, *super().get_urls()]

    @admin.display(description=_("roles"))
    def role_grants(self, user):
        if user.pk is None:
            return _("Roles are granted once the user is saved.")
        rows = [(grant["label"], grant["unit"]) for grant in current_grants(user)]
        listing = (
            format_html_join("", "<div>{} – {}</div>", rows)
            if rows
            else _("No roles; every user may report.")
        )
        link = reverse("admin:cases_user_roles", args=[user.pk])
        return format_html('{}<p><a href="{}">{}</a></p>', listing, link, _("Grant or revoke roles"))

    def roles_view(self, request, object_id):
        user = self.get_object(request, object_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        units = request_reach(request).units()
        form = RoleGrantForm(request.POST or None, units=units)
        if request.method == "POST":
            action, done = ROLE_ACTIONS.get(request.POST.get("action"), (None, None))
            if action is not None and form.is_valid():
                role, unit = form.cleaned_data["role"], form.cleaned_data["unit"]
                if action is do_revoke_role and request.POST.get("confirmed") != "yes":
                    # A revocation is asked for first: the person may lose cases and tasks.
                    return TemplateResponse(
                        request,
                        "admin/cases/user/revoke_confirm.html",
                        {
                            **self.admin_site.each_context(request),
                            "opts": self.opts,
                            "original": user,
                            "title": _("Revoke a role"),
                            "role": role,
                            "role_label": Role(role).label,
                            "unit": unit,
                        },
                    )
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
            "grants": [
                {**grant, "may_revoke": grant["unit"].pk in unit_ids} for grant in current_grants(user)
            ],
        }
        return TemplateResponse(request, "admin/cases/user/roles.html", context)


def current_grants(user):
    """The user's roles as granted through role groups, the way do_grant_role stores them."""
    grants = (
        OrgUnitGroupObjectPermission.objects.filter(
            group__user=user, permission__codename__startswith="role_"
        )
        .select_related("permission", "content_object")
        .order_by("content_object__path")
    )
    result = []
    for grant in grants:
        role = Role(grant.permission.codename.removeprefix("role_"))
        result.append({"role": role.value, "label": role.label, "unit": grant.content_object})
    return result


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("current", _("Valid today")), ("expired", _("Expired")), ("upcoming", _("Not yet valid"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(
                Q(valid_from__lte=today), Q(valid_to__isnull=True) | Q(valid_to__gte=today)
            )
        if self.value() == "expired":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "upcoming":
            return queryset.filter(valid_from__gt=today)
        return queryset


class ReferenceAdmin(SharedAdmin):
    """Reference data changes by new rows with new validity dates, so old cases keep what applied.
    It applies to every board: superusers change it, board administrators may read it."""

    list_filter = [ValidityFilter]


@admin.register(Term)
class TermAdmin(BoardAdmin):
    """Shared terms (no board) are the superuser's and readable by board administrators; a
    board's own terms are its administrators'. Another board's terms are out of reach."""

    list_display = ["name", "vocabulary", "code", "parent", "board", "order", "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "vocabulary", ("board", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "board"]

    def visible(self, scope, queryset):
        return queryset.filter(Q(board__isnull=True) | Q(board__in=scope.boards()))

    def editable(self, scope, queryset):
        return queryset.filter(board__in=scope.boards())

    def may_change(self, scope, obj):
        return scope.everything or (obj.board_id is not None and scope.has_board(obj.board))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = request_reach(request)
        if not scope.everything:
            if db_field.name == "board":
                kwargs["queryset"] = scope.boards()
            elif db_field.name == "parent":
                kwargs["queryset"] = self.visible(scope, Term.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request_reach(request).everything and "board" in form.base_fields:
            form.base_fields["board"].required = True
        return form


@admin.register(LegalReference)
class LegalReferenceAdmin(ReferenceAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["citation", "code", "title", "valid_from", "valid_to"]
    search_fields = ["citation", "code", "title"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ReferenceAdmin):
    form = DeadlineRuleForm
    save_as = True
    list_display = [
        "name",
        "report_type",
        "code",
        "amount",
        "unit",
        "starts_at",
        "basis",
        "legal_citation",
        "valid_from",
        "valid_to",
    ]
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
