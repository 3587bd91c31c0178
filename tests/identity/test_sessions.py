"""Session limits (identity.sessions): an idle session ends after ``SESSION_IDLE_TIMEOUT``
minutes without a request, any session ``SESSION_COOKIE_AGE`` seconds after signing in however
busy it is; the person is told why on the login page, the API answers 401, and it is audited."""

import datetime

import pytest
from django.utils import timezone

from cases.models import AuditEvent
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db
START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def limits(settings):
    settings.SESSION_IDLE_TIMEOUT = 20
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    settings.REQUIRE_SECOND_FACTOR = False


def sign_in(client, time_machine, username="reporter"):
    time_machine.move_to(START, tick=False)
    answer = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302
    assert client.get("/").status_code == 200


def test_a_session_idle_past_the_limit_ends_with_the_reason(client, cast, limits, time_machine):
    sign_in(client, time_machine)
    # Requests within the limit keep it going, each counting from itself.
    for minutes in (19, 38, 57):
        time_machine.move_to(START + datetime.timedelta(minutes=minutes), tick=False)
        assert client.get("/").status_code == 200
    time_machine.move_to(START + datetime.timedelta(minutes=57 + 21), tick=False)
    answer = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="sv")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/?next=%2Finbox%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(answer["Location"], HTTP_ACCEPT_LANGUAGE="sv")
    assert "Du loggades ut efter 20 minuter utan aktivitet." in page.content.decode()
    ended = AuditEvent.objects.get(action="identity.session_ended")
    assert ended.actor_id == cast["reporter"].pk and ended.payload == {"reason": "idle"}
    # Signing in again starts afresh.
    sign_in(client, time_machine)


def test_the_idle_limit_in_english_and_off(client, cast, limits, settings, time_machine):
    sign_in(client, time_machine)
    time_machine.move_to(START + datetime.timedelta(minutes=21), tick=False)
    answer = client.get("/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "You were signed out after 20 minutes without activity." in answer.content.decode()
    settings.SESSION_IDLE_TIMEOUT = 0
    sign_in(client, time_machine)
    time_machine.move_to(START + datetime.timedelta(hours=7), tick=False)
    assert client.get("/").status_code == 200


def test_a_busy_session_still_ends_at_its_lifetime(client, cast, limits, settings, time_machine):
    settings.SESSION_COOKIE_AGE = 60 * 60
    sign_in(client, time_machine)
    for minutes in range(10, 60, 10):
        time_machine.move_to(START + datetime.timedelta(minutes=minutes), tick=False)
        assert client.get("/").status_code == 200
    time_machine.move_to(START + datetime.timedelta(minutes=61), tick=False)
    answer = client.get("/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Your session has reached its longest length." in answer.content.decode()
    assert AuditEvent.objects.get(action="identity.session_ended").payload == {"reason": "lifetime"}


def test_the_api_with_an_ended_session_answers_401(client, cast, limits, time_machine):
    sign_in(client, time_machine)
    assert client.get("/api/v1/reports/").status_code == 200
    time_machine.move_to(START + datetime.timedelta(minutes=21), tick=False)
    answer = client.get("/api/v1/reports/", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 401 and answer.json()["detail"] == "Your session has ended. Sign in again."
    assert client.get("/api/v1/reports/").status_code in (401, 403)
