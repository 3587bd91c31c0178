"""Two schedulers firing the same round at the same moment, on real concurrent connections:
one ClockEvent row, one audit row and one domain event per warning, overdue notice and escalation."""

import importlib
import threading

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from cases.clock_jobs import fire_clocks
from cases.events import case_event
from cases.models import AuditEvent, CaseClock, ClockEvent, Term
from tests import factories
from tests.cases.test_concurrency import run_together

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def reference_data():
    """Transactional tests empty every table afterwards (see tests/cases/test_concurrency.py)."""
    if not Term.objects.exists():
        importlib.import_module("cases.migrations.0003_seed_reference_data").seed(apps, None)
        importlib.import_module("cases.migrations.0005_clk_escalation_and_action_reminders").seed(apps, None)


@pytest.fixture
def sent():
    names, lock = [], threading.Lock()

    def receiver(sender, name, report_id, actor_id, data, **kwargs):
        with lock:
            names.append((name, data["clock_id"]))

    case_event.connect(receiver, weak=False)
    yield names
    case_event.disconnect(receiver)


def overdue_case(cast, org):
    report = factories.file(
        "data_breach", cast["reporter"], org.unit_a, discovered_at=factories.ago(hours=80)
    )
    return report, CaseClock.objects.get(report=report, code="breach-imy-notification")


def test_two_schedulers_at_once_fire_each_clock_event_once(cast, org, sent):
    report, clock = overdue_case(cast, org)
    now = timezone.now()
    results, errors = run_together(2, lambda i: fire_clocks(now))
    assert not errors
    assert sum(results.values()) == 2  # overdue and escalated (a legal clock: at once), each by one of them
    assert sorted(ClockEvent.objects.filter(clock=clock).values_list("kind", flat=True)) == [
        "escalated",
        "overdue",
    ]
    assert sorted(sent) == [("clock.escalated", clock.pk), ("clock.overdue", clock.pk)]
    assert AuditEvent.objects.filter(report_id=report.pk, action__startswith="clock.").count() == 2


def test_run_scheduler_once_fires_the_default_jobs(cast, org, sent, capsys):
    _report, clock = overdue_case(cast, org)
    call_command("run_scheduler", "--once")
    call_command("run_scheduler", "--once")
    assert sorted(sent) == [("clock.escalated", clock.pk), ("clock.overdue", clock.pk)]
    assert "cases.clock_jobs.fire_clocks: 2" in capsys.readouterr().out
