"""The only code that changes the records room's state, and the disposal of a case.

Every ``do_*`` function takes the acting user as a keyword, checks permission, makes the change
and writes its audit row in one transaction, and leaves side effects (removing files from
storage) to ``transaction.on_commit``. ``do_dispose_case`` changes a case: it lives here rather
than in ``cases.services`` because the tombstone and the rule are this room's, and the arrows
point from records to cases, never back (docs/records.md, "Where the disposal lives").
"""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import audit
from cases.access import role_scope
from cases.models import OrgUnit, Report, Role
from records.destruction import destroy_content, ids_condition
from records.due import due_cases, review_due_by, still_due_ids
from records.models import (
    ArchivalPackage,
    DisposalItem,
    DisposalRun,
    DisposedCase,
    LogPick,
    LogReview,
    RetentionRule,
)
from records.package import build_package, package_name, verify_package
from workflows.escalation import holders


class NotFound(Exception):
    """The row does not exist or the user may not see it: both answer 404."""


class InvalidState(Exception):
    """The run or review is not in a state that allows this: 409."""


# Who reviews what.


def archivists(board):
    return holders(Role.ARCHIVIST, board)


def may_review_disposal(user, board):
    """The board's arkivansvarig; the board's SAS where nobody holds that role."""
    if not user.is_authenticated or not user.is_active:
        return False
    scope = role_scope(user)
    if scope.has(Role.ARCHIVIST, board):
        return True
    return scope.has(Role.SAS, board) and not archivists(board).exists()


