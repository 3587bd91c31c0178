"""The scheduler's jobs of the records room (``settings.SCHEDULER_JOBS``, called as ``job(now)``).

``gallring``: every ``RECORDS_GALLRING_INTERVAL_DAYS`` days per board, list the cases due in a
run for the board's archivist; and dispose of one batch of every approved run per round.
``log_reviews``: once a month per board, draw the review of the previous month's reads.
"""

import datetime

from django.conf import settings

from records.models import DisposalRun, LogReview
from records.sampling import draw_log_review
from records.services import boards, dispose_batch, plan_gallring, previous_month


def gallring(now):
    since = now - datetime.timedelta(days=settings.RECORDS_GALLRING_INTERVAL_DAYS)
    for board in boards():
        if not DisposalRun.objects.filter(board=board, created_at__gt=since).exists():
            plan_gallring(board, now)
    for run in DisposalRun.objects.filter(status=DisposalRun.Status.APPROVED).select_related("approved_by"):
        dispose_batch(run, now)


def log_reviews(now):
    start, end = previous_month(now)
    for board in boards():
        if not LogReview.objects.filter(board=board, period_start=start).exists():
            draw_log_review(board, start, end, now=now)
