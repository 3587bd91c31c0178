"""The one place where a case's domain change moves its workflow.

``cases.services`` calls these inside its own transaction, after the domain change and
before it commits: the case's state and its open tasks change together or not at all. A
transition that has no open task to complete means the two have drifted; it is refused
(``InvalidState``), which rolls the domain change back too.
"""

from contextlib import contextmanager

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow import lock
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Regulator, ReportType
from cases.services.base import InvalidState
from cases.statements import Statement
from workflows.flows import FLOWS
from workflows.models import CaseProcess
from workflows.nodes import Step

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
REPORT_TRACK = "report"

# Transitions after which the regulator branch learns whether a notification was decided.
DECISIONS = {
    (ReportType.LEX_SARAH, "decide"): "await_ivo_decision",
    (ReportType.LEX_SARAH, "close_outside_scope"): "await_ivo_decision",
    (ReportType.DATA_BREACH, "decide"): "await_imy_decision",
    (ReportType.LEX_MARIA, "decide"): "await_ivo_decision",
    (ReportType.LEX_MARIA, "close_outside_scope"): "await_ivo_decision",
}
WAITS = {Regulator.IVO: "await_ivo_decision", Regulator.IMY: "await_imy_decision"}


def flow_of(report):
    return FLOWS[report.type]


@transaction.atomic
def start(report):
    """Start the case's workflow; its first task is created and, where it has one, assigned."""
    return flow_of(report).start.run(report=report)


def ensure_started(report):
    if not CaseProcess.objects.filter(report_id=report.pk).exists():
        start(report)


@contextmanager
def _already_held(flow_class, process_pk):
    yield


# The process row locked as viewflow's ``select_for_update_lock`` locks it; the open tasks in
# the order they were created. Both run on every transition: compiled once (cases.statements).
_LOCKED_PROCESS = Statement(
    lambda report_id: (
        CaseProcess.objects.select_for_update(nowait=True, of=("self",))
        .filter(report_id=report_id)
        .order_by()[:1]
    ),
    int,
)
_OPEN_TASKS = Statement(lambda process_id: _open_tasks(process_id).order_by("id"), int)


@contextmanager
def locked_process_of(report):
    """The case's process, read with the flow's lock on it, for the rest of the transaction,
    carrying the case as the caller loaded it.

    The same row lock as the flows' ``lock.select_for_update_lock`` (``SELECT … FOR UPDATE
    NOWAIT`` on the process row), taken as the process is read: one statement instead of
    four (read, savepoint, lock, release). Here the lock is taken inside the service's own
    transaction, which already holds the case's row, so viewflow's retries in savepoints
    would only hold that row longer: a process locked by someone else answers at once with a
    conflict (409) and the change rolls back. Work queued with viewflow's
    ``after_lock_released`` still runs when the block ends."""
    try:
        process = _LOCKED_PROCESS.first(report.pk)
    except DatabaseError as err:
        raise InvalidState(_("Someone else is working on this case right now; try again.")) from err
    if process is None:
        raise InvalidState(
            _("This case has no workflow. An administrator can find such cases with check_workflows.")
        )
    process.report = report  # as the caller loaded it, its unit included
    with lock.lock_scope(_already_held, process.flow_class, process.pk):
        yield process


def open_tasks(process):
    return _open_tasks(process.pk)


def _open_tasks(process_id):
    return Task.objects.filter(process_id=process_id, status__in=OPEN)


class locked:
    """The flow's lock on the process, with a failure to get it answered as a conflict (409)."""

    def __init__(self, process):
        self.scope = process.flow_class.lock(process.pk)

    def __enter__(self):
        try:
            return self.scope.__enter__()
        except FlowLockFailed as err:
            raise InvalidState(_("Someone else is working on this case right now; try again.")) from err

    def __exit__(self, *exc):
        return self.scope.__exit__(*exc)


def _open_step(process, track, name):
    for task in _OPEN_TASKS.objects(process.pk):
        node = task.flow_task
        if isinstance(node, Step) and node.track == track and name in node.transitions:
            task.process = process
            return task
    return None


def _tracked(report, track, name):
    """Whether any step of the case's flow is completed by this transition on this track."""
    return any(
        isinstance(node, Step) and node.track == track and name in node.transitions
        for node in flow_of(report).instance.nodes()
    )


def complete(task, actor):
    """Complete a step as done by ``actor`` (who becomes its owner) and activate what follows.

    The service has checked that ``actor`` may do it; the task is taken, started and
    completed in one write rather than through viewflow's assign/start transitions, each of
    which would save the row again."""
    now = timezone.now()
    if task.owner_id != actor.pk:
        task.owner = actor
        task.assigned = now
    task.status, task.started = STATUS.STARTED, now
    task.flow_task.activation_class(task).execute()


def _fire_wait(process, node_name):
    node = process.flow_class.instance.node(node_name)
    task = open_tasks(process).filter(flow_task=node).first()
    if task is not None:
        task.process = process
        node.run(task)


def _move(report, track, name, actor):
    with locked_process_of(report) as process:
        task = _open_step(process, track, name)
        if task is None:
            if _tracked(report, track, name):
                raise InvalidState(
                    _(
                        "The case's workflow has no open task for this step; it is not where the "
                        "case is. An administrator can check it with check_workflows."
                    )
                )
        else:
            complete(task, actor)
        if track == REPORT_TRACK and (report.type, name) in DECISIONS:
            _fire_wait(process, DECISIONS[(report.type, name)])


def after_transition(report, name, *, actor):
    """A lifecycle transition of the case was performed: complete its step."""
    _move(report, REPORT_TRACK, name, actor)


def after_notification_decided(report, notification, *, actor):
    """A notification to a regulator was decided before the case's own decision."""
    with locked_process_of(report) as process:
        _fire_wait(process, WAITS[notification.regulator])


def after_notification_transition(report, notification, name, *, actor):
    _move(report, notification.regulator, name, actor)


def cancel(report, *, actor):
    """The case was withdrawn or merged into another: its open tasks (and waits) are
    cancelled and its process ends as cancelled; the tasks done stay as its history."""
    with locked_process_of(report) as process:
        now = timezone.now()
        _open_tasks(process.pk).update(status=STATUS.CANCELED, finished=now)
        process.status, process.finished = STATUS.CANCELED, now
        process.save(update_fields=["status", "finished"])


def reopen(report, *, actor):
    """The closed case was reopened: its process runs again, with the closing step open as a
    new task after the one that closed it (in the queue of those who may close the case)."""
    with locked_process_of(report) as process:
        node = process.flow_class.instance.node("close")
        done = (
            Task.objects.filter(process_id=process.pk, flow_task=node, status=STATUS.DONE)
            .order_by("-id")
            .first()
        )
        if done is None:
            raise InvalidState(
                _("The case's workflow never closed it. An administrator can check it with check_workflows.")
            )
        process.status, process.finished = STATUS.NEW, None
        process.save(update_fields=["status", "finished"])
        done.process = process
        node.activation_class.create(node, node.activation_class(done), done.token)
