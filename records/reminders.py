"""Reminders of the records room's reviews, by e-mail, like the clocks of other tasks.

Each open gallring run, open loggkontroll and questioned read waiting for its follow-up has a
date (``due_by``; a follow-up is due with its review). The scheduler job
``records.jobs.review_reminders`` sends, once each (the delivery's key):

- ``warning``: ``RECORDS_REMINDER_DAYS_BEFORE`` days before the date, to whoever acts (the
  board's arkivansvarig, else its SAS, for a run; the board's SAS and DSO for a review; the
  manager who follows a questioned read up);
- ``overdue``: the day after the date, to the same people;
- ``escalated``: ``RECORDS_ESCALATION_DAYS_AFTER`` days after the date, to the board's
  leadership (else its SAS), who see that a review of their board is late.

The e-mail names the kind of review, the board, the period or the case number and the date,
with a link: never a case's content. A recipient who switched deadline e-mails off
(``notifications`` preference *Deadlines*) gets none; at sending time an e-mail goes only if
the review is still open and, but for the escalation, the recipient still acts on it.
"""

import datetime

from django.conf import settings
from django.urls import reverse

from cases.models import Role
from notifications.delivery import create_delivery
from notifications.models import Kind, Mode, Preference
from records.models import DisposalRun, LogPick, LogReview
from records.services import archivists, may_review_disposal, may_review_logs
from workflows.escalation import holders

TEMPLATE = "records_reminder"
RUN, REVIEW, FOLLOW_UP = "gallring", "log_review", "follow_up"


def stage(due_by, today):
    """``warning``, ``overdue``, ``escalated`` or None on ``today`` for a date ``due_by``."""
    if today > due_by + datetime.timedelta(days=settings.RECORDS_ESCALATION_DAYS_AFTER):
        return "escalated"
    if today > due_by:
        return "overdue"
    if today >= due_by - datetime.timedelta(days=settings.RECORDS_REMINDER_DAYS_BEFORE):
        return "warning"
    return None


def reviewers_of_run(board):
    people = archivists(board)
    return people if people.exists() else holders(Role.SAS, board)


def reviewers_of_logs(board):
    people = {user.pk: user for role in (Role.SAS, Role.DSO) for user in holders(role, board)}
    return [people[pk] for pk in sorted(people)]


def escalation_targets(board, acting):
    """The board's leadership, else its SAS; never one of those who should have acted."""
    acting_ids = {user.pk for user in acting}
    for role in (Role.LEADERSHIP, Role.SAS):
        people = [user for user in holders(role, board) if user.pk not in acting_ids]
        if people:
            return people
    return []


def _send(what, pk, when, people, payload):
    opted_out = set(
        Preference.objects.filter(kind=Kind.CLOCK, mode=Mode.OFF, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    sent = 0
    for user in people:
        if not user.email or user.pk in opted_out:
            continue
        delivery = create_delivery(
            key=f"records:{what}:{pk}:{when}:{user.pk}",
            address=user.email,
            user=user,
            template=TEMPLATE,
            payload={"what": what, "pk": pk, "stage": when, **payload},
        )
        sent += delivery is not None
    return sent


def _remind(what, pk, board, due_by, acting, today, payload):
    when = stage(due_by, today)
    if when is None:
        return 0
    acting = list(acting)
    people = escalation_targets(board, acting) if when == "escalated" else acting
    return _send(what, pk, when, people, {"board": board.name, "due_date": due_by.isoformat(), **payload})


def review_reminders(today):
    """Send the reminders due on ``today``; returns how many e-mails were queued."""
    sent = 0
    for run in DisposalRun.objects.filter(status=DisposalRun.Status.OPEN).select_related("board"):
        sent += _remind(
            RUN,
            run.pk,
            run.board,
            run.due_by,
            reviewers_of_run(run.board),
            today,
            {"path": reverse("records:run", args=[run.pk]), "cases": run.items.count()},
        )
    for review in LogReview.objects.filter(status=LogReview.Status.OPEN).select_related("board"):
        sent += _remind(
            REVIEW,
            review.pk,
            review.board,
            review.due_by,
            reviewers_of_logs(review.board),
            today,
            {
                "path": reverse("records:log_review", args=[review.pk]),
                "period": review.period_start.strftime("%Y-%m"),
            },
        )
    follow_ups = LogPick.objects.filter(
        verdict=LogPick.Verdict.QUESTIONED, followed_up_at__isnull=True, follow_up_by__isnull=False
    ).select_related("review__board", "follow_up_by")
    for pick in follow_ups:
        sent += _remind(
            FOLLOW_UP,
            pick.pk,
            pick.review.board,
            pick.review.due_by,
            [pick.follow_up_by],
            today,
            {"path": reverse("records:log_review", args=[pick.review_id]), "case_number": pick.case_number},
        )
    return sent


def still_to_send(delivery):
    """At sending time: the review is still open and the recipient still acts on it (an
    escalation goes while the review is open)."""
    what, pk, user = delivery.payload.get("what"), delivery.payload.get("pk"), delivery.user
    escalated = delivery.payload.get("stage") == "escalated"
    if what == RUN:
        run = (
            DisposalRun.objects.filter(pk=pk, status=DisposalRun.Status.OPEN).select_related("board").first()
        )
        return run is not None and (escalated or may_review_disposal(user, run.board))
    if what == REVIEW:
        review = LogReview.objects.filter(pk=pk, status=LogReview.Status.OPEN).select_related("board").first()
        return review is not None and (escalated or may_review_logs(user, review.board))
    if what == FOLLOW_UP:
        return LogPick.objects.filter(
            pk=pk, followed_up_at__isnull=True, verdict=LogPick.Verdict.QUESTIONED
        ).exists() and (escalated or LogPick.objects.filter(pk=pk, follow_up_by=user).exists())
    return False
