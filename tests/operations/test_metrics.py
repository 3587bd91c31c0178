"""The Prometheus metrics (operations.metrics): request latency by view, transitions and clock
events from the domain events, overdue clocks and the task queue's depth read at the scrape;
the token when one is set; the same answer for every member of the cast (they are counts,
never case content)."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import CaseClock
from cases.services import do_transition
from tests.factories import file, transition_data

pytestmark = pytest.mark.django_db

URL = "/metrics"


def scrape(client=None, **headers):
    response = (client or Client()).get(URL, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def value(text, name, **labels):
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _space, number = line.rpartition(" ")
        metric_name, _brace, rest = metric.partition("{")
        if metric_name != name:
            continue
        found = ",".join(sorted(re.findall(r'\w+="[^"]*"', rest)))
        if found == wanted:
            return float(number)
    return 0.0


def test_a_transition_counts_and_its_clock_is_seen_when_overdue(
    cast, org, django_capture_on_commit_callbacks
):
    before = scrape()
    report = file("deviation", cast["reporter"], org.unit_a)
    clock = CaseClock.objects.filter(report=report, stopped_at__isnull=True).first()
    assert clock is not None
    CaseClock.objects.filter(pk=clock.pk).update(due_at=timezone.now() - datetime.timedelta(days=1))
    overdue = scrape()
    assert (
        value(overdue, "case_clocks_overdue", clock=clock.code)
        == value(before, "case_clocks_overdue", clock=clock.code) + 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_transition(
            report.pk, "assess", acting_user=cast["manager_a"], data=transition_data(report, "assess", cast)
        )
    after = scrape()
    assert (
        value(after, "case_transitions_total", transition="report.assess")
        == value(before, "case_transitions_total", transition="report.assess") + 1
    )
    assert value(after, "case_clocks_overdue", clock=clock.code) == value(
        before, "case_clocks_overdue", clock=clock.code
    )


def test_request_latency_is_labelled_by_view_never_by_path(cast):
    Client().get("/cases/123456/")
    text = scrape()
    assert "http_request_duration_seconds_bucket" in text
    assert "123456" not in text


def test_the_queue_depth_counts_waiting_tasks(cast, settings):
    from django_tasks_db.models import DBTaskResult

    text = scrape()
    for queue in settings.TASK_QUEUES:
        assert (
            value(text, "task_queue_depth", queue=queue)
            == DBTaskResult.objects.ready().filter(queue_name=queue).count()
        )


@pytest.mark.parametrize(
    "name", ["reporter", "manager_a", "manager_b", "sas", "decision_maker", "dso", "outsider", None]
)
def test_everyone_reads_the_same_counts(cast, name):
    client = Client()
    if name is not None:
        client.force_login(cast[name])
    text = scrape(client)
    assert "case_clocks_overdue" in text and "task_queue_depth" in text
    assert cast["reporter"].username not in text


def test_a_token_when_set_is_required(settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert Client().get(URL).status_code == 401
    assert Client().get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert "case_clocks_overdue" in scrape(HTTP_AUTHORIZATION="Bearer s3cret-token")
