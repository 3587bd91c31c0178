"""``check_workflows``: every case whose open tasks do not match its state, and every open task
held by someone who may no longer take it (a role revoked, the account deactivated); exit 1 if any."""

import sys

from django.core.management.base import BaseCommand

from workflows.consistency import drift
from workflows.services import tasks_held_without_right


class Command(BaseCommand):
    help = (
        "Report every case whose open workflow tasks do not match its state, and every open task held by "
        "a user who may no longer act on it (exit status 1 if any)."
    )

    def handle(self, *args, **options):
        found = 0
        for report, expected, actual, has_process in drift():
            found += 1
            if not has_process:
                self.stdout.write(f"{report.case_number} ({report.type}, {report.state}): no workflow")
            else:
                self.stdout.write(
                    f"{report.case_number} ({report.type}, {report.state}): "
                    f"expected open {', '.join(expected) or '-'}; found {', '.join(actual) or '-'}"
                )
        held = 0
        for task, report in tasks_held_without_right():
            held += 1
            self.stdout.write(
                f"{report.case_number} ({report.type}, {report.state}): task {task.pk} "
                f"({task.flow_task.name}) held by user {task.owner_id}, who may no longer act on it"
            )
        if found:
            self.stderr.write(self.style.ERROR(f"{found} case(s) whose workflow does not match their state."))
        if held:
            self.stderr.write(
                self.style.ERROR(
                    f"{held} task(s) held by users who may no longer act on them; release or reassign them."
                )
            )
        if found or held:
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Every case's workflow matches its state."))
