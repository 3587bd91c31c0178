"""Scheduler jobs (``settings.SCHEDULER_JOBS``; each is called as ``job(now)`` every round and
returns how many things it did). Both are idempotent: a digest's delivery key names the user
and the day or week, so a second round the same day sends nothing new."""

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.access import role_scope
from cases.models import Action, Role
from cases.selectors import visible_reports
from notifications.delivery import create_delivery, recover_stuck
from notifications.models import Kind, Mode, Notification, Preference
from notifications.rules import users_with_role


def daily_digest(now):
    """Once a day, from ``NOTIFICATION_DIGEST_HOUR`` local time: one e-mail per user with the
    notifications they chose to get in a daily summary."""
    local = timezone.localtime(now)
    if local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        return 0
    waiting = (
        Notification.objects.filter(
            digest=True, digested_at__isnull=True, created_at__lte=now, user__isnull=False
        )
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    by_user = {}
    for notification in waiting:
        by_user.setdefault(notification.user, []).append(notification.pk)
    sent = 0
    for user, ids in by_user.items():
        if not user.email:
            continue
        with transaction.atomic():
            delivery = create_delivery(
                key=f"daily:{user.pk}:{local.date().isoformat()}",
                address=user.email,
                user=user,
                template="digest",
                payload={"notification_ids": ids},
            )
            if delivery:
                Notification.objects.filter(pk__in=ids).update(digested_at=now)
                sent += 1
    return sent


def weekly_manager_digest(now):
    """On ``NOTIFICATION_WEEKLY_DIGEST_WEEKDAY`` from ``NOTIFICATION_DIGEST_HOUR``: each unit
    manager gets the open cases of their units, by case number, with their open actions."""
    local = timezone.localtime(now)
    if (
        local.weekday() != settings.NOTIFICATION_WEEKLY_DIGEST_WEEKDAY
        or local.hour < settings.NOTIFICATION_DIGEST_HOUR
    ):
        return 0
    year, week, _day = local.isocalendar()
    opted_out = set(
        Preference.objects.filter(kind=Kind.WEEKLY_DIGEST, mode=Mode.OFF).values_list("user_id", flat=True)
    )
    sent = 0
    for user in users_with_role(Role.UNIT_MANAGER).exclude(email="").exclude(pk__in=opted_out):
        scope = role_scope(user)
        cases = list(
            visible_reports(user)
            .filter(scope.units_q([Role.UNIT_MANAGER], prefix="unit__"), closed_at__isnull=True)
            .annotate(open_actions=Count("actions", filter=~Q(actions__status=Action.Status.DONE)))
            .order_by("reported_at", "id")
            .values_list("pk", "case_number", "type", "state", "open_actions")
        )
        if not cases:
            continue
        with transaction.atomic():
            if create_delivery(
                key=f"weekly:{user.pk}:{year}-W{week:02d}",
                address=user.email,
                user=user,
                template="weekly",
                payload={"cases": [list(c) for c in cases]},
            ):
                sent += 1
    return sent


def recover_deliveries(now):
    """E-mails left "being sent" longer than ``NOTIFICATION_SENDING_LEASE`` by a worker that
    was lost are queued again, up to ``NOTIFICATION_SENDING_LEASE_RETRIES`` times, then failed
    (shown to administrators); e-mails still pending that long (their task was never queued) are
    queued. Returns how many it handled."""
    return recover_stuck(now)