def may_review_logs(user, board):
    """The board's SAS and DSO review the read log (and only they search it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    scope = role_scope(user)
    return scope.has(Role.SAS, board) or scope.has(Role.DSO, board)


def boards():
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD).order_by("path")


# Gallring.


def plan_gallring(board, now):
    """List the board's cases due at ``now`` in a new run for review; a run with nothing due
    is recorded as done at once, so that the interval between checks is kept."""
    with transaction.atomic():
        due = due_cases(board, now)
        run = DisposalRun.objects.create(
            board=board,
            created_at=now,
            due_by=review_due_by(now, settings.RECORDS_REVIEW_DAYS),
            status=DisposalRun.Status.OPEN if due else DisposalRun.Status.DONE,
            finished_at=None if due else now,
        )
        DisposalItem.objects.bulk_create(
            [DisposalItem(run=run, report_id=pk, rule=rule) for pk, rule in due], batch_size=2000
        )
        if len(due) > 10_000 and connection.vendor == "postgresql":
            # The disposal's batches look their items up among these: the planner must know
            # how many there are now rather than wait for autovacuum to notice.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(DisposalItem._meta.db_table)}")
        audit.record(
            "gallring.listed",
            obj=run,
            payload={"by": "scheduler", "board": board.pk, "cases": len(due)},
        )
    return run


def _load_item(item_id, user):
    item = (
        DisposalItem.objects.select_for_update()
        .select_related("run__board", "report")
        .filter(pk=item_id)
        .first()
    )
    if item is None or not may_review_disposal(user, item.run.board):
        raise NotFound(item_id)
    return item


def do_hold_back(item_id, *, acting_user, reason, hold=True):
    """Hold a case of an open run back from disposal with a reason, or put it back."""
    with transaction.atomic():
        item = _load_item(item_id, acting_user)
        if item.run.status != DisposalRun.Status.OPEN:
            raise InvalidState(_("The run is no longer open for review."))
        if hold and not (reason or "").strip():
            raise ValidationError({"reason": _("Say why the case is held back.")})
        item.held_back = hold
        item.hold_reason = reason.strip() if hold else ""
        item.held_by = acting_user if hold else None
        item.save(update_fields=["held_back", "hold_reason", "held_by"])
        # The reason is kept on the item, not in the audit row: it may name what the case is about.
        audit.record(
            "gallring.held_back" if hold else "gallring.released",
            actor=acting_user,
            obj=item,
            report_id=item.report_id,
            payload={"run": item.run_id, "case_number": item.report.case_number},
        )
    return item


def do_approve_disposal(run_id, *, acting_user):
    """Approve the run: its cases not held back are disposed of by the scheduler, in batches."""
    with transaction.atomic():
        run = DisposalRun.objects.select_for_update().select_related("board").filter(pk=run_id).first()
        if run is None or not may_review_disposal(acting_user, run.board):
            raise NotFound(run_id)
        if run.status != DisposalRun.Status.OPEN:
            raise InvalidState(_("The run is no longer open for review."))
        now = timezone.now()
        run.status, run.approved_by, run.approved_at = DisposalRun.Status.APPROVED, acting_user, now
        run.save(update_fields=["status", "approved_by", "approved_at"])
        held = run.items.filter(held_back=True).count()
        audit.record(
            "gallring.approved",
            actor=acting_user,
            obj=run,
            payload={"board": run.board_id, "to_dispose": run.items.count() - held, "held_back": held},
        )
    return run


def _remove_files(names):
    for name in names:
        default_storage.delete(name)


def do_dispose_cases(run_id, item_ids, *, acting_user, now=None):
    """Destroy the content of an approved run's cases ``item_ids`` and leave their tombstones,
    set-based: one statement per table for the whole batch (the tombstones with one
    ``INSERT … SELECT``), one ``report.disposed`` audit row per case written in bulk
    (``audit.record_many``, the chain intact). A case no longer due (an action reopened, a
    case linked since) is held back instead, with the reason and its own audit row. A rule
    asking for an archival package packages each of its cases first. Returns the disposed
    cases' ids."""
    now = now or timezone.now()
    with transaction.atomic():
        run = DisposalRun.objects.select_related("board", "approved_by").filter(pk=run_id).first()
        if run is None or not may_review_disposal(acting_user, run.board):
            raise NotFound(run_id)
        items = list(
            DisposalItem.objects.select_for_update()
            .filter(run=run, pk__in=list(item_ids))
            .order_by("pk")
            .values_list("pk", "report_id", "rule_id", "held_back", "disposed_at")
        )
        if run.status != DisposalRun.Status.APPROVED or any(held or done for *_x, held, done in items):
            raise InvalidState(_("This case is not approved for disposal."))
        rules = RetentionRule.objects.in_bulk({rule_id for _pk, _report, rule_id, *_x in items})
        numbers = dict(
            Report.objects.select_for_update()
            .filter(pk__in=[report_id for _pk, report_id, *_x in items])
            .order_by()
            .values_list("pk", "case_number")
        )
        due = set()
        for rule_id, rule in rules.items():
            due |= still_due_ids([r for _pk, r, rid, *_x in items if rid == rule_id], rule, now)
        late = [(pk, report_id) for pk, report_id, *_x in items if report_id not in due]
        items = [(pk, report_id, rules[rule_id]) for pk, report_id, rule_id, *_x in items if report_id in due]
        if late:
            _hold_back_late(run, late, numbers, acting_user)
        if not items:
            return []
        tombstones = _write_tombstones(run, items, now)
        packages = {}
        packaged = [report_id for _pk, report_id, rule in items if rule.package_before_disposal]
        for report in Report.objects.filter(pk__in=packaged).order_by("pk"):
            packages[report.pk] = _package(report, now)
        files = destroy_content([report_id for _pk, report_id, _rule in items], now)
        counts = _file_counts(files)
        condition, params = ids_condition("id", [pk for pk, *_x in items])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(DisposalItem._meta.db_table)} SET disposed_at = %s "
                f"WHERE {condition}",
                [connection.ops.adapt_datetimefield_value(now), *params],
            )
        # The disposal changes nothing the monthly counts count (type, state, unit, board,
        # dates, persons and actions stay): no recount (tests/records: recount after, same).
        label = DisposedCase._meta.label_lower
        audit.record_many(
            "report.disposed",
            [
                (
                    (label, tombstones[report_id]),
                    report_id,
                    {
                        "case_number": numbers[report_id],
                        "rule": rule.pk,
                        "basis": rule.basis,
                        "run": run.pk,
                        "approved_by": run.approved_by_id,
                        "files_removed": counts.get(report_id, 0),
                        "package": (p := packages.get(report_id)) and {"objid": p.objid, "sha256": p.sha256},
                    },
                )
                for _pk, report_id, rule in items
            ],
            actor=acting_user,
            recount=False,
        )
        names = [name for _report, name in files]
        transaction.on_commit(lambda: _remove_files(names))
    return [report_id for _pk, report_id, _rule in items]


