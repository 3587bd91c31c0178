"""The second factor that superusers and holders of privileged roles (identity.privilege)
give after signing in, when ``REQUIRE_SECOND_FACTOR`` is on (docs/identity.md):

- with a local password: always, a code from an authenticator app (TOTP) or a recovery code;
- through an identity provider: only when the provider did not assert that the person gave a
  second factor there (OIDC ``amr``/``acr``, SAML AuthnContextClassRef).

Until it is given, the session reaches only the second-factor pages and signing out; someone
without an authenticator is taken to enrol one (django-allauth's pages, then recovery codes).

A session that began without a second factor and whose user has since become privileged (a
role granted by an administrator, or by the directory at a sign-in elsewhere) is asked for it
at its next request, before any page of the new role: the middleware checks the user's roles
(``cases.access.role_scope``, computed once per request and reused by the page) on every
request of a session that has not given one.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from identity.privilege import is_privileged

PENDING = "identity.second_factor_pending"
GIVEN = "identity.second_factor"
# Paths a session waiting for its second factor may reach.
OPEN_PREFIXES = (
    "/accounts/second-factor/",
    "/accounts/logout/",
    "/sso/2fa/",
    "/sso/reauthenticate/",
    "/static/",
    "/i18n/",
    "/jsi18n/",
)


def on_sign_in(request, user, *, idp_mfa):
    """Answers whether a second factor is now asked for."""
    request.session.pop(PENDING, None)
    request.session.pop(GIVEN, None)
    if idp_mfa:
        request.session[GIVEN] = "identity_provider"
        return False
    if settings.REQUIRE_SECOND_FACTOR and is_privileged(user):
        request.session[PENDING] = True
        return True
    return False


def passed(request, how):
    if request.session.pop(PENDING, None):
        request.session[GIVEN] = how


def became_privileged(request):
    """Whether this session, signed in without a second factor, now belongs to someone who must
    give one (a privileged role granted since); if so it waits for it from now on."""
    session = request.session
    if not settings.REQUIRE_SECOND_FACTOR or session.get(GIVEN) or not is_privileged(request.user):
        return False
    session[PENDING] = True
    return True


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and request.user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and (session.get(PENDING) or became_privileged(request))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Give your second factor in the browser first.")}, status=403
                )
            return redirect(
                f"{reverse('identity_second_factor')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
