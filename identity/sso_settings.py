"""Settings for single sign-on and the second factor, read from the environment and imported
by config/settings.py (docs/identity.md says what each one does).

Identity providers come from ``SSO_PROVIDERS`` (a JSON list, below) and from the admin's
*Social applications* (django-allauth's ``SocialApp``), several of each at once.
"""

import json
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.Env()

# Local passwords on the login page. Off: single sign-on only, except for superusers, who keep
# a password for when the identity provider is down (break-glass, docs/identity.md).
LOCAL_PASSWORDS = _env.bool("LOCAL_PASSWORDS", default=True)
# The second factor for privileged roles (identity.second_factor). On unless turned off; a
# deployment with DEBUG=false that turns it off is warned by `check --deploy` (identity.W002).
REQUIRE_SECOND_FACTOR = _env.bool("REQUIRE_SECOND_FACTOR", default=not _env.bool("DEBUG", default=True))
# What an identity provider may assert to count as a second factor: OIDC ``amr`` values and
# ``acr`` values, SAML AuthnContextClassRef values (docs/identity.md).
SSO_MFA_AMR = _env.list("SSO_MFA_AMR", default=["mfa", "otp", "hwk", "swk", "sc", "fido", "rsa"])
SSO_MFA_ACR = _env.list(
    "SSO_MFA_ACR",
    default=[
        "http://schemas.microsoft.com/claims/multipleauthn",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
        "http://id.elegnamnden.se/loa/1.0/loa3",
        "http://id.elegnamnden.se/loa/1.0/loa4",
        "http://id.swedenconnect.se/loa/1.0/uncertified-loa3",
    ],
)
# Session lifetime (seconds from signing in, however busy: identity.sessions), the idle limit
# (minutes without a request; 0 for none; 30 by default when DEBUG is off) and whether closing
# the browser ends the session.
SESSION_COOKIE_AGE = _env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_IDLE_TIMEOUT = _env.int("SESSION_IDLE_TIMEOUT", default=0 if _env.bool("DEBUG", default=True) else 30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = _env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)


def _providers(text):
    """``SSO_PROVIDERS``: ``[{"protocol": "oidc", "id": "entra", "name": "Exempelkommun",
    "server_url": "https://login.microsoftonline.com/<tenant>/v2.0", "client_id": "...",
    "secret": "...", "claims": {...}}, {"protocol": "saml", "id": "adfs", "name": "...",
    "metadata_url": "https://adfs.kommun.se/FederationMetadata/2007-06/FederationMetadata.xml",
    "entity_id": "http://adfs.kommun.se/adfs/services/trust", "attributes": {...}}]``."""
    try:
        entries = json.loads(text or "[]")
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"SSO_PROVIDERS is not JSON: {error}") from error
    oidc, saml = [], []
    for entry in entries:
        protocol, ident = entry.get("protocol"), entry.get("id")
        if protocol not in ("oidc", "saml") or not ident:
            raise ImproperlyConfigured(
                "SSO_PROVIDERS: every entry needs a protocol (oidc or saml) and an id."
            )
        settings = {"claims": entry.get("claims", {}), "mfa_by_idp": entry.get("mfa_by_idp", True)}
        if protocol == "oidc":
            settings.update(server_url=entry["server_url"], oauth_pkce_enabled=True)
            oidc.append(
                {
                    "provider_id": ident,
                    "name": entry.get("name", ident),
                    "client_id": entry["client_id"],
                    "secret": entry.get("secret", ""),
                    "settings": settings,
                }
            )
        else:
            idp = {"entity_id": entry["entity_id"]}
            if entry.get("metadata_url"):
                idp["metadata_url"] = entry["metadata_url"]
            else:
                idp.update(sso_url=entry["sso_url"], x509cert=entry["x509cert"])
                if entry.get("slo_url"):
                    idp["slo_url"] = entry["slo_url"]
            settings.update(
                idp=idp,
                attribute_mapping=entry.get("attribute_mapping", {}),
                advanced={
                    "want_assertion_signed": True,
                    "reject_idp_initiated_sso": True,
                    **entry.get("advanced", {}),
                },
                sp={"entity_id": entry["sp_entity_id"]} if entry.get("sp_entity_id") else {},
            )
            if not settings["attribute_mapping"]:
                del settings["attribute_mapping"]
            saml.append({"client_id": ident, "name": entry.get("name", ident), "settings": settings})
    return oidc, saml


_OIDC_APPS, _SAML_APPS = _providers(_env.str("SSO_PROVIDERS", default=""))
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"APPS": _OIDC_APPS, "OAUTH_PKCE_ENABLED": True},
    "saml": {"APPS": _SAML_APPS},
}
# The browser leaves for the identity provider after posting the sign-in button: the
# content-security policy's form-action must allow the providers' origins (config/settings.py).
SSO_FORM_ACTION_ORIGINS = sorted(
    {
        f"{parts.scheme}://{parts.netloc}"
        for url in [a["settings"]["server_url"] for a in _OIDC_APPS]
        + [
            a["settings"]["idp"].get("sso_url", a["settings"]["idp"].get("metadata_url", ""))
            for a in _SAML_APPS
        ]
        # Signing out posts here and is redirected to the provider's single logout.
        + [a["settings"]["idp"].get("slo_url", "") for a in _SAML_APPS]
        + _env.list("SSO_FORM_ACTION_ORIGINS", default=[])
        if (parts := urlsplit(url)).netloc
    }
)

ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "identity.adapters.DirectoryAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Users come from the directory without a form: the identity provider's claims fill the account.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# The second factor: an app's six-digit codes (TOTP), recovery codes, and passkeys or security
# keys (WebAuthn; the browser needs a secure context: HTTPS, or http://localhost).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Whether the passkey must check who holds it (PIN or biometrics): "required", "preferred" or
# "discouraged" (WebAuthn's userVerification).
MFA_WEBAUTHN_USER_VERIFICATION = _env.str("MFA_WEBAUTHN_USER_VERIFICATION", default="preferred")
# django-allauth refuses a second factor to an account with an unverified e-mail address, for
# sites where anyone signs up; here accounts come from the directory or an administrator.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = _env.str("MFA_TOTP_ISSUER", default="Kvalitetsärenden")
