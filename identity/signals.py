"""Every sign-in, failed sign-in and in the audit trail (second-factor enrolment: identity.views.EnrolView), and the
second factor asked for where the policy wants one (identity.second_factor)."""

import time

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from cases import audit
from identity import second_factor
from identity.adapters import SAML_LOGOUT, SIGNED_IN_AT
from identity.single_logout import OIDC_LOGOUT


def _is_real_request(request):
    """A sign-in over HTTP; the test client's ``login``/``force_login`` build a bare request."""
    return request is not None and getattr(request, "method", None) is not None


@receiver(user_logged_in, dispatch_uid="identity.signed_in")
def signed_in(sender, request, user, **kwargs):
    if not _is_real_request(request):
        return
    person = getattr(request, "_identity_person", None)
    if person is not None:
        method, provider, idp_mfa = "sso", person.provider, person.mfa
    else:
        method, provider, idp_mfa = "password", "", False
    # django-allauth's pages that change the second factor ask for a recent sign-in (identity.adapters).
    request.session[SIGNED_IN_AT] = time.time()
    # What a SAML single logout names (identity.views.LogoutView); none for other sign-ins.
    saml_logout = getattr(request, "_identity_saml_logout", None)
    if saml_logout:
        request.session[SAML_LOGOUT] = saml_logout
    # The ID token and end-session endpoint an OIDC logout sends back (identity.single_logout).
    oidc_logout = getattr(request, "_identity_oidc_logout", None)
    if oidc_logout:
        request.session[OIDC_LOGOUT] = oidc_logout
    required = second_factor.on_sign_in(request, user, idp_mfa=idp_mfa)
    audit.record(
        "identity.signed_in",
        actor=user,
        obj=user,
        payload={
            "method": method,
            "provider": provider,
            "idp_mfa": idp_mfa,
            "second_factor_required": required,
        },
    )


@receiver(user_login_failed, dispatch_uid="identity.sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    if not _is_real_request(request):
        return
    # The typed username is not written: it may be a mistyped password. django-axes keeps the
    # attempt itself (docs/identity.md).
    audit.record("identity.sign_in_failed", payload={"method": "password", "path": request.path})