def _hold_back_late(run, late, numbers, acting_user):
    reason = _("No longer due when the disposal ran.")
    DisposalItem.objects.filter(pk__in=[pk for pk, _report in late]).update(
        held_back=True, hold_reason=reason
    )
    audit.record_many(
        "gallring.held_back",
        [
            (
                (DisposalItem._meta.label_lower, pk),
                report_id,
                {"run": run.pk, "case_number": numbers[report_id], "automatic": True},
            )
            for pk, report_id in late
        ],
        actor=acting_user,
        recount=False,
    )


def _write_tombstones(run, items, now):
    """The tombstones of ``items`` (``(item id, report id, rule)``) with one ``INSERT …
    SELECT`` from the case rows, the items and their rules, each table reached by its primary
    key; returns ``{report id: tombstone id}``."""
    q = connection.ops.quote_name
    condition, params = ids_condition("i.id", [pk for pk, *_x in items])
    report_condition, report_params = ids_condition("r.id", [report_id for _pk, report_id, *_x in items])
    columns = [
        "report_id",
        "case_number",
        "report_type",
        "unit_id",
        "namnd_id",
        "reported_at",
        "closed_at",
        "state",
        "rule_id",
        "rule_basis",
        "run_id",
        "approved_by_id",
        "approved_by_name",
        "disposed_at",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(DisposedCase._meta.db_table)} ({', '.join(map(q, columns))}) "
            "SELECT r.id, r.case_number, r.type, r.unit_id, r.namnd_id, r.reported_at, r.closed_at, "
            "r.state, i.rule_id, rr.basis, i.run_id, %s, %s, %s "
            f"FROM {q(DisposalItem._meta.db_table)} i "
            f"JOIN {q(Report._meta.db_table)} r ON r.id = i.report_id "
            f"JOIN {q(RetentionRule._meta.db_table)} rr ON rr.id = i.rule_id "
            f"WHERE {condition} RETURNING report_id, id",
            [
                run.approved_by_id,
                run.approved_by.display_name,
                connection.ops.adapt_datetimefield_value(now),
                *params,
            ],
        )
        return dict(cursor.fetchall())


def _file_counts(files):
    counts = {}
    for report_id, _name in files:
        counts[report_id] = counts.get(report_id, 0) + 1
    return counts


def _package(report, now):
    """The case's archival package, stored before its content goes (``records.package``). A
    file stored by a transaction that rolls back stays in storage, unreferenced."""
    objid, data = build_package(report, now)
    problems = verify_package(data)
    if problems:
        raise InvalidState(
            _("The archival package does not verify: %(problems)s") % {"problems": "; ".join(problems)}
        )
    name = default_storage.save(package_name(report, objid), ContentFile(data))
    return ArchivalPackage.objects.create(
        report=report,
        objid=objid,
        file=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
    )


