"""Rules, positions and preferences are edited here; deliveries and refused addresses are
shown so that the operator sees mail that could not be delivered.

Positions belong to a board and are kept by its administrators. Rules apply to every board,
and notifications, deliveries and refused addresses name cases and people of every board:
those pages are the operator's (superusers) alone (cases.admin_scope)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import audit
from cases.admin_scope import BoardAdmin, OperatorAdmin
from cases.models import User
from notifications.delivery import LOST_WORKER, requeue
from notifications.models import (
    Delivery,
    FailedAddress,
    Notification,
    NotificationRule,
    Position,
    RuleRecipient,
)


class RuleRecipientInline(admin.TabularInline):
    model = RuleRecipient
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(NotificationRule)
class NotificationRuleAdmin(OperatorAdmin):
    list_display = [
        "event",
        "report_type",
        "kind",
        "by_email",
        "in_app",
        "legal_clock",
        "is_active",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["kind", "report_type", "legal_clock", "is_active"]
    search_fields = ["event"]
    inlines = [RuleRecipientInline]


@admin.register(Position)
class PositionAdmin(BoardAdmin):
    list_display = ["name", "code", "unit", "user"]
    list_filter = ["code"]
    autocomplete_fields = ["user"]
    list_select_related = ["unit", "user"]
    not_oneself = {
        "user": _(
            "You cannot name yourself to a position: it hears of the board's cases. Another administrator of the "
            "board, or a superuser, must name you."
        )
    }

    def visible(self, scope, queryset):
        return queryset.filter(scope.units_q("unit__"), user__in=scope.users(User.objects.all()))

    def may_change(self, scope, obj):
        return scope.has_unit(obj.unit) and scope.has_user(obj.user)


@admin.register(Notification)
class NotificationAdmin(OperatorAdmin):
    """Read-only: who was told what, by case number."""

    list_display = ["created_at", "case_number", "event", "kind", "user", "digest", "read_at"]
    list_filter = ["kind", "event"]
    search_fields = ["case_number"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LostWorkerFilter(admin.SimpleListFilter):
    """Deliveries whose worker was lost while sending (notifications.jobs.recover_deliveries)."""

    title = _("lost worker")
    parameter_name = "lost_worker"

    def lookups(self, request, model_admin):
        return [
            ("requeued", _("Queued again after a lost worker")),
            ("failed", _("Failed: the worker was lost each time")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "requeued":
            return queryset.filter(lease_requeues__gt=0)
        if self.value() == "failed":
            return queryset.filter(status=Delivery.Status.FAILED, last_error__startswith=LOST_WORKER)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(OperatorAdmin):
    list_display = [
        "created_at",
        "address",
        "template",
        "status",
        "permanent_failure",
        "attempts",
        "lease_requeues",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "permanent_failure", LostWorkerFilter, "template"]
    search_fields = ["address", "key"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected failed or stuck e-mails again"))
    def retry(self, request, queryset):
        chosen = queryset.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.SENDING])
        for delivery in chosen:
            requeue(delivery)
            audit.record(
                "delivery.requeued", actor=request.user, obj=delivery, payload={"status": delivery.status}
            )
        count = len(chosen)
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(FailedAddress)
class FailedAddressAdmin(OperatorAdmin):
    """Addresses the mail server refused for good; delete the row once the address is fixed."""

    list_display = ["address", "code", "error", "failed_at"]
    search_fields = ["address"]
    readonly_fields = ["address", "code", "error", "failed_at"]

    def has_add_permission(self, request):
        return False
