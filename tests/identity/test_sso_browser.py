"""Browser journeys (Debian's Chromium, as tests/e2e) through the local OpenID Provider: an
employee signs in with the municipality's identity, files a report and signs out here and at
the provider (RP-initiated logout); a SAS from the
directory, whose provider asserted no second factor, enrols an authenticator app and later
gives a recovery code. axe finds no WCAG 2.1 A/AA violation on the login page, the enrolment,
the recovery codes and the second-factor prompt, and the content-security policy holds."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.socialaccount.models import SocialApp
from django.utils import timezone

from cases.models import Report, Role, User
from identity.models import GroupRoleMapping, UnitCodeMapping
from tests.e2e.conftest import DESKTOP, browse, browser, e2e_cast, local_input, reference_data  # noqa: F401
from tests.identity.oidc_provider import LocalOpenIDProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def op(live_server):
    callback = f"{live_server.url}/sso/oidc/kommun/login/callback/"
    with LocalOpenIDProvider(
        "kvalitet", "hemlig-klienthemlighet", callback, f"{live_server.url}/"
    ) as provider:
        SocialApp.objects.create(
            provider="openid_connect",
            provider_id="kommun",
            name="Exempelkommun",
            client_id="kvalitet",
            secret="hemlig-klienthemlighet",
            settings={"server_url": provider.issuer, "form_action": [provider.browser_origin]},
        )
        yield provider


def person(op, key, given, family, **directory):
    op.people[key] = {
        "sub": f"{key}-sub",
        "email": f"{key}@kommun.example",
        "given_name": given,
        "family_name": family,
    }
    op.signed_in = key
    op.extra_claims = directory


def sign_in_with_the_provider(session, language):
    page = session.go("/accounts/login/")
    session.axe("login page with an identity provider")
    label = "Logga in med Exempelkommun" if language == "sv" else "Log in with Exempelkommun"
    page.click(f"button:has-text('{label}')")
    page.wait_for_load_state()
    return page


def test_an_employee_signs_in_with_the_municipality_files_a_report_and_signs_out_at_both(
    browse,  # noqa: F811
    e2e_cast,  # noqa: F811
    op,
    live_server,
):
    org, cast = e2e_cast
    UnitCodeMapping.objects.create(code="KST-4711", unit=org.unit_a)
    person(op, "eva", "Eva", "Ek", unit_code="KST-4711", groups=[])
    employee = browse(DESKTOP, "sv")
    page = sign_in_with_the_provider(employee, "sv")
    eva = User.objects.get(email="eva@kommun.example")
    assert eva.home_unit == org.unit_a
    page.click("a[href='/report/']")
    page.click("a[href='/report/deviation/']")
    page.select_option("select[name=unit]", str(org.unit_a.pk))
    page.fill("textarea[name=description]", "Larmet i lägenhet 4 gick inte fram till nattpersonalen.")
    page.fill("input[name=occurred_at]", local_input(timezone.now() - datetime.timedelta(hours=2)))
    page.click("main form:not(.lang):not(.logout) button[type=submit] >> nth=-1")
    page.wait_for_load_state()
    report = Report.objects.get(type="deviation", reporter=eva)
    assert report.case_number in page.inner_text("main")
    # Signing out signs out at the provider too (RP-initiated logout), and comes back here;
    # the form's redirect to the provider's origin is allowed by the page's policy.
    page.click("form.logout button[type=submit]")
    page.wait_for_load_state()
    assert len(op.logouts) == 1 and op.logouts[0]["client_id"] == "kvalitet"
    assert page.url.startswith(live_server.url)
    assert page.locator("form.logout").count() == 0  # signed out here too


def current_code(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_sas_from_the_directory_enrols_a_second_factor_and_later_gives_a_recovery_code(
    browse,  # noqa: F811
    e2e_cast,  # noqa: F811
    op,
    settings,
    language,
):
    org, cast = e2e_cast
    settings.REQUIRE_SECOND_FACTOR = True
    GroupRoleMapping.objects.create(group="sg-kvalitet-sas", role=Role.SAS, unit=org.sn)
    person(op, "siv", "Siv", "Sund", groups=["sg-kvalitet-sas"], amr=["pwd"])
    sas = browse(DESKTOP, language)
    page = sign_in_with_the_provider(sas, language)
    assert "/sso/2fa/totp/activate/" in page.url
    sas.axe("second-factor enrolment")
    secret = page.get_attribute("main img", "alt")
    page.fill("input[name=code]", current_code(secret))
    page.click("main form:not(.lang):not(.logout) button[type=submit] >> nth=-1")
    page.wait_for_load_state()
    assert "/sso/2fa/recovery-codes/" in page.url
    sas.axe("recovery codes")
    siv = User.objects.get(email="siv@kommun.example")
    assert Authenticator.objects.filter(user=siv, type=Authenticator.Type.TOTP).exists()
    page = sas.go("/inbox/")
    assert page.url.endswith("/inbox/")
    page.click("form.logout button[type=submit]")
    page.wait_for_load_state()

    codes = (
        Authenticator.objects.get(user=siv, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    )
    page = sign_in_with_the_provider(sas, language)
    assert "/accounts/second-factor/" in page.url
    sas.axe("second-factor prompt")
    page.fill("input[name=code]", codes[0])
    page.click("main form:not(.lang):not(.logout) button[type=submit] >> nth=0")
    page.wait_for_load_state()
    assert "/accounts/second-factor/" not in page.url and "/accounts/login/" not in page.url


def virtual_authenticator(session):
    """Chromium's virtual authenticator (DevTools protocol): a passkey on this device that
    verifies its holder and answers at once."""
    cdp = session.context.new_cdp_session(session.page)
    cdp.send("WebAuthn.enable")
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, answer["authenticatorId"]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_sas_enrols_a_passkey_and_signs_in_with_it(browse, e2e_cast, op, settings, language):  # noqa: F811
    from cases.models import AuditEvent

    org, cast = e2e_cast
    settings.REQUIRE_SECOND_FACTOR = True
    GroupRoleMapping.objects.create(group="sg-kvalitet-sas", role=Role.SAS, unit=org.sn)
    person(op, "siv", "Siv", "Sund", groups=["sg-kvalitet-sas"], amr=["pwd"])
    sas = browse(DESKTOP, language)
    cdp, authenticator_id = virtual_authenticator(sas)
    page = sign_in_with_the_provider(sas, language)
    assert "/sso/2fa/totp/activate/" in page.url
    instead = (
        "Använd en passkey eller säkerhetsnyckel i stället"
        if language == "sv"
        else "Use a passkey or security key instead"
    )
    page.click(f"a:has-text('{instead}')")
    page.wait_for_load_state()
    assert "/sso/2fa/webauthn/add/" in page.url
    sas.axe("passkey enrolment")
    page.click("#mfa_webauthn_add")
    page.wait_for_url("**/sso/2fa/recovery-codes/**")
    siv = User.objects.get(email="siv@kommun.example")
    assert Authenticator.objects.filter(user=siv, type=Authenticator.Type.WEBAUTHN).count() == 1
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1
    page = sas.go("/inbox/")
    assert page.url.endswith("/inbox/")
    page.click("form.logout button[type=submit]")
    page.wait_for_load_state()

    page = sign_in_with_the_provider(sas, language)
    assert "/accounts/second-factor/" in page.url
    sas.axe("second-factor prompt with a passkey")
    # A credential no authenticator of hers signed is refused, with the reason on the page.
    page.evaluate(
        """() => { document.querySelector("#webauthn_form input[name=credential]").value =
        JSON.stringify({id: "AAAA", rawId: "AAAA", type: "public-key", response: {}});
        document.getElementById("webauthn_form").submit(); }"""
    )
    page.wait_for_load_state()
    assert "/accounts/second-factor/" in page.url
    refused = (
        "Passkeyn eller säkerhetsnyckeln godtogs inte."
        if language == "sv"
        else "The passkey or security key was not accepted."
    )
    assert refused in page.inner_text("main")
    assert AuditEvent.objects.filter(action="identity.second_factor_failed", actor=siv).exists()
    sas.axe("second-factor prompt after a refused passkey")
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(lambda url: "/accounts/second-factor/" not in url)
    assert "/accounts/login/" not in page.url
    page = sas.go("/inbox/")
    assert page.url.endswith("/inbox/")
    given = AuditEvent.objects.filter(action="identity.second_factor_given", actor=siv).get()
    assert given.payload == {"type": "webauthn"}
