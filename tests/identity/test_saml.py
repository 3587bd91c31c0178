"""Single sign-on by SAML 2.0 (SP-initiated, signed assertions) with pysaml2's identity
provider (tests/identity/saml_idp.py): users and roles from the directory's attributes, the
second factor from AuthnContextClassRef, and the answers that must be refused: another
provider's signature, an expired assertion, a replayed one, one for another audience."""

import datetime

import pytest
import time_machine
from allauth.socialaccount.models import SocialApp
from django.test import override_settings

from cases.models import AuditEvent, Role, User
from identity.adapters import SAML_LOGOUT
from identity.models import GroupRoleMapping, UnitCodeMapping
from identity.second_factor import GIVEN, PENDING
from tests.identity.saml_idp import (
    ENTITY_ID,
    SLO_URL,
    SSO_URL,
    TWO_FACTOR_CONTEXT,
    LocalSAMLIdentityProvider,
    require_xmlsec1,
)

pytestmark = pytest.mark.django_db

OTHER_SERVICE = "https://annan-tjanst.example/saml/metadata"
SLS = "http://testserver/sso/saml/adfs/sls/"
GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
ANNA = {
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ["anna.andersson@kommun.example"],
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ["Anna"],
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ["Andersson"],
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/employeeid": ["E-1001"],
    "http://schemas.xmlsoap.org/claims/department": ["KST-4711"],
}


def _app(certificate):
    return SocialApp.objects.create(
        provider="saml",
        provider_id="",
        name="Exempelkommun (AD FS)",
        client_id="adfs",
        settings={
            "idp": {"entity_id": ENTITY_ID, "sso_url": SSO_URL, "x509cert": certificate},
            "advanced": {
                "want_assertion_signed": True,
                "want_message_signed": True,
                "allow_single_label_domains": True,  # the test client's host is "testserver"
            },
        },
    )


@pytest.fixture
def idp(db, client):
    require_xmlsec1()
    client.defaults["HTTP_HOST"] = "testserver"  # a browser always sends it; python3-saml reads it
    app = _app("")
    metadata = client.get("/sso/saml/adfs/metadata/")
    assert metadata.status_code == 200
    # The provider also serves another service, whose audience an answer must not be taken for.
    provider = LocalSAMLIdentityProvider(metadata.content, other_services=[OTHER_SERVICE])
    app.settings["idp"]["x509cert"] = provider.certificate
    app.save()
    yield provider
    provider.close()


@pytest.fixture
def mappings(org):
    UnitCodeMapping.objects.create(code="KST-4711", unit=org.unit_a)
    GroupRoleMapping.objects.create(group="sg-kvalitet-sas", role=Role.SAS, unit=org.sn)
    GroupRoleMapping.objects.create(group="sg-chefer-a", role=Role.UNIT_MANAGER, unit=org.unit_a)


def start(client):
    started = client.post("/sso/saml/adfs/login/")
    assert started.status_code == 302 and started["Location"].startswith(SSO_URL)
    return started["Location"]


def finish(client, destination, fields):
    assert destination == "http://testserver/sso/saml/adfs/acs/"
    posted = client.post("/sso/saml/adfs/acs/", fields)
    assert posted.status_code == 302
    return client.get(posted["Location"])


def sign_in(client, idp, groups, **answer):
    destination, fields = idp.answer(start(client), {**ANNA, GROUPS: groups}, **answer)
    return finish(client, destination, fields)


def holds(user, role, unit):
    return user.groups.filter(name=f"{role}@{unit.pk}").exists()


def refused_clearly(response):
    """The provider's error page says the answer was not accepted, and the refusal is audited."""
    text = response.content.decode()
    return ("kunde inte godtas" in text or "could not be accepted" in text) and AuditEvent.objects.filter(
        action="identity.sign_in_failed"
    ).exists()


def signed_in(client):
    return client.get("/").wsgi_request.user.is_authenticated


def test_first_sign_in_creates_the_user_and_the_next_follows_the_groups(client, idp, mappings, org):
    response = sign_in(client, idp, ["sg-kvalitet-sas"])
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="anna.andersson@kommun.example")
    assert (user.first_name, user.last_name, user.home_unit) == ("Anna", "Andersson", org.unit_a)
    assert user.directory.employee_id == "E-1001" and user.directory.provider == "adfs"
    assert holds(user, Role.SAS, org.sn)
    assert AuditEvent.objects.filter(
        action="role.granted", payload__user=user.pk, payload__role="sas"
    ).exists()
    client.logout()

    sign_in(client, idp, ["sg-chefer-a"])
    user.refresh_from_db()
    assert not holds(user, Role.SAS, org.sn) and holds(user, Role.UNIT_MANAGER, org.unit_a)
    assert AuditEvent.objects.filter(
        action="role.revoked", payload__user=user.pk, payload__role="sas"
    ).exists()


@override_settings(REQUIRE_SECOND_FACTOR=True)
def test_the_authn_context_decides_whether_the_local_second_factor_is_asked(client, idp, mappings):
    sign_in(client, idp, ["sg-kvalitet-sas"])
    assert client.session.get(PENDING) is True
    client.logout()
    sign_in(client, idp, ["sg-kvalitet-sas"], context=TWO_FACTOR_CONTEXT)
    assert client.session.get(PENDING) is None and client.session[GIVEN] == "identity_provider"


