"""Many open tasks at once, for query-count tests and the benchmark.

Filing through the services takes a transaction, an audit row and a flow start per case; to
get thousands of open tasks quickly, this writes the same rows the services would (a
deviation in ``reported`` with its process and its open ``assess`` task) with bulk inserts.
The product never does this; only tests and ``bench/`` do.
"""

from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from cases.models import Report
from workflows.flows import DeviationFlow
from workflows.models import CaseProcess


def open_deviations(count, units, reporter, *, owners=(), start=1, batch=2000):
    """``count`` deviations spread over ``units``, each with an open ``assess`` task; the first
    ``len(owners)`` tasks are assigned, one per owner. Returns the tasks' ids."""
    now = timezone.now()
    task_ids = []
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        reports = []
        for i in range(offset, offset + size):
            unit = units[i % len(units)]
            sequence = start + i
            reports.append(
                Report(
                    type="deviation",
                    state="reported",
                    unit=unit,
                    namnd_id=unit.namnd_id,
                    reporter=reporter,
                    description="Bulk.",
                    reported_at=now,
                    case_year=9999,
                    case_sequence=sequence,
                    case_number=f"BULK-{unit.namnd_id}-{sequence}",
                )
            )
        reports = Report.objects.bulk_create(reports)
        if not reports[0].pk:  # a backend that does not return ids
            numbers = [r.case_number for r in reports]
            reports = list(Report.objects.filter(case_number__in=numbers).order_by("case_sequence"))
        processes = Process.objects.bulk_create(
            [Process(flow_class=DeviationFlow, status=PROCESS.NEW, created=now) for _ in reports]
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {CaseProcess._meta.db_table} (process_ptr_id, report_id) VALUES (%s, %s)",
                [(p.pk, r.pk) for p, r in zip(processes, reports, strict=True)],
            )
        tasks = []
        for j, process in enumerate(processes):
            index = offset + j
            owner = owners[index] if index < len(owners) else None
            tasks.append(
                Task(
                    process_id=process.pk,
                    flow_task=DeviationFlow.assess,
                    flow_task_type="HUMAN",
                    status=STATUS.ASSIGNED if owner else STATUS.NEW,
                    owner=owner,
                    owner_permission="cases.role_unit_manager",
                    created=now,
                )
            )
        task_ids += [t.pk for t in Task.objects.bulk_create(tasks)]
    return task_ids
