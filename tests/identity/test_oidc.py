"""Single sign-on by OpenID Connect against a real provider on 127.0.0.1 (tests/identity/
oidc_provider.py): the authorization-code flow with PKCE and a signed ID token, users and
roles from the directory, leavers refused, and the second factor's policy for SSO."""

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from django.test import Client, override_settings

from cases.models import AuditEvent, Role, User
from cases.services import do_grant_role
from identity.models import DirectoryGrant, GroupRoleMapping, UnitCodeMapping
from identity.second_factor import GIVEN, PENDING
from identity.single_logout import OIDC_LOGOUT
from tests.identity.oidc_provider import LocalOpenIDProvider, other_key_set

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/sso/oidc/kommun/login/callback/"
ANNA = {
    "sub": "anna-123",
    "email": "anna.andersson@kommun.example",
    "given_name": "Anna",
    "family_name": "Andersson",
}


@pytest.fixture
def op():
    with LocalOpenIDProvider(
        "kvalitet", "hemlig-klienthemlighet", CALLBACK, "http://testserver/"
    ) as provider:
        provider.people["anna"] = ANNA
        provider.signed_in = "anna"
        yield provider


@pytest.fixture
def app(op):
    # Configured in the admin, as an operator would (the environment's SSO_PROVIDERS is the other way).
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="kommun",
        name="Exempelkommun",
        client_id="kvalitet",
        secret="hemlig-klienthemlighet",
        settings={"server_url": op.issuer, "oauth_pkce_enabled": True},
    )


@pytest.fixture
def mappings(org):
    UnitCodeMapping.objects.create(code="KST-4711", unit=org.unit_a)
    GroupRoleMapping.objects.create(group="sg-kvalitet-sas", role=Role.SAS, unit=org.sn)
    GroupRoleMapping.objects.create(group="sg-chefer-a", role=Role.UNIT_MANAGER, unit=org.unit_a)


def sign_in(client, op, claims, *, expect_ok=True):
    """The browser's part: the sign-in button, the provider's answer, back to the callback."""
    op.extra_claims = claims
    started = client.post("/sso/oidc/kommun/login/")
    assert started.status_code == 302, started
    location = started["Location"]
    assert location.startswith(f"{op.browser_origin}/authorize?")
    assert "code_challenge=" in location and "code_challenge_method=S256" in location
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.url.startswith("http://127.0.0.1")
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK)
    return client.get(back[len("http://testserver") :])


def holds(user, role, unit):
    return user.groups.filter(name=f"{role}@{unit.pk}").exists()


