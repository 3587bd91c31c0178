"""Substitutes (ersättare) in the administrator's admin; every change is audited.

A substitute holds the absent person's roles while the absence lasts, so a substitution is a
grant: a board administrator records substitutions between users of their own boards only,
and nobody records one that makes themself the substitute (another administrator, or a
superuser, must), as nobody grants themself a role that reads cases.

viewflow's own admin pages for processes and tasks are taken away: they would list every
case's workflow across units and let a superuser edit task rows behind the services' back.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from cases.admin_scope import BoardAdmin
from cases.models import User
from workflows.models import Substitute

for model in (Process, Task):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Substitute)
class SubstituteAdmin(BoardAdmin):
    list_display = ["person", "substitute", "starts_at", "ends_at", "is_active"]
    list_filter = ["starts_at"]
    search_fields = ["person__username", "person__last_name", "substitute__username", "substitute__last_name"]
    autocomplete_fields = ["person", "substitute"]
    date_hierarchy = "starts_at"
    audit_name = "substitute"
    not_oneself = {
        "substitute": _(
            "You cannot make yourself a substitute: the substitute holds the absent person's roles. "
            "Another administrator of the board, or a superuser, must record it."
        )
    }

    @admin.display(description=_("active now"), boolean=True)
    def is_active(self, obj):
        return Substitute.objects.active().filter(pk=obj.pk).exists()

    def visible(self, scope, queryset):
        users = scope.users(User.objects.all())
        return queryset.filter(person__in=users, substitute__in=users)

    def may_change(self, scope, obj):
        return scope.has_user(obj.person) and scope.has_user(obj.substitute)

    def audit_payload(self, obj):
        return {
            "person": obj.person_id,
            "substitute": obj.substitute_id,
            "from": obj.starts_at,
            "to": obj.ends_at,
        }
