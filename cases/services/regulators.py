"""Notifications to IVO and IMY beside the investigation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from cases import audit, events, forms
from cases.access import EARLY_IVO_ROLES, NOTIFICATION_ROLES, REGULATOR_OF, allowed_roles
from cases.events import emit
from cases.models import DelegationDecision, Regulator, Supplement
from cases.services.base import InvalidState, UnknownTransition, load_report, require_roles, validated
from cases.services.clocks import clocks_after
from cases.services.guard import service
from cases.services.reports import _delegation, _notification

if TYPE_CHECKING:
    from cases.models import RegulatorNotification, User


EARLY_IVO_STATES = {"registered", "investigating", "assessed"}


@service
def do_decide_ivo_notification(
    report_id: int, *, acting_user: User, data: Mapping[str, Any]
) -> RegulatorNotification:
    """Notify IVO *snarast*, at whatever stage it becomes clear the matter is serious."""
    report = load_report(report_id, acting_user)
    if REGULATOR_OF.get(report.type) != Regulator.IVO:
        raise UnknownTransition("decide_ivo_notification")
    require_roles(acting_user, report, EARLY_IVO_ROLES[report.type])
    if (
        report.state not in EARLY_IVO_STATES
        or report.regulator_notifications.filter(regulator=Regulator.IVO).exists()
    ):
        raise InvalidState(_("IVO can be notified from registration until the decision, once."))
    cleaned = validated(forms.NotificationDecideForm(data=data, report=report, user=acting_user))
    _delegation(report, DelegationDecision.Kind.NOTIFY_IVO, acting_user, cleaned)
    notification = _notification(report, Regulator.IVO, acting_user, cleaned)
    assert notification is not None  # none existed: checked above, in this transaction
    clocks_after(report, "notification.decided", cleaned=cleaned, notification=notification)
    events.workflow_after_notification_decided.call(report, notification, actor=acting_user)
    audit.record(
        "notification.decided",
        actor=acting_user,
        obj=notification,
        report_id=report.pk,
        payload={"regulator": notification.regulator, "state": report.state},
    )
    emit("notification.decided", report=report, actor=acting_user, regulator=notification.regulator)
    return notification


@service
def do_notification_transition(
    report_id: int,
    notification_id: int,
    name: str,
    *,
    acting_user: User,
    data: Mapping[str, Any] | None = None,
) -> RegulatorNotification:
    report = load_report(report_id, acting_user)
    notification = report.regulator_notifications.filter(pk=notification_id).first()
    form_class = forms.NOTIFICATION_FORMS.get(name)
    if notification is None or form_class is None:
        raise UnknownTransition(name)
    if not allowed_roles(acting_user, report, NOTIFICATION_ROLES[report.type]):
        raise PermissionDenied(_("You may not do this on this notification."))
    method = getattr(notification, name)
    if not method._django_fsm.has_transition(notification.state):
        raise InvalidState(_("The notification is not in a state where this can be done."))
    cleaned = validated(
        form_class(data=data or {}, report=report, user=acting_user, notification=notification)
    )
    before = notification.state
    if name == "submit":
        if cleaned.get("delay_reason"):
            notification.delay_reason = cleaned["delay_reason"]
        method(
            document=events.regulator_document.call(
                report, notification.regulator, notification=notification
            ),
            **cleaned,
        )
    elif name == "supplement":
        method()
        supplement = Supplement.objects.create(
            notification=notification,
            sent_at=cleaned["sent_at"],
            text=cleaned["text"],
            document_sha256=notification.digest({"text": cleaned["text"]}),
            created_by=acting_user,
        )
    else:
        method(**cleaned)
    try:
        notification.save()
    except ConcurrentTransition as err:
        raise InvalidState(
            _("Someone else changed the notification at the same time; reload it and try again.")
        ) from err
    clocks_after(report, f"notification.{name}", cleaned=cleaned, notification=notification)
    events.workflow_after_notification_transition.call(report, notification, name, actor=acting_user)
    if name == "submit":
        events.freeze_document.call(notification, acting_user=acting_user, document=notification.document)
    elif name == "supplement":
        events.freeze_document.call(
            notification,
            acting_user=acting_user,
            supplement=supplement,
            document=events.supplement_document.call(notification, supplement),
        )
    audit.record(
        f"notification.{name}",
        actor=acting_user,
        obj=notification,
        report_id=report.pk,
        payload={
            "regulator": notification.regulator,
            "from": before,
            "to": notification.state,
            "document_sha256": notification.document_sha256,
        },
    )
    emit(f"notification.{name}", report=report, actor=acting_user, regulator=notification.regulator)
    return notification