def test_first_sign_in_creates_the_user_from_the_directory(client, op, app, mappings, org):
    directory = {"employee_id": "E-1001", "unit_code": "KST-4711", "groups": ["sg-kvalitet-sas", "sg-annat"]}
    response = sign_in(client, op, directory)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="anna.andersson@kommun.example")
    assert (user.first_name, user.last_name, user.home_unit) == ("Anna", "Andersson", org.unit_a)
    assert user.directory.employee_id == "E-1001" and user.directory.provider == "kommun"
    assert not user.has_usable_password()
    assert holds(user, Role.SAS, org.sn) and not holds(user, Role.UNIT_MANAGER, org.unit_a)
    assert DirectoryGrant.objects.filter(user=user, role=Role.SAS, unit=org.sn).exists()
    # The grant went through do_grant_role (audited), and the sign-in itself is audited.
    assert AuditEvent.objects.filter(
        action="role.granted", payload__user=user.pk, payload__role="sas"
    ).exists()
    assert AuditEvent.objects.filter(action="identity.user_created", object_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(action="identity.directory_synced", object_id=str(user.pk)).exists()
    signed_in = AuditEvent.objects.get(action="identity.signed_in", object_id=str(user.pk))
    assert signed_in.payload["method"] == "sso" and signed_in.payload["provider"] == "kommun"
    # PKCE: the token request carried the verifier for the challenge sent to /authorize.
    assert op.token_requests[-1].get("code_verifier")
    assert client.get("/").wsgi_request.user == user


def test_the_next_sign_in_follows_the_directory_and_keeps_manual_grants(client, op, app, mappings, org):
    sign_in(client, op, {"unit_code": "KST-4711", "groups": ["sg-kvalitet-sas"]})
    user = User.objects.get(email=ANNA["email"])
    # An administrator grants a role by hand: the directory never takes it away.
    do_grant_role(user, Role.UNIT_MANAGER, org.unit_b, acting_user=None)
    client.logout()

    op.people["anna"] = {**ANNA, "family_name": "Berg"}
    sign_in(client, op, {"unit_code": "KST-4711", "groups": ["sg-chefer-a"]})
    user.refresh_from_db()
    assert user.last_name == "Berg"
    assert not holds(user, Role.SAS, org.sn)
    assert holds(user, Role.UNIT_MANAGER, org.unit_a)
    assert holds(user, Role.UNIT_MANAGER, org.unit_b)
    assert set(DirectoryGrant.objects.filter(user=user).values_list("role", "unit")) == {
        (Role.UNIT_MANAGER, org.unit_a.pk)
    }
    assert AuditEvent.objects.filter(
        action="role.revoked", payload__user=user.pk, payload__role="sas"
    ).exists()
    synced = AuditEvent.objects.filter(action="identity.directory_synced", object_id=str(user.pk)).last()
    assert synced.payload["revoked"] == [["sas", org.sn.pk]]
    assert synced.payload["granted"] == [["unit_manager", org.unit_a.pk]]


def test_a_mapping_edited_by_the_person_gives_them_no_case_reading_role(client, op, app, org):
    sign_in(client, op, {"groups": []})
    user = User.objects.get(email=ANNA["email"])
    GroupRoleMapping.objects.create(group="sg-egen", role=Role.SAS, unit=org.sn, changed_by=user)
    client.logout()
    sign_in(client, op, {"groups": ["sg-egen"]})
    assert not holds(user, Role.SAS, org.sn)
    synced = AuditEvent.objects.filter(action="identity.directory_synced", object_id=str(user.pk)).last()
    assert synced.payload["refused_own_mappings"]


def test_a_leaver_is_deactivated_and_refused(client, op, app, mappings, org):
    sign_in(client, op, {"groups": ["sg-kvalitet-sas"]})
    user = User.objects.get(email=ANNA["email"])
    client.logout()
    refused = sign_in(client, op, {"groups": ["sg-kvalitet-sas"], "active": False})
    assert refused.status_code == 403
    assert "closed" in refused.content.decode() or "stängt" in refused.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEvent.objects.filter(action="user.deactivated", object_id=str(user.pk)).exists()
    assert not client.get("/").wsgi_request.user.is_authenticated
    # Deactivated here, the account stays closed even if the directory answers active again.
    again = sign_in(client, op, {"groups": ["sg-kvalitet-sas"]})
    assert again.status_code == 403
    assert not client.get("/").wsgi_request.user.is_authenticated


@override_settings(REQUIRE_SECOND_FACTOR=True)
def test_a_privileged_sso_sign_in_needs_the_local_second_factor_unless_the_provider_asserts_one(
    client, op, app, mappings, org
):
    sign_in(client, op, {"groups": ["sg-kvalitet-sas"], "amr": ["pwd"]})
    assert client.session.get(PENDING) is True
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/second-factor/")
    client.logout()

    sign_in(client, op, {"groups": ["sg-kvalitet-sas"], "amr": ["pwd", "mfa"]})
    assert client.session.get(PENDING) is None and client.session.get(GIVEN) == "identity_provider"
    assert client.get("/").status_code == 200


def test_a_reporter_from_the_directory_is_never_asked_for_a_second_factor(client, op, app, org):
    with override_settings(REQUIRE_SECOND_FACTOR=True):
        sign_in(client, op, {"groups": []})
        assert client.get("/").status_code == 200


def test_an_unknown_provider_is_not_found(client, app):
    assert client.post("/sso/oidc/okand/login/").status_code == 404


def test_a_wrong_client_secret_is_refused_with_a_clear_message(client, op, app):
    app.secret = "fel-hemlighet"
    app.save()
    response = sign_in(client, op, {})
    assert response.status_code == 401
    assert (
        "could not be accepted" in response.content.decode()
        or "kunde inte godtas" in response.content.decode()
    )
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(action="identity.sign_in_failed").exists()


def test_an_id_token_from_another_issuer_is_refused_with_a_clear_message(client, op, app, mappings):
    # The provider answers discovery and signs its tokens as another issuer than the address
    # this service was configured with: django-allauth's own check (token against discovery)
    # passes, identity.adapters refuses.
    op.provider.configuration_information["issuer"] = "https://elsewhere.example"
    response = sign_in(client, op, {"unit_code": "KST-4711"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "another issuer" in text or "en annan utfärdare" in text
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert not User.objects.filter(email=ANNA["email"]).exists()
    refused = AuditEvent.objects.get(action="identity.sign_in_refused")
    assert refused.payload == {"provider": "kommun", "reason": "unknown_issuer"}


def test_a_provider_whose_issuer_differs_from_its_address_is_named_in_its_settings(client, op, app, mappings):
    op.provider.configuration_information["issuer"] = "https://elsewhere.example"
    app.settings = {**app.settings, "issuer": "https://elsewhere.example/"}
    app.save()
    response = sign_in(client, op, {"unit_code": "KST-4711"})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.email == ANNA["email"]


def form_action(response):
    policy = response["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("form-action"))


def test_signing_out_signs_out_at_the_provider_too(client, op, app, mappings, caplog):
    """RP-initiated logout: the session ends here and the browser goes to the provider's
    end_session_endpoint with the ID token as id_token_hint; pyop checks the token's signature,
    ends its own session for the subject and sends the browser back to the registered address."""
    with caplog.at_level(logging.DEBUG):
        sign_in(client, op, {"groups": ["sg-kvalitet-sas"]})
        id_token = client.session[OIDC_LOGOUT]["id_token"]
        assert id_token.count(".") == 2  # the signed JWT as the provider issued it
        page = client.get("/")
        assert page.status_code == 200 and id_token not in page.content.decode()
        # The logout button's redirect may leave for the provider (the app is the admin's).
        assert op.browser_origin in form_action(page)
        assert op.provider.authz_state.access_tokens  # the provider's session for Anna
        out = client.post("/accounts/logout/")
        assert out.status_code == 302
        assert not client.get("/").wsgi_request.user.is_authenticated
        location = urlsplit(out["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{op.browser_origin}/logout"
        assert parse_qs(location.query) == {
            "id_token_hint": [id_token],
            "client_id": ["kvalitet"],
            "post_logout_redirect_uri": ["http://testserver/"],
        }
        # This service's part is done: none of its log lines holds the token (the provider's
        # libraries, in this process for the test, log what they issue).
        ours = [r for r in caplog.records if not r.name.startswith(("pyop", "oic", "jwkest"))]
        assert ours and all(id_token not in r.getMessage() for r in ours)
    answer = requests.get(out["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"].rstrip("?") == "http://testserver/"
    assert op.logouts and not op.provider.authz_state.access_tokens
    # Nor does any audit row.
    assert all(id_token not in json.dumps(event.payload) for event in AuditEvent.objects.all())


def test_a_forged_id_token_hint_is_refused_by_the_provider(client, op, app):
    """What the browser carries to the provider is the provider's own signed token: pyop refuses
    a hint whose signature does not hold (so the hint cannot be made up)."""
    sign_in(client, op, {})
    out = client.post("/accounts/logout/")
    header, body, signature = parse_qs(urlsplit(out["Location"]).query)["id_token_hint"][0].split(".")
    forged = out["Location"].replace(signature, signature[::-1])
    refused = requests.get(forged, allow_redirects=False, timeout=10)
    assert refused.status_code == 400, refused.text
    assert "signature" in refused.json()["detail"].lower(), refused.text
    assert not op.logouts
    assert op.provider.authz_state.access_tokens


def test_without_an_end_session_endpoint_signing_out_stays_here_and_no_token_is_kept(client, op, app):
    del op.provider.configuration_information["end_session_endpoint"]
    sign_in(client, op, {})
    assert OIDC_LOGOUT not in client.session
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/"
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_provider_removed_since_the_sign_in_is_not_visited_at_logout(client, op, app):
    sign_in(client, op, {})
    app.delete()
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/"


@override_settings(REQUIRE_SECOND_FACTOR=True)
def test_a_role_the_directory_grants_at_a_sign_in_elsewhere_asks_this_session_for_the_second_factor(
    client, op, app, mappings, org
):
    """Anna is signed in without a second factor as a reporter; signing in on another computer,
    the directory maps her new group to SAS. This session asks for the second factor next."""
    sign_in(client, op, {"groups": []})
    assert client.get("/").status_code == 200
    elsewhere = Client()
    sign_in(elsewhere, op, {"groups": ["sg-kvalitet-sas"], "amr": ["mfa"]})
    assert elsewhere.get("/").status_code == 200  # there, the provider asserted MFA
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/second-factor/")
    assert client.session[PENDING] is True


def refused_clearly(response):
    text = response.content.decode()
    return response.status_code in (400, 401, 403) and (
        "could not be accepted" in text or "kunde inte godtas" in text
    )


def test_an_id_token_the_providers_keys_did_not_sign_is_refused(client, op, app, mappings):
    """The provider's published keys are not the ones that signed the token (an impostor's key
    set): the signature is checked even though the token came over TLS from the token endpoint."""
    op.published_jwks = other_key_set()
    response = sign_in(client, op, {"groups": ["sg-kvalitet-sas"]})
    assert refused_clearly(response)
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert not User.objects.filter(email=ANNA["email"]).exists()
    assert AuditEvent.objects.filter(action="identity.sign_in_failed", payload__provider="kommun").exists()


def test_an_expired_id_token_is_refused(client, op, app, mappings):
    op.id_token_changes = {"iat": 1_700_000_000, "exp": 1_700_003_600}
    response = sign_in(client, op, {"groups": ["sg-kvalitet-sas"]})
    assert refused_clearly(response)
    assert not User.objects.filter(email=ANNA["email"]).exists()


def test_an_id_token_for_another_audience_is_refused(client, op, app, mappings):
    op.id_token_changes = {"aud": ["annan-tjanst"]}
    response = sign_in(client, op, {"groups": ["sg-kvalitet-sas"]})
    assert refused_clearly(response)
    assert not User.objects.filter(email=ANNA["email"]).exists()


def test_a_replayed_answer_is_refused(client, op, app, mappings):
    """The provider's answer (code and state) carried to the callback a second time, by this
    browser after signing out or by another: the state was used up, and the provider would not
    exchange the code twice either."""
    op.extra_claims = {}
    started = client.post("/sso/oidc/kommun/login/")
    back = requests.get(started["Location"], allow_redirects=False, timeout=10).headers["Location"]
    path = back[len("http://testserver") :]
    assert client.get(path).status_code == 302
    client.logout()
    for browser in (client, Client()):
        replayed = browser.get(path)
        assert refused_clearly(replayed)
        assert not browser.get("/").wsgi_request.user.is_authenticated


def test_a_leaver_deactivated_by_an_administrator_loses_the_open_session_at_once(client, op, app, org):
    """Without SCIM, a leaver is closed by the directory at the next sign-in or by an
    administrator: deactivation ends the sessions already open at their next request."""
    from cases.services import do_deactivate_user

    sign_in(client, op, {"unit_code": "KST-4711"})
    user = User.objects.get(email=ANNA["email"])
    assert client.get("/").wsgi_request.user == user
    do_deactivate_user(user, acting_user=None)
    assert not client.get("/").wsgi_request.user.is_authenticated
