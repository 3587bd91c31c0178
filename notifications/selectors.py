"""A user's own notifications: every read of the centre (the page, the API, the header's
count) and every e-mail about to leave goes through here.

A notification names a case (its number and type), so it is shown, counted and sent only
while the user may know of the case: while they may see it (``cases.selectors``), or while
they hold the position on the case's board that the notification's rule names (the nämnd
chair hears of every new lex Sarah report without reading it). A role revoked hides the
notifications about the cases it opened; granted again, they are back. Decided in the query,
on each notification's own case, so a list costs the same whatever it holds.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith
from django.utils import timezone

from cases.selectors import visible_q, visible_reports
from notifications.models import Notification, Position, RuleRecipient


def may_know_q(user):
    """Notifications about a case ``user`` may know of now."""
    rule_positions = RuleRecipient.objects.filter(
        rule=OuterRef(OuterRef("rule_id")), who=RuleRecipient.Who.POSITION
    ).values("position")
    held = Position.objects.filter(
        StartsWith(OuterRef("report__unit__path"), F("unit__path")), user_id=user.pk, code__in=rule_positions
    )
    return visible_q(user, via="report__") | Q(Exists(held))


def known_notifications(user):
    """The user's notifications, in the app or by e-mail, about cases they may know of now."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).filter(may_know_q(user))


def own_notifications(user):
    return known_notifications(user).filter(in_app=True)


def unread_count(user):
    return own_notifications(user).filter(read_at__isnull=True).count()


def mark_read(user, notification_id=None):
    """Mark one (or, without an id, every) unread notification of the user read; the number
    marked. Someone else's notification is never found."""
    qs = own_notifications(user).filter(read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def centre_list(user):
    # The report is joined for its type (the title says "new lex Sarah report"); its other
    # columns are never shown.
    return own_notifications(user).select_related("report")


def still_to_send(delivery):
    """Whether an e-mail about to leave may still go to its recipient, as they stand now: a
    notification about a case they may no longer know of may not; a daily summary or a weekly
    summary loses (in memory, for this send) the cases they may no longer see, and may not go
    when none is left. An outside address (a complaint's submitter) has no roles to lose."""
    user = delivery.user
    if user is None:
        return True
    if delivery.template == "message":
        return known_notifications(user).filter(pk=delivery.notification_id).exists()
    if delivery.template == "digest":
        ids = list(
            known_notifications(user)
            .filter(pk__in=delivery.payload.get("notification_ids", []))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        delivery.payload = {**delivery.payload, "notification_ids": ids}
        return bool(ids)
    if delivery.template == "weekly":
        cases = delivery.payload.get("cases", [])
        visible = set(
            visible_reports(user).filter(pk__in=[case[0] for case in cases]).values_list("pk", flat=True)
        )
        delivery.payload = {**delivery.payload, "cases": [case for case in cases if case[0] in visible]}
        return bool(delivery.payload["cases"])
    check = SEND_CHECKS.get(delivery.template)
    return check(delivery) if check is not None else True


# Another app's e-mail templates (``template`` of a ``Delivery`` it creates with
# ``notifications.delivery.create_delivery``) and, for each, whether it may still go to its
# recipient at sending time: ``check(delivery) -> bool``. Registered in that app's ``ready``
# (records: the reminders of its reviews), so that notifications imports no app that uses it.
SEND_CHECKS = {}


def register_template(template, check):
    SEND_CHECKS[template] = check
