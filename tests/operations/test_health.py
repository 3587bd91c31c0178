"""The health endpoint (django-health-check, operations.health): every part it checks, and
each part failing — Redis down, the scheduler stopped, the audit chain's head tampered with —
turns it to 500 naming the part, without a secret in the answer. Anyone may read it (load
balancers and monitoring have no login): every member of the cast gets the same answer."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import AuditEvent, AuditHead
from operations import heartbeat
from operations.models import Heartbeat

pytestmark = pytest.mark.django_db

URL = "/health/"


def health(client=None):
    response = (client or Client()).get(URL, HTTP_ACCEPT="application/json")
    return response.status_code, response.json()


def part(body, name):
    return next(value for key, value in body.items() if key.startswith(name))


@pytest.fixture
def alive():
    heartbeat.beat(timezone.now())


def test_everything_up_answers_200_with_every_part(alive, cast):
    status, body = health()
    assert status == 200, body
    assert {key.split("(")[0] for key in body} == {
        "Database",
        "Cache",
        "TaskQueue",
        "SchedulerHeartbeat",
        "AuditChainHead",
    }
    assert set(body.values()) == {"OK"}


@pytest.mark.parametrize(
    "name", ["reporter", "manager_a", "manager_b", "sas", "decision_maker", "dso", "outsider", None]
)
def test_everyone_gets_the_same_answer(alive, cast, name):
    client = Client()
    if name is not None:
        client.force_login(cast[name])
    assert health(client) == health()


def test_the_scheduler_stopped_turns_it_red(cast, settings):
    status, body = health()
    assert status == 500 and "never run a round" in part(body, "SchedulerHeartbeat")
    Heartbeat.objects.create(
        name=heartbeat.SCHEDULER,
        beat_at=timezone.now() - datetime.timedelta(seconds=settings.HEALTH_SCHEDULER_MAX_AGE + 1),
    )
    status, body = health()
    assert status == 500 and "last round ended" in part(body, "SchedulerHeartbeat")


def test_a_scheduler_round_ends_with_the_beat(cast, settings):
    assert settings.SCHEDULER_JOBS[-1] == "operations.heartbeat.beat"  # after every other job
    heartbeat.beat(timezone.now())
    assert heartbeat.age(heartbeat.SCHEDULER, timezone.now()) < 5
    assert health()[0] == 200


def test_redis_down_turns_the_queue_red_when_tasks_go_through_redis(alive, settings):
    settings.TASKS_BACKEND = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    status, body = health()
    assert status == 500
    assert part(body, "TaskQueue") == "Unavailable: The task queue (Redis) does not answer."
    assert "127.0.0.1" not in str(body)  # no address or password in the answer


def test_the_audit_chain_head_that_does_not_verify_turns_it_red(alive, cast):
    # The cast's roles were granted through the services: the change chain has its head.
    assert AuditHead.objects.filter(chain=AuditEvent.Chain.CHANGE).exists()
    assert health()[0] == 200
    AuditHead.objects.filter(chain=AuditEvent.Chain.CHANGE).update(seq=10_000)
    status, body = health()
    assert (
        status == 500
        and part(body, "AuditChainHead") == "Unavailable: The audit chain's head does not verify."
    )


def test_an_old_audit_chain_head_turns_it_red_only_with_a_limit(cast, settings):
    import time_machine

    assert AuditHead.objects.filter(chain=AuditEvent.Chain.CHANGE).exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        heartbeat.beat(timezone.now())
        assert health()[0] == 200  # a quiet evening is not a failure
        settings.HEALTH_AUDIT_HEAD_MAX_AGE = 3600
        status, body = health()
    assert status == 500 and "old (limit 3600 s)" in part(body, "AuditChainHead")
