"""A user's own notifications: every read of the centre goes through here."""

from django.utils import timezone

from notifications.models import Notification


def own_notifications(user):
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(user=user, in_app=True)


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
