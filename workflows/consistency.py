"""Does each case's workflow stand where the case stands?

``expected_steps`` derives, from the case's state and its notifications alone, which steps
must be open; ``drift`` compares that with the open tasks. It is an independent statement of
the flows in ``workflows.flows``, so a mistake in either shows up as a difference.
"""

from collections import defaultdict

from viewflow.workflow.models import Task
from viewflow.workflow.nodes import Handle

from cases.models import Regulator, Report, ReportType
from workflows.bridge import OPEN
from workflows.nodes import Step

LINEAR = {
    ReportType.DEVIATION: {
        "reported": "assess",
        "assessed": "complete_investigation",
        "investigated": "record_actions",
        "actions_taken": "follow_up",
        "followed_up": "close",
    },
    ReportType.COMPLAINT: {
        "received": "register",
        "registered": "investigate",
        "investigated": "answer",
        "answered": "close",
    },
    ReportType.LEX_SARAH: {
        "reported": "record_immediate_measures",
        "measures_taken": "register",
        "registered": "first_assessment",
        "investigating": "assess",
        "assessed": "decide",
    },
    ReportType.DATA_BREACH: {"reported": "assess", "assessed": "decide"},
    ReportType.LEX_MARIA: {
        "reported": "register",
        "registered": "first_assessment",
        "investigating": "assess",
        "assessed": "decide",
    },
}
# Where the regulator branch runs: from which case states it waits for the decision.
BRANCH = {
    ReportType.LEX_SARAH: (Regulator.IVO, {"registered", "investigating", "assessed"}, "await_ivo_decision"),
    ReportType.DATA_BREACH: (Regulator.IMY, {"reported", "assessed"}, "await_imy_decision"),
    ReportType.LEX_MARIA: (Regulator.IVO, {"registered", "investigating", "assessed"}, "await_ivo_decision"),
}
NOTIFICATION_STEPS = {
    Regulator.IVO: {
        "decided": "submit_ivo",
        "submitted": "record_ivo_outcome",
        "supplemented": "record_ivo_outcome",
        "regulator_decided": "complete_ivo",
    },
    Regulator.IMY: {"decided": "submit_imy"},
}
DECIDED = {
    ReportType.LEX_SARAH: "decided",
    ReportType.DATA_BREACH: "decided",
    ReportType.LEX_MARIA: "decided",
}


def expected_steps(report, notifications):
    """The names of the steps (and waits) that must be open for this case now."""
    expected = set()
    step = LINEAR[report.type].get(report.state)
    if step:
        expected.add(step)
    if report.type not in BRANCH:
        return expected
    regulator, waiting_states, wait = BRANCH[report.type]
    notification = next((n for n in notifications if n.regulator == regulator), None)
    branch = set()
    if notification is not None:
        branch = {NOTIFICATION_STEPS[regulator].get(notification.state)} - {None}
    elif report.state in waiting_states:
        branch = {wait}
    expected |= branch
    if report.state == DECIDED[report.type] and not branch:
        expected.add("close")
    return expected


def open_steps_by_report(report_ids):
    """The open steps and waits of these cases: {report id: [(task id, node name)]}."""
    found = defaultdict(list)
    tasks = Task.objects.filter(process__caseprocess__report_id__in=report_ids, status__in=OPEN).values_list(
        "process__caseprocess__report_id", "pk", "flow_task"
    )
    for report_id, task_id, node in tasks:
        if isinstance(node, (Step, Handle)):
            found[report_id].append((task_id, node.name))
    return found


def drift(reports=None, chunk=500):
    """Yield ``(report, expected, actual, has_process)`` for every case whose open tasks differ."""
    reports = reports if reports is not None else Report.objects.all()
    reports = reports.order_by("pk").prefetch_related("regulator_notifications")
    batch = []
    for report in reports.iterator(chunk_size=chunk):
        batch.append(report)
        if len(batch) == chunk:
            yield from _check(batch)
            batch = []
    if batch:
        yield from _check(batch)


def _check(batch):
    ids = [report.pk for report in batch]
    with_process = set(Report.objects.filter(pk__in=ids, workflow__isnull=False).values_list("pk", flat=True))
    open_steps = open_steps_by_report(ids)
    for report in batch:
        expected = expected_steps(report, list(report.regulator_notifications.all()))
        actual = sorted(name for _task, name in open_steps.get(report.pk, []))
        has_process = report.pk in with_process
        if not has_process or sorted(expected) != actual:
            yield report, sorted(expected), actual, has_process
