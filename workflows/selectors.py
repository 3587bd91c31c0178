"""Every read of tasks for a user: scoped querysets, one list across all four flows.

- inbox: tasks assigned to me, or to someone I stand in for (an active ``Substitute``);
- queue: unassigned tasks I may take: a role on the case's unit that the step names, or the
  case's named investigator where the step allows one. One query, whatever the number of
  grants: the user's role scope (``cases.access.role_scope``, one query, cached for the
  request) becomes a filter on the unit's path;
- archive: tasks I completed;
- overdue: tasks of my inbox and queue past their due time.

Each task's ``due_at`` is the earliest running clock of the case among those its step names;
lists are sorted by it, tasks without a clock after those with one.
"""

from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.access import INVESTIGATOR, role_scope
from cases.models import CaseClock, OrgUnit, ReportUserObjectPermission
from cases.selectors import visible_reports
from cases.services.base import CaseNotFound
from workflows.flows import steps
from workflows.models import StepClock, Substitute

SCOPES = ("inbox", "queue", "archive", "overdue")
OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
ASSIGNED = [STATUS.ASSIGNED, STATUS.STARTED]
REPORT = "process__caseprocess__report"


class TaskNotFound(CaseNotFound):
    """The task does not exist or the user may not see it: 404."""


def _step_refs(nodes):
    return [str(Task._meta.get_field("flow_task").get_prep_value(node)) for node in nodes]


def due_at_expression():
    """The task's deadline: the earliest running clock of its case among its step's clocks."""
    codes = StepClock.objects.filter(flow_task=OuterRef(OuterRef("flow_task"))).values("code")
    return Subquery(
        CaseClock.objects.filter(report_id=OuterRef(f"{REPORT}_id"), stopped_at__isnull=True, code__in=codes)
        .order_by("due_at")
        .values("due_at")[:1],
        output_field=DateTimeField(),
    )


def absent_for(user, now=None):
    """Those the user stands in for right now."""
    return Substitute.objects.active(now).filter(substitute=user).values("person_id")


def inbox_q(user, now=None):
    """Assigned to the user or to those they stand in for: an id list, so that the database
    reads the owner index instead of estimating an OR over a subquery (one small query)."""
    owners = [user.pk, *absent_for(user, now).values_list("person_id", flat=True)]
    return Q(status__in=ASSIGNED, owner_id__in=owners)


def queue_q(user):
    """Unassigned tasks of each role's steps on the units in the role's subtrees, and of the
    named investigator's steps on their cases: one branch per role, joined by ``UNION``, so
    that each branch starts from its few units (by index) rather than from every open task."""
    scope = role_scope(user)
    unassigned = Task.objects.filter(status=STATUS.NEW, owner__isnull=True).order_by()
    branches = []
    for role in scope.roles:
        nodes = [node for node in steps() if role in node.roles]
        if nodes:
            units = OrgUnit.objects.filter(scope.units_q([role], prefix="")).values("pk")
            branches.append(
                unassigned.filter(
                    flow_task__in=_step_refs(nodes), **{f"{REPORT}__unit_id__in": units}
                ).values("pk")
            )
    investigator_nodes = [node for node in steps() if INVESTIGATOR in node.roles]
    named = ReportUserObjectPermission.objects.filter(
        user=user, permission__codename="investigate_report"
    ).values("content_object_id")
    branches.append(
        unassigned.filter(flow_task__in=_step_refs(investigator_nodes), **{f"{REPORT}__in": named}).values(
            "pk"
        )
    )
    return Q(pk__in=branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0])


# What a task list shows, and nothing more: a case row has some sixty columns.
LISTED_FIELDS = [
    "id",
    "flow_task",
    "status",
    "created",
    "finished",
    "owner_id",
    "process_id",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "process__id",
    "process__caseprocess__process_ptr",
    "process__caseprocess__report_id",
    *(
        f"{REPORT}__{name}"
        for name in ("id", "case_number", "type", "state", "unit_id", "unit__id", "unit__name")
    ),
]


def _base():
    """Tasks with what a list shows. Only steps ever have an owner, and every step belongs to a
    case's process, so lists by owner need no filter on the case to stay within cases."""
    return Task.objects.select_related(f"{REPORT}__unit", "owner").only(*LISTED_FIELDS)


def tasks_for(user, scope, *, type=None, unit=None, now=None):
    """The user's tasks in ``scope``, most urgent first, each with ``due_at`` and ``is_overdue``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    now = now or timezone.now()
    qs = _base()
    if scope == "inbox":
        qs = qs.filter(inbox_q(user, now))
    elif scope == "queue":
        qs = qs.filter(queue_q(user))
    elif scope == "archive":
        qs = qs.filter(owner=user, status=STATUS.DONE, flow_task__in=_step_refs(steps()))
    else:
        qs = qs.filter(inbox_q(user, now) | queue_q(user))
    if type:
        qs = qs.filter(**{f"{REPORT}__type": type})
    if unit:
        qs = qs.filter(**{f"{REPORT}__unit_id": unit})
    qs = with_due_at(qs, now)
    if scope == "overdue":
        qs = qs.filter(due_at__lt=now)
    if scope == "archive":
        return qs.order_by("-finished", "-id")
    return qs.order_by(F("due_at").asc(nulls_last=True), "created", "id")


def with_due_at(qs, now=None):
    now = now or timezone.now()
    return qs.annotate(due_at=due_at_expression()).annotate(
        is_overdue=Case(When(due_at__lt=now, then=Value(True)), default=Value(False))
    )


def visible_tasks(user, now=None):
    """Human tasks (the flows' ``Step`` nodes) the user may know of: on a case they may see, or
    assigned to them or to someone they stand in for. The flows' other nodes (start, gateways,
    waits, joins, end) are the machinery's own rows: nobody takes or hands them on, so to
    every task page and endpoint they do not exist."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    return _base().filter(
        Q(**{f"{REPORT}__in": visible_reports(user)}) | Q(owner=user) | Q(owner__in=absent_for(user, now)),
        flow_task__in=_step_refs(steps()),
    )


