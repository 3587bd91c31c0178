"""``POST /api/v1/reports/{id}/key-time/`` as the fixed cast: out of scope 404, in scope
without a handler's role 403; a correction moves the running clocks and is audited."""

import datetime

import pytest
from django.utils import timezone

from cases.models import AuditEvent, CaseClock
from tests.api.helpers import EVERYONE, rolled_back, url
from tests.factories import file
from tests.matrix import Matrix

# A breach filed in unit A: the DSO handles it; the SAS and the reporter see it but may not correct it.
EXPECTED = Matrix.of(EVERYONE, {"dso": 200, "sas": 403, "reporter": 403}, default=404)


def correction(hours_ago=5, reason="Upptäckten gjordes redan på förmiddagen enligt loggen."):
    value = timezone.localtime() - datetime.timedelta(hours=hours_ago)
    return {"field": "discovered_at", "value": value.strftime("%Y-%m-%dT%H:%M"), "reason": reason}


@pytest.fixture
def breach(cast, org):
    return file("data_breach", cast["reporter"], org.unit_a)


@EXPECTED.per_actor("member, expected")
def test_who_may_correct_a_key_time(member, expected, breach, client_as):
    with rolled_back():
        response = client_as(member).post(url(breach, "key-time"), correction(), format="json")
    assert response.status_code == expected, (member, response.content)


def test_a_correction_moves_the_running_clock_and_is_audited(breach, cast, client_as):
    data = correction(hours_ago=5)
    response = client_as("dso").post(url(breach, "key-time"), data, format="json")
    assert response.status_code == 200, response.content
    clock = CaseClock.objects.get(report=breach, code="breach-imy-notification")
    discovered = timezone.make_aware(datetime.datetime.strptime(data["value"], "%Y-%m-%dT%H:%M"))
    assert clock.started_at == discovered and clock.due_at == discovered + datetime.timedelta(hours=72)
    body = response.json()
    assert body["id"] == breach.pk
    assert datetime.datetime.fromisoformat(body["discovered_at"]) == discovered
    assert [c["due_at"] for c in body["clocks"] if c["code"] == "breach-imy-notification"] == [
        clock.due_at.astimezone(timezone.get_current_timezone()).isoformat()
    ]
    row = AuditEvent.objects.get(action="report.key_time_corrected", report_id=breach.pk)
    assert row.actor_id == cast["dso"].pk
    assert row.payload["field"] == "discovered_at" and row.payload["clocks_moved"] == 1
    assert row.payload["reason"] == data["reason"]


def test_an_invalid_correction_is_a_field_error_and_changes_nothing(breach, client_as):
    before = CaseClock.objects.get(report=breach, code="breach-imy-notification").due_at
    response = client_as("dso").post(
        url(breach, "key-time"), correction(hours_ago=-48, reason=""), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"value", "reason"}
    assert CaseClock.objects.get(report=breach, code="breach-imy-notification").due_at == before
    assert not AuditEvent.objects.filter(action="report.key_time_corrected").exists()
