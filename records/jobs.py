"""The scheduler's jobs of the records room (``settings.SCHEDULER_JOBS``, called as ``job(now)``).

``gallring``: every ``RECORDS_GALLRING_INTERVAL_DAYS`` days per board, list the cases due in a
run for the board's archivist; and, unless ``RECORDS_DISPOSAL_BY_SCHEDULER`` is off (a database
whose application role may not delete investigation entries, docs/operations.md), dispose of
one batch of every approved run per round; ``manage.py dispose_approved`` does it otherwise.
``log_reviews``: once a month per board, draw the review of the previous month's reads.
``review_reminders``: the e-mails of reviews coming due, overdue and escalated
(``records.reminders``).
"""

import datetime

from django.conf import settings
from django.utils import timezone

from records import reminders
from records.models import DisposalRun, LogReview
from records.sampling import draw_log_review
from records.services import boards, dispose_batch, plan_gallring, previous_month


def gallring(now):
    since = now - datetime.timedelta(days=settings.RECORDS_GALLRING_INTERVAL_DAYS)
    for board in boards():
        if not DisposalRun.objects.filter(board=board, created_at__gt=since).exists():
            plan_gallring(board, now)
    if settings.RECORDS_DISPOSAL_BY_SCHEDULER:
        dispose_approved(now)


def dispose_approved(now, size=None):
    """One batch of every approved run; returns how many cases were disposed of."""
    runs = DisposalRun.objects.filter(status=DisposalRun.Status.APPROVED).select_related("approved_by")
    return sum(dispose_batch(run, now, size) for run in runs)


def log_reviews(now):
    start, end = previous_month(now)
    for board in boards():
        if not LogReview.objects.filter(board=board, period_start=start).exists():
            draw_log_review(board, start, end, now=now)


def review_reminders(now):
    return reminders.review_reminders(timezone.localdate(now))