def task_for_action(user, task_id, now=None):
    """A human task the user may know of, for claim/release/reassign; ``TaskNotFound`` otherwise."""
    task = visible_tasks(user, now).filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound(task_id)
    return task


def task_row(task_id, now=None):
    """One task with its deadline, for answering an action the services already permitted."""
    return with_due_at(_base().filter(pk=task_id), now).get()


def open_tasks(report, now=None):
    """The case's open human tasks, with their deadlines (for the case detail)."""
    step_refs = _step_refs(steps())
    qs = _base().filter(**{REPORT: report}, status__in=OPEN, flow_task__in=step_refs)
    return with_due_at(qs, now).order_by(F("due_at").asc(nulls_last=True), "id")


def stands_in_for(user, person, now=None):
    return Substitute.objects.active(now).filter(substitute=user, person=person).exists()


def listed_q(user, now=None):
    """The inbox and the queue together (``inbox_q | queue_q``) as a condition on each task
    row rather than a ``UNION`` of ids: for a plan that walks the running clocks in deadline
    order (``inbox_page``) and checks each task it meets, instead of gathering every task of a
    board's queue first."""
    scope = role_scope(user)
    queue = Q(pk__in=[])
    for role in scope.roles:
        nodes = [node for node in steps() if role in node.roles]
        if nodes:
            units = OrgUnit.objects.filter(scope.units_q([role], prefix="")).values("pk")
            queue |= Q(flow_task__in=_step_refs(nodes), **{f"{REPORT}__unit_id__in": units})
    named = ReportUserObjectPermission.objects.filter(
        user=user, permission__codename="investigate_report"
    ).values("content_object_id")
    investigator_nodes = [node for node in steps() if INVESTIGATOR in node.roles]
    queue |= Q(flow_task__in=_step_refs(investigator_nodes), **{f"{REPORT}__in": named})
    return inbox_q(user, now) | (Q(status=STATUS.NEW, owner__isnull=True) & queue)


def _matching_clock(clock_ref):
    return Exists(StepClock.objects.filter(flow_task=OuterRef("flow_task"), code=OuterRef(clock_ref)))


def inbox_page(user, start, count, *, cases=None, overdue=False, now=None):
    """The ids of the tasks ``start`` to ``start + count`` of the user's inbox and queue
    together (narrowed by ``cases``, a condition on the task's case), in the lists' order:
    the earliest running clock of its step first, then the tasks without one by creation.

    The same order as sorting ``tasks_for(…).annotate(due_at)``, without computing a deadline
    for every open task of a board (a million cases hold tens of thousands): the tasks with a
    clock are found by walking the running clocks in deadline order (their partial index), the
    first time a task is met being its earliest clock; only a page beyond them reads the
    others, by creation. ``overdue``: only tasks whose earliest clock has run out."""
    if not user.is_authenticated or not user.is_active:
        return []
    now = now or timezone.now()
    # Every listed task is a case's step: saying so joins the case inner rather than outer (the
    # ``OR`` of ``listed_q`` would make the joins outer), which frees the planner's join order.
    tasks = Task.objects.filter(listed_q(user, now), **{f"{REPORT}__isnull": False}).order_by()
    if cases is not None:
        tasks = tasks.filter(cases)
    clock = f"{REPORT}__clocks"
    clocked = (
        tasks.filter(**{f"{clock}__stopped_at__isnull": True})
        .filter(_matching_clock(f"{clock}__code"))
        .annotate(clock_due=F(f"{clock}__due_at"))
    )
    if overdue:
        clocked = clocked.filter(clock_due__lt=now)
    clocked = clocked.order_by("clock_due", "created", "id").values_list("pk", flat=True)
    wanted = start + count
    limit = wanted * 2 + 10
    while True:
        rows = list(clocked[:limit])
        ids = list(dict.fromkeys(rows))  # a task met again at a later clock keeps its first place
        if len(ids) >= wanted or len(rows) < limit:
            break
        limit *= 4
    if len(ids) >= wanted or overdue:
        return ids[start:wanted]
    # Every task with a clock is in ``ids``: the page goes on with those without one.
    running = CaseClock.objects.filter(
        report_id=OuterRef(f"{REPORT}_id"),
        stopped_at__isnull=True,
        code__in=StepClock.objects.filter(flow_task=OuterRef(OuterRef("flow_task"))).values("code"),
    )
    others = tasks.exclude(Exists(running)).order_by("created", "id").values_list("pk", flat=True)
    skip = max(0, start - len(ids))
    return ids[start:] + list(others[skip : skip + wanted - max(start, len(ids))])
