"""``check_workflows``: every case whose open tasks do not match its state; exit 1 if any."""

import sys

from django.core.management.base import BaseCommand

from workflows.consistency import drift


class Command(BaseCommand):
    help = "Report every case whose open workflow tasks do not match its state (exit status 1 if any)."

    def handle(self, *args, **options):
        found = 0
        for report, expected, actual, has_process in drift():
            found += 1
            if not has_process:
                self.stdout.write(f"{report.case_number} ({report.type}, {report.state}): no workflow")
            else:
                self.stdout.write(f"{report.case_number} ({report.type}, {report.state}): "
                                  f"expected open {', '.join(expected) or '-'}; found {', '.join(actual) or '-'}")
        if found:
            self.stderr.write(self.style.ERROR(f"{found} case(s) whose workflow does not match their state."))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Every case's workflow matches its state."))
