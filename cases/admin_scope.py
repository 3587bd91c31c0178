"""Every admin page keeps to the administrator's reach (``cases.administration``) and writes
the audit trail.

Each model in the admin is placed in one of three kinds of page:

- ``BoardAdmin``: rows that belong to a board (units, users, a board's own terms,
  substitutes, positions). An administrator reaches the rows of their own boards; another
  board's rows are absent from lists, choices and autocompletes, and their pages answer 404,
  as cases do.
- ``SharedAdmin``: reference data that applies to every board (the law, the risk matrix,
  clocks, the small-count rule). Superusers change it; a board administrator with the view
  permission reads it.
- ``OperatorAdmin``: the operator's alone (mail, notification rules, API tokens, task
  results): superusers only. The admin site (``cases.admin_site``) places every other
  ModelAdmin here, so a model registered later stays closed until it is placed.

Every change made in the admin, by anyone, superusers included, writes an audit row in the
same transaction, beside Django's own LogEntry.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from cases import audit
from cases.administration import reach
from cases.models import OrgUnit, User


def request_reach(request):
    """The reach of the request's user, worked out once per request."""
    if not hasattr(request, "_admin_reach"):
        request._admin_reach = reach(request.user)
    return request._admin_reach


class AuditedAdmin(admin.ModelAdmin):
    """Writes ``<audit_name>.added``/``.changed``/``.deleted`` for every change the admin logs."""

    audit_name = "admin"

    def audit_payload(self, obj):
        return {}

    def _audit(self, request, verb, obj, message=None):
        payload = {"model": obj._meta.label_lower, "object": str(obj), **self.audit_payload(obj)}
        if message:
            payload["change"] = message
        audit.record(f"{self.audit_name}.{verb}", actor=request.user, obj=obj, payload=payload)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, "added", obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, "changed", obj, message)
        return entry

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, "deleted", obj)
        return super().log_deletions(request, queryset)

    def response_action(self, request, queryset):
        # An action's changes and their audit rows commit together or not at all.
        with transaction.atomic():
            return super().response_action(request, queryset)

    def get_object(self, request, object_id, from_field=None):
        # Out of reach answers as a row that does not exist: 404, not a redirect that tells the two apart.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class ScopedAdmin(AuditedAdmin):
    """A page placed in one of the kinds above (the admin site checks for this base)."""


class OperatorAdmin(ScopedAdmin):
    def get_queryset(self, request):
        # No row for anyone else: its page answers 404, as one that does not exist, not 403.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class SharedAdmin(ScopedAdmin):
    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class BoardAdmin(ScopedAdmin):
    """Rows of boards. Subclasses say which rows a reach sees (``visible``) and which of those
    it may change (``editable``, by default the same); a superuser reaches every row.

    ``not_oneself`` maps user fields that open cases to whoever they name (a substitute holds
    the absent person's roles) to the message refusing the acting user there: as nobody
    grants themself a role that reads cases, nobody names themself in such a field."""

    not_oneself = {}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not self.not_oneself:
            return form
        refused = self.not_oneself

        class NotOneself(form):
            def clean(self):
                data = super().clean()
                for name, message in refused.items():
                    if getattr(data.get(name), "pk", None) == request.user.pk:
                        raise ValidationError({name: message})
                return data

        return NotOneself

    def visible(self, scope, queryset):
        raise NotImplementedError

    def editable(self, scope, queryset):
        return self.visible(scope, queryset)

    def may_change(self, scope, obj):
        return scope.everything or self.editable(scope, type(obj)._default_manager.filter(pk=obj.pk)).exists()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = request_reach(request)
        return queryset if scope.everything else self.visible(scope, queryset)

    def has_add_permission(self, request, *args):
        scope = request_reach(request)
        return super().has_add_permission(request, *args) and (scope.everything or bool(scope.paths))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.may_change(request_reach(request), obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.may_change(request_reach(request), obj))

    def response_action(self, request, queryset):
        # Actions (deleting the selected rows, say) reach only rows the user may change.
        scope = request_reach(request)
        return super().response_action(
            request, queryset if scope.everything else self.editable(scope, queryset)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = request_reach(request)
        if not scope.everything and "queryset" not in kwargs:
            if db_field.related_model is OrgUnit:
                kwargs["queryset"] = scope.units()
            elif db_field.related_model is User:
                kwargs["queryset"] = scope.users(User.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OwnBoardAdmin(BoardAdmin):
    """Rows that each belong to one board (a ``board`` field): a reach sees and changes its own
    boards' rows, and picks only its own boards (the rooms' reference data: retention rules,
    signal rules)."""

    def visible(self, scope, queryset):
        return queryset.filter(board__in=scope.boards())

    def may_change(self, scope, obj):
        return scope.everything or scope.has_board(obj.board)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = request_reach(request)
        if db_field.name == "board" and not scope.everything:
            kwargs["queryset"] = scope.boards()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
