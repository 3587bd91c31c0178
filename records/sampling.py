"""Drawing a loggkontroll: the random share and the targeted picks of one board's case reads.

The reads are the access chain's rows naming one case (``report_id``) of the board in the
period, walked in chain order. Every row takes one draw from ``random.Random(seed)`` and is
picked when the draw falls below the share; so the same rows and the same seed give the same
picks. The targeted categories (``LogPick.Reason``) each keep at most
``RECORDS_LOG_TARGETED_MAX`` rows, chosen by reservoir sampling from a second generator seeded
from the same seed. The walk holds one row at a time and a cache of the cases and readers met.
"""

import datetime
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from cases import audit
from cases.access import role_scope
from cases.models import AuditEvent, Report, ReportType, User
from records.models import LogPick, LogReview
from workflows.models import Substitute

Reason = LogPick.Reason
SENSITIVE = {ReportType.DATA_BREACH, ReportType.LEX_SARAH}


class _Reservoir:
    def __init__(self, size, rng):
        self.size, self.rng, self.seen, self.rows = size, rng, 0, []

    def offer(self, row):
        self.seen += 1
        if len(self.rows) < self.size:
            self.rows.append(row)
            return
        slot = self.rng.randrange(self.seen)
        if slot < self.size:
            self.rows[slot] = row


class _Context:
    """What the targeted checks need to know about cases and readers, read once each."""

    def __init__(self, board):
        self.board = board
        self.cases = {}
        self.readers = {}
        self.worked_on = set(
            Task.objects.filter(process__caseprocess__report__namnd=board, owner__isnull=False).values_list(
                "owner_id", "process__caseprocess__report_id"
            )
        )

    def case(self, report_id):
        if report_id not in self.cases:
            self.cases[report_id] = (
                Report.objects.filter(pk=report_id)
                .values("case_number", "type", "unit__path", "unit_id", "reporter_id", "handler_id")
                .first()
            )
        return self.cases[report_id]

    def reader(self, user_id):
        if user_id not in self.readers:
            user = User.objects.select_related("home_unit").filter(pk=user_id).first()
            standing_in = (
                list(Substitute.objects.filter(substitute_id=user_id).values_list("starts_at", "ends_at"))
                if user
                else []
            )
            self.readers[user_id] = (user, standing_in)
        return self.readers[user_id]


def _office_hours(moment):
    local = timezone.localtime(moment)
    start, end = settings.RECORDS_OFFICE_HOURS
    return local.weekday() < 5 and start <= local.hour < end


def targeted_reasons(context, actor_id, report_id, occurred_at):
    case = context.case(report_id)
    user, standing_in = context.reader(actor_id) if actor_id else (None, [])
    reasons = []
    if user is None or case is None:
        return reasons
    home = user.home_unit.path if user.home_unit_id else None
    if home is None or not case["unit__path"].startswith(home):
        reasons.append(Reason.OUTSIDE_UNITS)
    if any(start <= occurred_at < end for start, end in standing_in):
        reasons.append(Reason.SUBSTITUTE)
    if case["type"] in SENSITIVE:
        reasons.append(Reason.SENSITIVE_TYPE)
    if (
        actor_id not in (case["reporter_id"], case["handler_id"])
        and (actor_id, report_id) not in context.worked_on
    ):
        reasons.append(Reason.NO_TASK)
    if not _office_hours(occurred_at):
        reasons.append(Reason.OFF_HOURS)
    return reasons


def case_reads(board, start, end):
    return (
        AuditEvent.objects.filter(
            chain=AuditEvent.Chain.ACCESS,
            occurred_at__gte=start,
            occurred_at__lt=end,
            report_id__in=Report.objects.filter(namnd=board).values("pk"),
        )
        .order_by("seq")
        .values_list("pk", "actor_id", "actor_name", "report_id", "occurred_at", "action")
    )


def draw(board, start, end, seed, share):
    """``(picks, reads)``: ``{event pk: (row, [reasons])}`` and how many case reads the period
    holds. Pure: the same rows and seed give the same picks."""
    rng = random.Random(f"{seed}:random")
    reservoir_rng = random.Random(f"{seed}:targeted")
    reservoirs = {reason: _Reservoir(settings.RECORDS_LOG_TARGETED_MAX, reservoir_rng) for reason in Reason}
    context = _Context(board)
    picks, reads = {}, 0
    share = float(share)
    for row in case_reads(board, start, end).iterator(chunk_size=5000):
        reads += 1
        pk, actor_id, _name, report_id, occurred_at, _action = row
        if rng.random() < share:
            picks.setdefault(pk, (row, []))[1].append(Reason.RANDOM)
        for reason in targeted_reasons(context, actor_id, report_id, occurred_at):
            reservoirs[reason].offer(row)
    for reason, reservoir in reservoirs.items():
        for row in reservoir.rows:
            picks.setdefault(row[0], (row, []))[1].append(reason)
    return picks, reads, context


def draw_log_review(board, start, end, *, now, seed=None, share=None):
    """Draw the board's review of the reads in [start, end) and store it with its seed."""
    seed = seed or secrets.token_hex(16)
    share = Decimal(str(share if share is not None else settings.RECORDS_LOG_SAMPLE_SHARE))
    picks, reads, context = draw(board, start, end, seed, share)
    local_end = timezone.localtime(end)
    due_month = local_end.date().replace(day=1)
    due_by = due_month.replace(day=min(settings.RECORDS_LOG_REVIEW_DUE_DAY, 28))
    if due_by < timezone.localdate(now):
        due_by = timezone.localdate(now) + datetime.timedelta(days=14)
    with transaction.atomic():
        review = LogReview.objects.create(
            board=board,
            period_start=start,
            period_end=end,
            seed=seed,
            share=share,
            reads_in_period=reads,
            created_at=now,
            due_by=due_by,
        )
        rows = []
        for (pk, actor_id, actor_name, report_id, occurred_at, action), reasons in sorted(picks.values()):
            case = context.case(report_id) or {}
            user = context.reader(actor_id)[0] if actor_id else None
            roles = sorted(role_scope(user).roles_on(_Unit(case.get("unit__path", "")))) if user else []
            rows.append(
                LogPick(
                    review=review,
                    event_id=pk,
                    reader=user,
                    reader_name=actor_name,
                    reader_roles=roles,
                    report_id=report_id,
                    case_number=case.get("case_number", ""),
                    action=action,
                    occurred_at=occurred_at,
                    reasons=[str(r) for r in reasons],
                )
            )
        LogPick.objects.bulk_create(rows, batch_size=1000)
        audit.record(
            "logreview.drawn",
            obj=review,
            payload={
                "by": "scheduler",
                "board": board.pk,
                "period_start": start,
                "period_end": end,
                "seed": seed,
                "share": str(share),
                "reads": reads,
                "picks": len(rows),
            },
        )
    return review


class _Unit:
    """Enough of a unit for ``RoleScope.roles_on``: its path."""

    def __init__(self, path):
        self.path = path
