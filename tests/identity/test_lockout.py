"""Sign-in lockout (django-axes): after LOGIN_FAILURE_LIMIT failures the right password is refused
too, on the web login, the admin's login and the API token endpoint alike; the username is
locked from every address and the address for every username; a superuser lifts it in the admin
or with a command; the answer is 429 in the reader's language and says when to try again."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tests.cast import PASSWORD

LIMIT = 3
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def sign_in(client, username, password, address="192.0.2.10", language="en"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def ask_token(username, password, address="192.0.2.10", language="en"):
    return APIClient().post(
        TOKEN,
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_the_right_password_works_before_the_limit(client, cast):
    for _ in range(LIMIT - 1):
        assert sign_in(client, "sas", "wrong").status_code == 200
    assert sign_in(client, "sas", PASSWORD).status_code == 302
    assert signed_in(client)


def test_after_the_limit_of_failures_the_right_password_is_refused(client, cast):
    answers = [sign_in(client, "sas", "wrong").status_code for _ in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]
    response = sign_in(client, "sas", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    assert int(response["Retry-After"]) == 15 * 60


def test_the_lockout_page_says_when_to_try_again_in_english_and_swedish(client, cast, time_machine):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 3, 2, 14, 5)), tick=False)
    for _ in range(LIMIT):
        sign_in(client, "sas", "wrong")
    english = sign_in(client, "sas", PASSWORD, language="en").content.decode()
    assert "Signing in is blocked for now" in english
    assert "blocked for 15 minutes" in english
    assert "Try again after 14:20 on March 2, 2026." in english
    swedish = sign_in(client, "sas", PASSWORD, language="sv").content.decode()
    assert "Inloggningen är spärrad en stund" in swedish
    assert "spärrad i 15 minuter" in swedish
    assert "Försök igen efter kl. 14:20 den 2 mars 2026." in swedish


def test_a_username_is_locked_out_from_every_address(client, cast):
    for number in range(LIMIT):
        sign_in(client, "sas", "wrong", address=f"198.51.100.{number}")
    assert sign_in(client, "sas", PASSWORD, address="203.0.113.99").status_code == 429
    assert sign_in(client, "dso", PASSWORD, address="203.0.113.99").status_code == 302


def test_an_address_is_locked_out_for_every_username(client, cast):
    for name in ("sas", "dso", "reporter"):
        sign_in(client, name, "wrong", address="198.51.100.7")
    assert sign_in(client, "manager_a", PASSWORD, address="198.51.100.7").status_code == 429
    assert sign_in(client, "manager_a", PASSWORD, address="198.51.100.8").status_code == 302


def test_failures_older_than_the_cool_off_no_longer_count(client, cast, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(LIMIT):
        sign_in(client, "sas", "wrong")
    time_machine.shift(timezone.timedelta(minutes=16))
    assert sign_in(client, "sas", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_out_too(client, cast):
    for _ in range(LIMIT):
        sign_in(client, "sas", "wrong")
    response = client.post(
        "/admin/login/", {"username": "sas", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 429


def test_the_token_endpoint_counts_failures_and_then_refuses_the_right_password_with_the_apis_error(cast):
    assert [ask_token("sas", "wrong").status_code for _ in range(LIMIT)] == [400] * (LIMIT - 1) + [429]
    response = ask_token("sas", PASSWORD)
    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert "blocked for 15 minutes" in response.json()["detail"]
    assert response["Retry-After"] == str(15 * 60)
    assert "token" not in response.json()
    swedish = ask_token("sas", PASSWORD, language="sv").json()["detail"]
    assert "spärrad i 15 minuter" in swedish


def test_failures_on_the_web_and_on_the_api_add_up(client, cast):
    sign_in(client, "sas", "wrong")
    ask_token("sas", "wrong")
    sign_in(client, "sas", "wrong")
    assert ask_token("sas", PASSWORD).status_code == 429


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("operator", "operator@kommun.example", PASSWORD)


def test_a_superuser_sees_the_lockout_in_the_admin_and_lifts_it(client, cast, superuser):
    for _ in range(LIMIT):
        sign_in(client, "sas", "wrong")
    admin = APIClient()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "sas" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="sas")
    assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert sign_in(client, "sas", PASSWORD).status_code == 302


def test_a_board_administrator_sees_no_lockouts(client, cast):
    administrator = cast["admin_sn"]
    administrator.is_staff = True
    administrator.save()
    administrator.user_permissions.set(Permission.objects.filter(content_type__app_label="cases"))
    client.force_login(administrator)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert "axes" not in client.get("/admin/").content.decode()


def test_the_management_command_lifts_a_username_lockout(client, cast):
    for _ in range(LIMIT):
        sign_in(client, "sas", "wrong")
    call_command("axes_reset_username", "sas", stdout=open("/dev/null", "w"))
    assert sign_in(client, "sas", PASSWORD).status_code == 302


def test_the_attempt_keeps_no_password(client, cast):
    sign_in(client, "sas", "a-secret-guess")
    attempt = AccessAttempt.objects.get(username="sas")
    assert "a-secret-guess" not in attempt.post_data
