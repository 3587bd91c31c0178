"""The only code that reads the records room for a user: runs, reviews, follow-ups and the read
log, scoped to the boards where the user holds the reviewing role. Out of scope reads as absent."""

from django.db.models import OuterRef, Q, Subquery

from cases.access import RECORDS_PAGE_ROLES as PAGE_ROLES
from cases.access import role_scope
from cases.models import AuditEvent, Report, User
from records.models import DisposalItem, DisposalRun, LogPick, LogReview
from records.services import boards, may_review_disposal, may_review_logs


def has_records_pages(user):
    """Whether the records pages have something for the user (cheap: the cached role scope)."""
    return user.is_authenticated and bool(role_scope(user).roles & {str(r) for r in PAGE_ROLES})


def disposal_boards(user):
    return [board for board in boards() if may_review_disposal(user, board)]


def log_boards(user):
    return [board for board in boards() if may_review_logs(user, board)]


def runs_for(user):
    return DisposalRun.objects.filter(board__in=disposal_boards(user)).select_related("board")


def run_for(user, run_id):
    return runs_for(user).filter(pk=run_id).first()


def run_items(run):
    return (
        DisposalItem.objects.filter(run=run)
        .select_related("report__unit", "rule", "held_by")
        .order_by("report__closed_at", "pk")
    )


def log_reviews_for(user):
    return LogReview.objects.filter(board__in=log_boards(user)).select_related("board", "signed_by")


def log_review_for(user, review_id):
    return log_reviews_for(user).filter(pk=review_id).first()


def follow_ups_for(user):
    return (
        LogPick.objects.filter(follow_up_by=user, verdict=LogPick.Verdict.QUESTIONED)
        .select_related("review__board", "judged_by")
        .order_by("followed_up_at", "occurred_at")
    )


def read_log(board, *, reader=None, case_number="", start=None, end=None):
    """The board's read log: reads of its cases, and list reads by its people (which name no
    single case). Newest first."""
    rows = AuditEvent.objects.filter(chain=AuditEvent.Chain.ACCESS).filter(
        Q(report_id__in=Report.objects.filter(namnd=board).values("pk"))
        | Q(report_id__isnull=True, actor__in=User.objects.filter(home_unit__path__startswith=board.path))
    )
    if reader is not None:
        rows = rows.filter(actor=reader)
    if case_number:
        rows = rows.filter(
            report_id__in=Report.objects.filter(namnd=board, case_number=case_number).values("pk")
        )
    if start is not None:
        rows = rows.filter(occurred_at__gte=start)
    if end is not None:
        rows = rows.filter(occurred_at__lt=end)
    case_number = Report.objects.filter(pk=OuterRef("report_id")).values("case_number")[:1]
    return rows.annotate(case_number=Subquery(case_number)).order_by("-seq")


def board_readers(board):
    """Who may be searched for: the board's people."""
    return User.objects.filter(home_unit__path__startswith=board.path).order_by("username")
