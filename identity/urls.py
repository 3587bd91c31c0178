"""The sign-in pages: the login page with its identity providers, the second factor, and the
parts of django-allauth this project uses (the providers' protocol endpoints, the second
factor's enrolment and recovery codes). django-allauth's own password, e-mail, sign-up and
connection pages are not mounted: passwords keep Django's pages (config/urls.py)."""

from allauth.account import views as account_views
from allauth.socialaccount import views as social_views
from allauth.urls import build_provider_urlpatterns
from django.urls import include, path
from django.views.generic import RedirectView

from identity import single_logout
from identity.views import FinishSAMLView, LoginView, LogoutView, SecondFactorView, enrol, enrol_key

accounts = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("second-factor/", SecondFactorView.as_view(), name="identity_second_factor"),
]

sso = [
    # django-allauth's names for pages this project keeps elsewhere.
    path("login/", RedirectView.as_view(pattern_name="login", query_string=True), name="account_login"),
    path("logout/", LogoutView.as_view(), name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/totp/activate/", enrol, name="mfa_activate_totp"),
    path("2fa/webauthn/add/", enrol_key, name="mfa_add_webauthn"),
    path("2fa/", include("allauth.mfa.urls")),
    path("3rdparty/login/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("3rdparty/login/error/", social_views.login_error, name="socialaccount_login_error"),
    path("3rdparty/signup/", social_views.signup, name="socialaccount_signup"),
    path("saml/<str:organization_slug>/acs/finish/", FinishSAMLView.as_view(), name="saml_finish_acs"),
    # django-allauth's OIDC callback, keeping what RP-initiated logout needs (identity.single_logout).
    path("oidc/<str:provider_id>/login/callback/", single_logout.callback, name="openid_connect_callback"),
    *build_provider_urlpatterns(),
]

# Pages no link leads to, with the reason (tests/crawl lists them as such; tests/identity reaches them).
NOT_CRAWLED = {
    "identity_second_factor": "asked for after a privileged sign-in when REQUIRE_SECOND_FACTOR is on",
    "account_login": "django-allauth's name for the login page: it redirects there",
    "account_inactive": "django-allauth's page for an inactive account; identity.adapters refuses them first",
    "account_reauthenticate": "asked for by django-allauth before the second factor is changed long after signing in",
    "mfa_index": "the second factor's own pages, reached from the enrolment after a privileged sign-in",
    "mfa_activate_totp": "reached from the second-factor prompt when no authenticator is enrolled",
    "mfa_deactivate_totp": "the second factor's own pages (tests/identity/test_second_factor.py)",
    "mfa_authenticate": "django-allauth's sign-in step, not used (identity.second_factor asks instead)",
    "mfa_reauthenticate": "asked for by django-allauth before the second factor is changed",
    "mfa_add_webauthn": "reached from the app's enrolment: a passkey or security key instead",
    "mfa_list_webauthn": "the second factor's own pages (the person's passkeys and security keys)",
    "mfa_edit_webauthn": "the second factor's own pages (renaming a passkey)",
    "mfa_remove_webauthn": "the second factor's own pages (removing a passkey)",
    "mfa_reauthenticate_webauthn": "asked for by django-allauth before the second factor is changed",
    "mfa_view_recovery_codes": "shown after enrolling a second factor",
    "mfa_generate_recovery_codes": "the second factor's own pages",
    "mfa_download_recovery_codes": "the second factor's own pages",
    "openid_connect_login": "the login page's buttons post to it (tests/identity/test_oidc.py)",
    "openid_connect_callback": "the identity provider sends the browser back to it",
    "saml_login": "the login page's buttons post to it (tests/identity/test_saml.py)",
    "saml_acs": "the identity provider posts the assertion to it",
    "saml_finish_acs": "django-allauth's second step after the assertion",
    "saml_sls": "the identity provider's single logout",
    "saml_metadata": "read by the identity provider's administrator when registering this service",
    "socialaccount_login_cancelled": "shown when a sign-in at the identity provider is cancelled",
    "socialaccount_login_error": "shown when a sign-in at the identity provider fails",
    "socialaccount_signup": "django-allauth's sign-up form; accounts come from the directory without it",
}
