"""Escalation of tasks nobody has taken.

A task still unclaimed when the ``task-unclaimed`` deadline rule (data, editable in the admin)
has run from its creation is escalated once to the unit managers of the parent unit of the
case's unit (the SAS of the case's unit, the MAS for lex Maria: ``BOARD_CLOCK_ROLES``, if the parent has no manager, or if managers may not
see cases of the type, as with breaches: no one hears of a case they may not see): a ``TaskEscalation``
row, unique per task and reason, makes a second run do nothing.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import audit
from cases.access import BOARD_CLOCK_ROLES, VIEW_ROLES
from cases.clock_jobs import with_substitutes
from cases.events import emit
from cases.models import DeadlineRule, OrgUnitGroupObjectPermission, OrgUnitUserObjectPermission, Role, User
from workflows.flows import steps
from workflows.models import TaskEscalation
from workflows.selectors import _step_refs

RULE = "task-unclaimed"


def holders(role, unit):
    """Active users holding ``role`` on ``unit`` (granted on it or above it)."""
    ancestors = _ancestor_paths(unit.path)
    codename = f"role_{role}"
    groups = OrgUnitGroupObjectPermission.objects.filter(
        permission__codename=codename, content_object__path__in=ancestors
    ).values("group_id")
    direct = OrgUnitUserObjectPermission.objects.filter(
        permission__codename=codename, content_object__path__in=ancestors
    ).values("user_id")
    return (
        User.objects.filter(Q(groups__in=groups) | Q(pk__in=direct), is_active=True).distinct().order_by("pk")
    )


def _ancestor_paths(path):
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def escalation_targets(report):
    unit = report.unit
    parent = unit.parent if unit.parent_id else unit
    users = []
    if Role.UNIT_MANAGER in VIEW_ROLES[report.type]:
        users = list(holders(Role.UNIT_MANAGER, parent).values_list("pk", flat=True))
    return users or [
        pk
        for role in sorted(BOARD_CLOCK_ROLES[report.type])
        for pk in holders(role, unit).values_list("pk", flat=True)
    ]


def escalate_unclaimed(now):
    """Escalate every task unclaimed past the rule's time; returns how many were escalated."""
    rule = DeadlineRule.current(RULE, now.date())
    if rule is None:
        return 0
    done = TaskEscalation.objects.filter(reason=TaskEscalation.Reason.UNCLAIMED).values("task_id")
    candidates = (
        Task.objects.filter(
            status=STATUS.NEW,
            owner__isnull=True,
            flow_task__in=_step_refs(steps()),
            process__caseprocess__isnull=False,
        )
        .exclude(pk__in=done)
        .select_related("process__caseprocess__report__unit")
        .order_by("created")
    )
    count = 0
    for task in candidates.iterator(chunk_size=500):
        if rule.due(task.created) > now:
            continue
        count += _escalate(task, now)
    return count


def _escalate(task, now):
    report = task.process.caseprocess.report
    user_ids = with_substitutes(escalation_targets(report), now)
    try:
        with transaction.atomic():
            TaskEscalation.objects.create(
                task=task, reason=TaskEscalation.Reason.UNCLAIMED, escalated_at=now, user_ids=user_ids
            )
            audit.record(
                "task.escalated",
                obj=task,
                report_id=report.pk,
                payload={
                    "task": task.pk,
                    "step": task.flow_task.name,
                    "reason": "unclaimed",
                    "user_ids": user_ids,
                },
            )
            emit(
                "task.escalated",
                report=report,
                task_id=task.pk,
                step=task.flow_task.name,
                user_ids=user_ids,
                reason="unclaimed",
            )
    except IntegrityError:
        return 0  # another run escalated it meanwhile
    return 1
