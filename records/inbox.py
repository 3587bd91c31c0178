"""The records room's tasks in the inbox (``cases.inbox_extras``, registered in apps.py).

For a user: the open gallring runs they review (due by the run's ``due_by``), the open
loggkontroller they judge (due by the 15th of the month after the period,
``RECORDS_LOG_REVIEW_DUE_DAY``), and the questioned reads whose follow-up waits for them
(due with their review). Past its date an item shows as overdue.
"""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.inbox_extras import InboxItem
from records.models import DisposalRun, LogPick, LogReview
from records.services import boards, may_review_disposal, may_review_logs


def records_items(user, today):
    if not user.is_authenticated:
        return []
    items = []
    board_list = list(boards())
    disposal = {b.pk for b in board_list if may_review_disposal(user, b)}
    logs = {b.pk for b in board_list if may_review_logs(user, b)}
    runs = (
        DisposalRun.objects.filter(status=DisposalRun.Status.OPEN, board_id__in=disposal)
        .select_related("board")
        .annotate(cases=Count("items"))
    )
    for run in runs:
        items.append(
            InboxItem(
                title=_("Gallring review: %(count)s cases") % {"count": run.cases},
                url=reverse("records:run", args=[run.pk]),
                board=run.board.name,
                due_by=run.due_by,
                overdue=run.due_by < today,
            )
        )
    for review in LogReview.objects.filter(status=LogReview.Status.OPEN, board_id__in=logs).select_related(
        "board"
    ):
        items.append(
            InboxItem(
                title=_("Log review %(month)s") % {"month": review.period_start.strftime("%Y-%m")},
                url=reverse("records:log_review", args=[review.pk]),
                board=review.board.name,
                due_by=review.due_by,
                overdue=review.due_by < today,
            )
        )
    follow_ups = (
        LogPick.objects.filter(
            follow_up_by=user, verdict=LogPick.Verdict.QUESTIONED, followed_up_at__isnull=True
        )
        .select_related("review__board")
        .order_by("review_id", "pk")
    )
    for pick in follow_ups:
        items.append(
            InboxItem(
                title=_("Follow up a questioned read of %(case)s") % {"case": pick.case_number},
                url=reverse("records:log_review", args=[pick.review_id]),
                board=pick.review.board.name,
                due_by=pick.review.due_by,
                overdue=pick.review.due_by < today,
            )
        )
    return items