def test_a_replayed_assertion_is_refused(client, idp, mappings):
    destination, fields = idp.answer(start(client), {**ANNA, GROUPS: []})
    assert finish(client, destination, fields).status_code == 302
    client.logout()
    replayed = finish(client, destination, fields)
    assert replayed.status_code == 401
    assert (
        "kunde inte godtas" in replayed.content.decode()
        or "could not be accepted" in replayed.content.decode()
    )
    assert not signed_in(client)
    assert AuditEvent.objects.filter(
        action="identity.sign_in_failed", payload__detail="unknown_request"
    ).exists()


def test_an_assertion_signed_by_another_key_is_refused(client, idp, mappings):
    impostor = LocalSAMLIdentityProvider(client.get("/sso/saml/adfs/metadata/").content, key_name="impostor")
    try:
        destination, fields = impostor.answer(start(client), {**ANNA, GROUPS: ["sg-kvalitet-sas"]})
    finally:
        impostor.close()
    refused = finish(client, destination, fields)
    assert refused.status_code in (200, 401)
    assert (
        "kunde inte godtas" in refused.content.decode() or "could not be accepted" in refused.content.decode()
    )
    assert not signed_in(client) and not User.objects.filter(email="anna.andersson@kommun.example").exists()
    assert AuditEvent.objects.filter(action="identity.sign_in_failed").exists()


def test_an_expired_assertion_is_refused(client, idp, mappings):
    destination, fields = idp.answer(start(client), {**ANNA, GROUPS: []})
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=20)):
        refused = finish(client, destination, fields)
    assert refused.status_code in (200, 401)
    assert refused_clearly(refused)
    assert not signed_in(client)


def test_an_assertion_for_another_audience_is_refused(client, idp, mappings):
    destination, fields = idp.answer(start(client), {**ANNA, GROUPS: []}, audience=OTHER_SERVICE)
    refused = finish(client, destination, fields)
    assert refused.status_code in (200, 401)
    assert refused_clearly(refused)
    assert not signed_in(client)


def test_a_leaver_is_refused(client, idp, mappings):
    sign_in(client, idp, [])
    client.logout()
    destination, fields = idp.answer(start(client), {**ANNA, GROUPS: [], "active": ["false"]})
    refused = finish(client, destination, fields)
    assert refused.status_code == 403
    assert not User.objects.get(email="anna.andersson@kommun.example").is_active


def test_signing_out_signs_out_at_the_identity_provider_too(client, idp, mappings):
    """SP-initiated single logout: the session ends here, the browser carries a signed
    LogoutRequest for this sign-in's NameID and SessionIndex to the provider, whose signed
    LogoutResponse comes back to django-allauth's SLS endpoint."""
    app = SocialApp.objects.get(client_id="adfs")
    app.settings["idp"]["slo_url"] = SLO_URL
    app.save()
    sign_in(client, idp, ["sg-kvalitet-sas"])
    assert signed_in(client)
    # The logout button's redirect may leave for the provider (the app is the admin's).
    policy = client.get("/")["Content-Security-Policy"]
    assert "https://idp.kommun.example" in next(p for p in policy.split(";") if "form-action" in p)
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"].startswith(SLO_URL + "?SAMLRequest=")
    assert not signed_in(client)
    request, back = idp.logout_answer(out["Location"])
    assert request.name_id.text == "anna-123" and request.session_index
    assert back.startswith("http://testserver/sso/saml/adfs/sls/?SAMLResponse=")
    # A LogoutResponse whose signature does not hold is refused.
    tampered = back.replace("Signature=", "Signature=AAAA")
    assert client.get(tampered[len("http://testserver") :]).status_code == 400
    done = client.get(back[len("http://testserver") :])
    assert done.status_code == 302, done.content
    assert not signed_in(client)


def test_without_a_single_logout_service_signing_out_stays_here(client, idp, mappings):
    sign_in(client, idp, ["sg-kvalitet-sas"])
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and not out["Location"].startswith("https://idp.kommun.example")
    assert not signed_in(client)


def test_the_identity_provider_signing_out_ends_the_session_here(client, idp, mappings):
    """IdP-initiated single logout: the provider sends the browser with a signed LogoutRequest
    for this sign-in's NameID and SessionIndex to the single-logout endpoint; the session ends
    here and the browser goes back with a signed LogoutResponse that the provider accepts."""
    app = SocialApp.objects.get(client_id="adfs")
    app.settings["idp"]["slo_url"] = SLO_URL
    app.save()
    sign_in(client, idp, ["sg-kvalitet-sas"])
    kept = client.session[SAML_LOGOUT]
    assert signed_in(client)
    # An unsigned request, and one whose signature does not hold, are refused: the session stays.
    for forged in (
        idp.logout_request(SLS, kept["name_id"], kept["session_index"], sign=False),
        idp.logout_request(SLS, kept["name_id"], kept["session_index"]).replace(
            "Signature=", "Signature=AAAA"
        ),
    ):
        assert client.get(forged[len("http://testserver") :]).status_code == 400
        assert signed_in(client)
    location = idp.logout_request(SLS, kept["name_id"], kept["session_index"])
    assert location.startswith(SLS + "?SAMLRequest=")
    answer = client.get(location[len("http://testserver") :])
    assert answer.status_code == 302 and answer["Location"].startswith(SLO_URL + "?SAMLResponse=")
    assert not signed_in(client)
    response = idp.logout_response(answer["Location"])
    assert response.status_ok() and response.response.in_response_to
