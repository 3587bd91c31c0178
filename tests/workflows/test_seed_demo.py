"""The demo gives every open demo case its tasks, and check_workflows finds nothing amiss."""

import io

from django.core.management import call_command

from cases.models import CLOSED_STATES, Report
from workflows.selectors import open_tasks


def test_every_open_demo_case_has_its_tasks_and_check_workflows_passes(db, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", stdout=io.StringIO())
    open_reports = Report.objects.exclude(state__in=CLOSED_STATES)
    assert open_reports.count() > 20
    for report in open_reports:
        assert open_tasks(report).exists(), (report.case_number, report.type, report.state)
    call_command("check_workflows", stdout=io.StringIO())  # exits 1 (SystemExit) on any drift
