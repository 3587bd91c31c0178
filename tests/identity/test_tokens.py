"""API tokens expire API_TOKEN_TTL after they were issued, and a password change (by any path)
or a deactivation deletes them."""

import datetime

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import AuditEvent, Role
from cases.services import do_deactivate_user, do_grant_role
from tests.cast import PASSWORD
from tests.identity.test_second_factor import current_code
from tests.queries import assert_num_queries

TOKEN = "/api/v1/auth/token/"
NEW_PASSWORD = "ett-helt-nytt-losen-42"


def issue(username="sas", password=PASSWORD):
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def api(key, language="en"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def opens_the_api(key):
    return api(key).get("/api/v1/reports/").status_code == 200


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_the_token_answer_says_when_it_expires(cast, settings, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    settings.API_TOKEN_TTL = datetime.timedelta(days=30)
    answer = issue()
    assert answer["expires_at"] == "2026-04-01T11:00:00+02:00"
    assert opens_the_api(answer["token"])


def test_a_token_is_refused_once_it_has_expired_with_a_clear_message(cast, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    key = issue()["token"]
    time_machine.shift(datetime.timedelta(days=30) - datetime.timedelta(seconds=1))
    assert opens_the_api(key)
    time_machine.shift(datetime.timedelta(seconds=1))
    response = api(key).get("/api/v1/reports/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "The token has expired. Ask for a new one with your username and "
        "password at /api/v1/auth/token/."
    }
    assert api(key, language="sv").get("/api/v1/reports/").json()["detail"].startswith("Token har gått ut.")


def test_the_lifetime_is_configurable(cast, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    settings.API_TOKEN_TTL = datetime.timedelta(days=1)
    key = issue()["token"]
    time_machine.shift(datetime.timedelta(days=1))
    assert api(key).get("/api/v1/reports/").status_code == 401


def test_asking_again_gives_the_same_token_while_it_lasts_and_a_new_one_after(cast, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    first = issue()
    time_machine.shift(datetime.timedelta(days=29))
    assert issue() == first
    time_machine.shift(datetime.timedelta(days=1))
    renewed = issue()
    assert renewed["token"] != first["token"]
    assert opens_the_api(renewed["token"])
    assert not opens_the_api(first["token"])


def test_an_expired_token_still_sent_along_does_not_keep_a_client_from_a_new_one(cast, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    stale = issue()["token"]
    time_machine.shift(datetime.timedelta(days=31))
    response = api(stale).post(TOKEN, {"username": "sas", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert opens_the_api(response.json()["token"])


def test_set_password_anywhere_revokes_the_users_tokens(cast):
    key = issue()["token"]
    user = fresh(cast["sas"])
    user.set_password(NEW_PASSWORD)
    user.save()
    assert not opens_the_api(key)
    assert api(key).get("/api/v1/reports/").json()["detail"] == "Invalid token."
    assert opens_the_api(issue(password=NEW_PASSWORD)["token"])


def test_the_password_change_page_revokes_the_tokens(client, cast):
    key = issue()["token"]
    client.force_login(cast["sas"])
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not opens_the_api(key)


def test_a_superuser_setting_the_password_in_the_admin_revokes_the_tokens(client, cast):
    key = issue()["token"]
    operator = get_user_model().objects.create_superuser("operator", "operator@kommun.example", PASSWORD)
    client.force_login(operator)
    response = client.post(
        f"/admin/cases/user/{cast['sas'].pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert fresh(cast["sas"]).check_password(NEW_PASSWORD)
    assert not opens_the_api(key)


def test_a_password_reset_revokes_the_tokens(client, cast):
    key = issue()["token"]
    client.post("/accounts/password_reset/", {"email": "sas@kommun.example"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert fresh(cast["sas"]).check_password(NEW_PASSWORD)
    assert not opens_the_api(key)


def test_deactivation_revokes_the_tokens_for_good(cast):
    key = issue()["token"]
    do_deactivate_user(cast["sas"], acting_user=None)
    assert not Token.objects.filter(key=key).exists()
    user = fresh(cast["sas"])
    user.is_active = True
    user.save()
    assert not opens_the_api(key)


def test_a_token_whose_user_is_inactive_is_refused_with_a_clear_message(cast):
    # Made inactive past do_deactivate_user (a bulk update, another system's write): the token
    # row survives, the check at authentication refuses it.
    key = issue()["token"]
    get_user_model().objects.filter(pk=cast["sas"].pk).update(is_active=False)
    assert Token.objects.filter(key=key).exists()
    for language, text in (
        ("en", "User inactive or deleted."),
        ("sv", "Användaren borttagen eller inaktiv."),
    ):
        answer = api(key, language).get("/api/v1/reports/")
        assert answer.status_code == 401
        assert answer.json()["detail"] == text


def test_signing_in_and_saving_other_fields_revokes_nothing(cast, settings):
    key = issue()["token"]
    user = fresh(cast["sas"])
    user.title = "Kvalitetssamordnare"
    user.save()
    assert APIClient().login(request=HttpRequest(), username="sas", password=PASSWORD)
    assert opens_the_api(key)


def test_a_password_hash_upgraded_at_sign_in_revokes_nothing(cast, settings):
    key = issue()["token"]
    # The cast's hashes are MD5 (tests/conftest.py); with PBKDF2 preferred, signing in rehashes.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert APIClient().login(request=HttpRequest(), username="sas", password=PASSWORD)
    assert fresh(cast["sas"]).password.startswith("pbkdf2_sha256$")
    assert opens_the_api(key)


@pytest.mark.parametrize("expired", [False, True])
def test_authentication_stays_one_read_of_the_token_with_its_user(cast, time_machine, expired):
    from rest_framework.exceptions import AuthenticationFailed

    from identity.authentication import TokenAuthentication

    time_machine.move_to(timezone.now(), tick=False)
    token = Token.objects.create(user=cast["sas"])
    if expired:
        time_machine.shift(datetime.timedelta(days=31))
    with assert_num_queries(1):
        if expired:
            with pytest.raises(AuthenticationFailed):
                TokenAuthentication().authenticate_credentials(token.key)
        else:
            assert TokenAuthentication().authenticate_credentials(token.key) == (cast["sas"], token)


def test_the_schema_documents_the_token_answer_and_the_lockout(db):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(responses) <= {"200", "400", "413", "415", "429"}
    assert (
        "application/json" in responses["429"]["content"]
    )  # the error body added by rule (cases.api.schema)
    answer = responses["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][answer]["properties"]) == {"token", "expires_at"}


def test_a_deleted_users_token_is_refused(cast):
    key = issue()["token"]
    get_user_model().objects.filter(pk=cast["sas"].pk).delete()
    answer = api(key).get("/api/v1/reports/")
    assert answer.status_code == 401 and answer.json()["detail"] == "Invalid token."


def test_issuing_a_token_is_audited(cast):
    issue("reporter")
    issued = AuditEvent.objects.get(action="identity.api_token_issued")
    assert issued.object_id == str(cast["reporter"].pk) and issued.payload == {"second_factor": ""}


class TestSecondFactor:
    """With REQUIRE_SECOND_FACTOR on, superusers and holders of privileged roles obtain a token
    only with the code of their authenticator app (or a recovery code) beside the password."""

    @pytest.fixture(autouse=True)
    def _required(self, settings):
        settings.REQUIRE_SECOND_FACTOR = True
        cache.clear()  # django-allauth's used codes and its rate limit

    @staticmethod
    def ask(username="sas", **extra):
        return APIClient().post(
            TOKEN,
            {"username": username, "password": PASSWORD, **extra},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    def test_the_password_alone_is_refused_with_a_clear_message(self, cast):
        TOTP.activate(cast["sas"], generate_totp_secret())
        answer = self.ask()
        assert answer.status_code == 400
        assert answer.json()["code"] == [
            "Your roles require a second factor: send the code from your authenticator app (or a "
            'recovery code) as "code" with your username and password.'
        ]
        assert not Token.objects.filter(user=cast["sas"]).exists()

    def test_without_an_authenticator_the_person_enrols_in_the_browser_first(self, cast):
        answer = self.ask("dso", code="123456")
        assert answer.status_code == 400 and "enrol one first" in answer.json()["code"][0]
        assert not Token.objects.filter(user=cast["dso"]).exists()

    def test_the_code_of_the_app_gives_the_token_and_a_wrong_one_is_refused(self, cast):
        secret = generate_totp_secret()
        TOTP.activate(cast["sas"], secret)
        wrong = self.ask(code="000000")
        assert wrong.status_code == 400 and wrong.json()["code"] == ["Incorrect code."]
        assert AuditEvent.objects.filter(action="identity.second_factor_failed").exists()
        answer = self.ask(code=current_code(secret))
        assert answer.status_code == 200
        key = answer.json()["token"]
        assert opens_the_api(key)
        assert AuditEvent.objects.get(action="identity.api_token_issued").payload == {"second_factor": "totp"}
        # The same code a second time is refused (django-allauth keeps the used codes).
        assert self.ask(code=current_code(secret)).status_code == 400

    def test_a_recovery_code_stands_in_for_the_app(self, cast):
        TOTP.activate(cast["decision_maker"], generate_totp_secret())
        codes = RecoveryCodes.activate(cast["decision_maker"]).get_unused_codes()
        answer = self.ask("decision_maker", code=codes[0])
        assert answer.status_code == 200 and opens_the_api(answer.json()["token"])
        assert self.ask("decision_maker", code=codes[0]).status_code == 400

    def test_others_need_no_code(self, cast):
        assert self.ask("reporter").status_code == 200
        assert self.ask("manager_a").status_code == 200

    def test_a_token_from_before_a_privileged_role_is_refused_and_replaced_with_the_code(self, cast, org):
        key = self.ask("manager_a").json()["token"]
        assert opens_the_api(key)
        do_grant_role(cast["manager_a"], Role.SAS, org.sn, acting_user=cast["admin_sn"])
        answer = api(key).get("/api/v1/reports/")
        assert answer.status_code == 401
        assert answer.json()["detail"].startswith("This token was issued without a second factor")
        secret = generate_totp_secret()
        TOTP.activate(cast["manager_a"], secret)
        renewed = self.ask("manager_a", code=current_code(secret)).json()["token"]
        assert renewed != key and opens_the_api(renewed)
        assert not Token.objects.filter(key=key).exists()

    def test_asking_again_with_a_code_gives_the_same_token_while_it_lasts(self, cast, time_machine):
        time_machine.move_to(timezone.now(), tick=False)
        secret = generate_totp_secret()
        TOTP.activate(cast["sas"], secret)
        first = self.ask(code=current_code(secret)).json()
        time_machine.shift(datetime.timedelta(seconds=31))
        assert self.ask(code=current_code(secret)).json() == first

    def test_the_checks_read_the_token_once_and_the_roles_only_for_an_unmarked_token(self, cast):
        from rest_framework.exceptions import AuthenticationFailed

        from identity.authentication import TokenAuthentication
        from identity.models import TokenSecondFactor

        token = Token.objects.create(user=cast["sas"])
        with assert_num_queries(2), pytest.raises(AuthenticationFailed):
            TokenAuthentication().authenticate_credentials(token.key)
        TokenSecondFactor.objects.create(token=token, type="totp")
        with assert_num_queries(1):
            assert TokenAuthentication().authenticate_credentials(token.key)[0] == cast["sas"]
