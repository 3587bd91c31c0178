"""Claiming, releasing and reassigning tasks: each audited on the case, each event after commit.

Like ``cases.services``: the acting user as a keyword, one transaction, permission checked,
the audit row written in the same transaction, events emitted on commit. A task the user
may not know of is ``TaskNotFound`` (404); one they may see but not do this to is
``PermissionDenied`` (403); one that changed meanwhile is ``InvalidState`` (409).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from cases import audit
from cases.access import INVESTIGATOR, REASSIGNING_ROLES, allowed_roles, begin_action, on_behalf_of
from cases.events import emit
from cases.services.base import InvalidState
from workflows import selectors
from workflows.bridge import locked
from workflows.models import CaseProcess


def _report(task):
    return task.process.caseprocess.report


def _begin(acting_user, task_id):
    """The task the user may act on, and its case, with this call's attribution started
    (``cases.access.begin_action``): only this call's own checks decide ``on_behalf_of``."""
    task = selectors.task_for_action(acting_user, task_id)
    report = _report(task)
    begin_action(acting_user, report.pk)
    return task, report


def _record(action, task, actor, **payload):
    report = _report(task)
    audit.record(
        action,
        actor=actor,
        obj=task,
        report_id=report.pk,
        payload={"task": task.pk, "step": task.flow_task.name, **payload},
    )
    return report


def task_assigned(task, *, actor):
    """Audit and announce that ``task`` has an assignee (on commit)."""
    report = _record("task.assigned", task, actor, owner=task.owner_id)
    emit(
        "task.assigned",
        report=report,
        actor=actor,
        task_id=task.pk,
        step=task.flow_task.name,
        user_ids=[task.owner_id],
    )


def task_waiting(task, *, after=None):
    """Announce (on commit) that ``task`` waits, unassigned, for whoever holds one of its step's
    roles on the case's unit: the event names the roles, and the notification rule's recipient
    "step_holders" finds their holders (and the substitutes of those absent) when it is
    delivered, outside the change's transaction. Whoever completed the step before it is the
    event's actor, and is not told of what they just caused."""
    roles = sorted(str(role) for role in task.flow_task.roles if role != INVESTIGATOR)
    previous = getattr(getattr(after, "task", None), "owner_id", None)
    process = task.process
    report = process.report if isinstance(process, CaseProcess) else _report(task)
    emit(
        "task.waiting",
        report=report,
        actor=previous and get_user_model()(pk=previous),
        task_id=task.pk,
        step=task.flow_task.name,
        roles=roles,
    )


def _fresh(task):
    task.refresh_from_db()
    return task.flow_task.activation_class(task)


def may_reassign(user, report):
    return bool(allowed_roles(user, report, REASSIGNING_ROLES[report.type]))


@transaction.atomic
def do_claim(task_id, *, acting_user):
    """Take a task from the queue, or take over one assigned to someone the user stands in for."""
    task, report = _begin(acting_user, task_id)
    with locked(task.process.caseprocess):
        activation = _fresh(task)
        node = task.flow_task
        if not node.may_take(acting_user, report):
            raise PermissionDenied(_("You may not take this task."))
        if task.status == STATUS.NEW:
            activation.assign(acting_user)
        elif task.status == STATUS.ASSIGNED and selectors.stands_in_for(acting_user, task.owner):
            absent = task.owner_id
            activation.reassign(acting_user)
            _record("task.taken_over", task, acting_user, from_owner=absent)
        elif task.status == STATUS.ASSIGNED:
            raise InvalidState(_("Someone has already taken this task."))
        else:
            raise InvalidState(_("This task is no longer open."))
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
        _record("task.claimed", task, acting_user)
        emit(
            "task.assigned",
            report=report,
            actor=acting_user,
            task_id=task.pk,
            step=node.name,
            user_ids=[acting_user.pk],
        )
    return task


