"""A task's due time is the earliest running clock of its case among those its step names;
lists put the most urgent first and tasks without a clock last; overdue ones are flagged and
listed under ``overdue``."""

import datetime

from django.utils import timezone

from cases.models import CaseClock, DeadlineRule
from tests.factories import file
from tests.workflows.helpers import listed
from workflows.models import StepClock, sync_step_clocks


def clock(report, code, due_at, stopped_at=None):
    return CaseClock.objects.create(
        report=report,
        rule=DeadlineRule.current(code),
        code=code,
        started_at=report.reported_at,
        due_at=due_at,
        stopped_at=stopped_at,
    )


def test_tasks_are_sorted_by_their_cases_clocks_and_overdue_ones_flagged(cast, org, client_as):
    now = timezone.now()
    no_clock = file("deviation", cast["reporter"], org.unit_a)
    later = file("deviation", cast["reporter"], org.unit_a)
    overdue = file("lex_sarah", cast["reporter"], org.unit_a)
    # Exactly these clocks, whatever the services may have started at filing.
    CaseClock.objects.filter(report__in=[no_clock, later, overdue]).delete()
    clock(later, "deviation-assessment", now + datetime.timedelta(days=3))
    clock(later, "deviation-investigation", now + datetime.timedelta(days=1))  # not the assess step's clock
    clock(overdue, "lex-sarah-registration", now - datetime.timedelta(hours=2))
    clock(overdue, "lex-sarah-registration", now - datetime.timedelta(hours=5), stopped_at=now)  # stopped
    queue = listed(client_as("manager_a"), "queue")
    assert [t["case"]["id"] for t in queue] == [overdue.pk, later.pk, no_clock.pk]
    assert [t["overdue"] for t in queue] == [True, False, False]
    assert queue[1]["due_at"].startswith(
        timezone.localtime(now + datetime.timedelta(days=3)).date().isoformat()
    )
    assert queue[2]["due_at"] is None
    assert [t["case"]["id"] for t in listed(client_as("manager_a"), "overdue")] == [overdue.pk]
    assert listed(client_as("manager_b"), "overdue") == []


def test_the_step_clock_table_follows_the_flows(db):
    StepClock.objects.all().delete()
    StepClock.objects.create(flow_task="workflows/flows.Gone.step", code="old")
    assert sync_step_clocks() is True
    assert not StepClock.objects.filter(code="old").exists()
    assert StepClock.objects.filter(
        flow_task__endswith="DeviationFlow.assess", code="deviation-assessment"
    ).exists()
    assert sync_step_clocks() is False
