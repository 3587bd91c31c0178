"""The second factor for privileged roles signing in with a local password, the login page
with its identity providers, and local passwords turned off except for break-glass."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.socialaccount.models import SocialApp
from django.core.cache import cache

from cases.models import AuditEvent, Role
from cases.services import do_grant_role
from identity.second_factor import GIVEN, PENDING
from tests.cast import CAST, PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.REQUIRE_SECOND_FACTOR = True
    cache.clear()  # django-allauth's used-code and rate-limit entries


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en")


def current_code(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_the_sas_with_a_password_enrols_a_second_factor_before_anything_else(client, cast):
    response = sign_in(client, "sas")
    assert response.status_code == 302
    assert client.session[PENDING] is True
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/second-factor/")
    # No authenticator yet: enrolment (django-allauth's page, in this project's layout).
    enrol = client.get(page["Location"])
    assert enrol.status_code == 302 and enrol["Location"].startswith("/sso/2fa/totp/activate/")
    activate = client.get(enrol["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert activate.status_code == 200
    secret = activate.context["form"].secret
    # The API with the session is closed too until the second factor is given.
    assert client.get("/api/v1/reports/").status_code == 403
    done = client.post("/sso/2fa/totp/activate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert client.session.get(PENDING) is None and client.session[GIVEN] == "enrolled"
    assert Authenticator.objects.filter(user=cast["sas"], type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action="identity.mfa_enrolled", object_id=str(cast["sas"].pk)).exists()
    assert client.get("/").status_code == 200


def test_the_sas_with_an_authenticator_gives_the_code_and_a_wrong_one_is_refused(client, cast):
    secret = generate_totp_secret()
    TOTP.activate(cast["sas"], secret)
    sign_in(client, "sas")
    prompt = client.get("/accounts/second-factor/?next=/", HTTP_ACCEPT_LANGUAGE="en")
    assert prompt.status_code == 200
    wrong = client.post(
        "/accounts/second-factor/", {"code": "000000", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert wrong.status_code == 200 and client.session[PENDING] is True
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="identity.second_factor_failed").exists()
    right = client.post("/accounts/second-factor/", {"code": current_code(secret), "next": "/"})
    assert right.status_code == 302 and right["Location"] == "/"
    assert client.session[GIVEN] == "totp"
    assert client.get("/").status_code == 200


def test_a_recovery_code_stands_in_for_the_app(client, cast):
    TOTP.activate(cast["dso"], generate_totp_secret())
    codes = RecoveryCodes.activate(cast["dso"]).get_unused_codes()
    sign_in(client, "dso")
    client.post("/accounts/second-factor/", {"code": codes[0], "next": "/"})
    assert client.session[GIVEN] == "recovery_codes"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("username", CAST)
def test_who_is_asked_for_a_second_factor(client, cast, username):
    sign_in(client, username)
    assert bool(client.session.get(PENDING)) == (username in {"sas", "decision_maker", "dso"})
    signed_in = AuditEvent.objects.get(action="identity.signed_in", object_id=str(cast[username].pk))
    assert signed_in.payload["method"] == "password"


def test_administrators_and_superusers_are_asked_too(client, cast, admin_user):
    sign_in(client, "admin_sn")
    assert client.session.get(PENDING) is True
    client.logout()
    admin_user.set_password(PASSWORD)
    admin_user.save()
    sign_in(client, admin_user.username)
    assert client.session.get(PENDING) is True
    assert client.get("/admin/").status_code == 302


def test_without_the_setting_nobody_is_asked(client, cast, settings):
    settings.REQUIRE_SECOND_FACTOR = False
    sign_in(client, "sas")
    assert client.session.get(PENDING) is None
    assert client.get("/").status_code == 200


def test_a_failed_sign_in_is_audited_without_the_typed_name(client, cast):
    sign_in(client, "sas", "fel-losenord")
    failed = AuditEvent.objects.get(action="identity.sign_in_failed")
    assert "sas" not in str(failed.payload)


def test_a_privileged_role_granted_during_the_session_asks_for_the_second_factor_first(client, cast, org):
    """A session begun without a second factor (the reporter needs none) whose user is made SAS
    by an administrator meanwhile: the next request, the API with the session included, waits
    for the second factor before any page of the new role."""
    TOTP.activate(cast["reporter"], secret := generate_totp_secret())
    sign_in(client, "reporter")
    assert client.session.get(PENDING) is None
    assert client.get("/").status_code == 200
    do_grant_role(cast["reporter"], Role.SAS, org.sn, acting_user=cast["admin_sn"])
    page = client.get("/")
    assert page.status_code == 302 and page["Location"] == "/accounts/second-factor/?next=%2F"
    assert client.session[PENDING] is True
    assert client.get("/api/v1/reports/").status_code == 403
    right = client.post("/accounts/second-factor/", {"code": current_code(secret), "next": "/"})
    assert right.status_code == 302 and client.session[GIVEN] == "totp"
    assert client.get("/").status_code == 200
    # Given once, it holds for the session: a further privileged role asks for nothing more.
    do_grant_role(cast["reporter"], Role.DSO, org.sn, acting_user=cast["admin_sn"])
    assert client.get("/").status_code == 200


def test_a_role_granted_during_the_session_without_an_authenticator_leads_to_enrolment(client, cast, org):
    sign_in(client, "manager_a")
    assert client.get("/").status_code == 200
    do_grant_role(cast["manager_a"], Role.DECISION_MAKER, org.sn, acting_user=cast["admin_sn"])
    prompt = client.get("/")
    assert prompt["Location"].startswith("/accounts/second-factor/")
    assert client.get(prompt["Location"])["Location"].startswith("/sso/2fa/totp/activate/")


def test_a_role_that_needs_no_second_factor_granted_during_the_session_asks_for_none(client, cast, org):
    sign_in(client, "reporter")
    do_grant_role(cast["reporter"], Role.UNIT_MANAGER, org.unit_b, acting_user=cast["admin_sn"])
    assert client.get("/").status_code == 200
    assert client.session.get(PENDING) is None


@pytest.fixture
def provider():
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="kommun",
        name="Exempelkommun",
        client_id="kvalitet",
        secret="x",
        settings={"server_url": "https://idp.kommun.example"},
    )


def test_the_login_page_offers_the_identity_provider_first_in_swedish(client, provider):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Logga in med Exempelkommun" in page
    assert page.index("Logga in med Exempelkommun") < page.index('name="password"')
    assert 'action="/sso/oidc/kommun/login/"' in page


def test_local_passwords_off_leaves_only_break_glass(client, cast, admin_user, provider, settings):
    settings.LOCAL_PASSWORDS = False
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in with Exempelkommun" in page and 'name="password"' not in page
    assert 'name="password"' in client.get(f"{LOGIN}?break-glass").content.decode()
    refused = sign_in(client, "reporter")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    admin_user.set_password(PASSWORD)
    admin_user.save()
    assert sign_in(client, admin_user.username).status_code == 302
    assert "_auth_user_id" in client.session


def test_the_login_page_lets_its_buttons_leave_for_the_providers(client, provider):
    policy = client.get(LOGIN)["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert "https://idp.kommun.example" in form_action and "'self'" in form_action