def dispose_batch(run, now, size=None):
    """Dispose of up to ``size`` cases of an approved run in one transaction, as its approver;
    the run is done when none is left. Returns how many cases were disposed of."""
    size = size or settings.RECORDS_DISPOSAL_BATCH
    approver = run.approved_by
    with transaction.atomic():
        pending = list(
            run.items.filter(held_back=False, disposed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        disposed = len(do_dispose_cases(run.pk, pending, acting_user=approver, now=now)) if pending else 0
        if len(pending) < size or not run.items.filter(held_back=False, disposed_at__isnull=True).exists():
            DisposalRun.objects.filter(pk=run.pk).update(status=DisposalRun.Status.DONE, finished_at=now)
            audit.record(
                "gallring.finished",
                actor=approver,
                obj=run,
                payload={
                    "disposed": run.items.filter(disposed_at__isnull=False).count(),
                    "held_back": run.items.filter(held_back=True).count(),
                },
            )
    return disposed


# Loggkontroll.


def _load_pick(pick_id, user):
    pick = LogPick.objects.select_for_update().select_related("review__board").filter(pk=pick_id).first()
    if pick is None or not may_review_logs(user, pick.review.board):
        raise NotFound(pick_id)
    return pick


def reader_manager(pick):
    """Who follows a questioned read up: the unit manager of the reader's home unit (not the
    reader), else the board's SAS (not the reader)."""
    reader = pick.reader
    candidates = []
    if reader is not None and reader.home_unit_id:
        candidates.append(holders(Role.UNIT_MANAGER, reader.home_unit))
    candidates.append(holders(Role.SAS, pick.review.board))
    for users in candidates:
        user = users.exclude(pk=getattr(reader, "pk", None)).first()
        if user is not None:
            return user
    return None


def do_judge_pick(pick_id, *, acting_user, verdict, note=""):
    with transaction.atomic():
        pick = _load_pick(pick_id, acting_user)
        if pick.review.status != LogReview.Status.OPEN:
            raise InvalidState(_("The review is signed."))
        if verdict not in (LogPick.Verdict.JUSTIFIED, LogPick.Verdict.QUESTIONED):
            raise ValidationError({"verdict": _("Choose justified or questioned.")})
        if verdict == LogPick.Verdict.QUESTIONED and not (note or "").strip():
            raise ValidationError({"note": _("Say why the read is questioned.")})
        if pick.reader_id == acting_user.pk:
            raise PermissionDenied(_("Nobody judges their own reads."))
        pick.verdict, pick.note = verdict, (note or "").strip()
        pick.judged_by, pick.judged_at = acting_user, timezone.now()
        pick.follow_up_by = reader_manager(pick) if verdict == LogPick.Verdict.QUESTIONED else None
        pick.save(update_fields=["verdict", "note", "judged_by", "judged_at", "follow_up_by"])
        audit.record(
            "logreview.judged",
            actor=acting_user,
            obj=pick,
            payload={
                "review": pick.review_id,
                "log_row": pick.event_id,
                "verdict": verdict,
                "follow_up_by": pick.follow_up_by_id,
            },
        )
    return pick


def do_follow_up_pick(pick_id, *, acting_user, note):
    """The reader's manager records what came of a questioned read."""
    with transaction.atomic():
        pick = LogPick.objects.select_for_update().filter(pk=pick_id).first()
        if (
            pick is None
            or pick.follow_up_by_id != acting_user.pk
            or pick.verdict != LogPick.Verdict.QUESTIONED
        ):
            raise NotFound(pick_id)
        if not (note or "").strip():
            raise ValidationError({"note": _("Say what came of the follow-up.")})
        pick.follow_up_note, pick.followed_up_at = note.strip(), timezone.now()
        pick.save(update_fields=["follow_up_note", "followed_up_at"])
        audit.record(
            "logreview.followed_up",
            actor=acting_user,
            obj=pick,
            payload={"review": pick.review_id, "log_row": pick.event_id},
        )
    return pick


def do_sign_review(review_id, *, acting_user):
    with transaction.atomic():
        review = LogReview.objects.select_for_update().select_related("board").filter(pk=review_id).first()
        if review is None or not may_review_logs(acting_user, review.board):
            raise NotFound(review_id)
        if review.status != LogReview.Status.OPEN:
            raise InvalidState(_("The review is signed."))
        if review.picks.filter(verdict="").exists():
            raise ValidationError(_("Judge every pick before signing."))
        review.status, review.signed_by, review.signed_at = (
            LogReview.Status.SIGNED,
            acting_user,
            timezone.now(),
        )
        review.save(update_fields=["status", "signed_by", "signed_at"])
        audit.record(
            "logreview.signed",
            actor=acting_user,
            obj=review,
            payload={
                "board": review.board_id,
                "period_start": review.period_start,
                "picks": review.picks.count(),
                "questioned": review.picks.filter(verdict=LogPick.Verdict.QUESTIONED).count(),
            },
        )
    return review


def previous_month(now):
    """The local month before ``now``'s, as aware datetimes [start, end)."""
    local = timezone.localtime(now)
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - datetime.timedelta(days=1)).replace(day=1)
    return start, end