@transaction.atomic
def do_release(task_id, *, acting_user):
    """Put an assigned task back in the queue: its owner, their substitute (audited on the
    owner's behalf), or the unit's manager/SAS."""
    task, report = _begin(acting_user, task_id)
    with locked(task.process.caseprocess):
        activation = _fresh(task)
        if task.status == STATUS.NEW:
            raise InvalidState(_("This task is not assigned to anyone."))
        if task.status != STATUS.ASSIGNED:
            raise InvalidState(_("This task is no longer open."))
        behalf = {}
        if task.owner_id != acting_user.pk:
            # By the user's own manager/SAS role if they hold one; else as the absent owner's
            # substitute (on the owner's behalf); else by a lent manager/SAS role (on the lender's).
            manages = may_reassign(acting_user, report)
            if (not manages or on_behalf_of(acting_user, report.pk)) and selectors.stands_in_for(
                acting_user, task.owner
            ):
                behalf = {"on_behalf_of": task.owner_id}
            elif not manages:
                raise PermissionDenied(_("You may not release this task."))
        previous = task.owner_id
        activation.unassign()
        task.assigned = None
        task.save(update_fields=["assigned"])
        _record("task.released", task, acting_user, from_owner=previous, **behalf)
        emit("task.released", report=report, actor=acting_user, task_id=task.pk)
    return task


@transaction.atomic
def do_reassign(task_id, *, acting_user, user_id):
    """Give an open task to someone who may take it: the unit's manager or SAS only (a breach's
    tasks: the DSO only)."""
    task, report = _begin(acting_user, task_id)
    if not may_reassign(acting_user, report):
        raise PermissionDenied(_("You may not reassign the tasks of this case."))
    assignee = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if assignee is None:
        raise ValidationError({"user": _("Choose an active user.")})
    with locked(task.process.caseprocess):
        activation = _fresh(task)
        node = task.flow_task
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise InvalidState(_("This task is no longer open."))
        if not node.may_take(assignee, report):
            raise ValidationError({"user": _("This person may not take this task.")})
        previous = task.owner_id
        if task.status == STATUS.NEW:
            activation.assign(assignee)
        else:
            activation.reassign(assignee)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
        _record("task.reassigned", task, acting_user, from_owner=previous, owner=assignee.pk)
        emit(
            "task.assigned",
            report=report,
            actor=acting_user,
            task_id=task.pk,
            step=node.name,
            user_ids=[assignee.pk],
        )
    return task


# Why a task went back to the queue without its owner asking.
ROLE_REVOKED = "role_revoked"
USER_DEACTIVATED = "user_deactivated"


def tasks_held_without_right(user=None):
    """Open tasks whose owner may no longer take them (a role revoked, the user deactivated):
    ``(task, report)`` pairs, of one user or of everyone."""
    from viewflow.workflow.models import Task

    from workflows.nodes import Step

    held = (
        Task.objects.filter(
            status__in=selectors.ASSIGNED, owner__isnull=False, process__caseprocess__isnull=False
        )
        .select_related("owner", "process__caseprocess__report__unit")
        .order_by("pk")
    )
    if user is not None:
        held = held.filter(owner=user)
    for task in held.iterator(chunk_size=500):
        node = task.flow_task
        if not isinstance(node, Step):
            continue
        report = task.process.caseprocess.report.typed()
        if not node.may_take(task.owner, report):
            yield task, report


def release_tasks_held_without_right(user, *, acting_user, reason):
    """Put back in the queue every open task ``user`` holds but may no longer take, each
    audited as released with ``reason``; inside the caller's transaction. Returns the count."""
    released = 0
    for task, report in list(tasks_held_without_right(user)):
        begin_action(acting_user, report.pk)
        with locked(task.process.caseprocess):
            activation = _fresh(task)
            if task.status != STATUS.ASSIGNED or task.owner_id != user.pk:
                continue
            activation.unassign()
            task.assigned = None
            task.save(update_fields=["assigned"])
            _record("task.released", task, acting_user, from_owner=user.pk, reason=reason)
            emit("task.released", report=report, actor=acting_user, task_id=task.pk, reason=reason)
            released += 1
    return released
