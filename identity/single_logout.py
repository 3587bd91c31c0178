"""Single logout for OpenID Connect: RP-initiated logout (OpenID Connect RP-Initiated Logout
1.0). django-allauth's ``openid_connect`` provider signs in but never signs out at the provider,
and keeps no ID token; this module adds both:

- ``callback``: django-allauth's callback view with an adapter (``OIDCAdapter``, which also
  checks every ID token's signature) that, once allauth has checked
  the answer, keeps on the request the raw ID token and the provider's ``end_session_endpoint``
  (from its discovery document); identity.signals puts them in the session at sign-in, and
  only when the provider advertises the endpoint. The session is kept on the server
  (``django_session``): the token is never in a cookie, a page, a URL of this service or a log.
- ``oidc_logout_url``: where signing out sends the browser (identity.views.LogoutView): the
  provider's end-session endpoint with ``id_token_hint``, ``client_id`` and
  ``post_logout_redirect_uri`` (this service's address after signing out, to be registered at
  the provider), as the protocol asks.
- ``SingleLogoutPolicyMiddleware``: the logout button posts here and is redirected to the
  provider, so the content-security policy's ``form-action`` of a signed-in page names the
  origin signing out will leave for (the OIDC end-session endpoint, or the SAML single-logout
  service of identity.views.saml_logout_url), whether the provider came from the environment or
  the admin.
"""

from urllib.parse import urlsplit

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import Http404
from django.shortcuts import resolve_url
from django.utils.http import urlencode

OIDC_LOGOUT = "identity.oidc_logout"


class OIDCAdapter(OpenIDConnectOAuth2Adapter):
    """django-allauth's OpenID Connect adapter, noting what a later logout needs, and checking
    the ID token's signature against the provider's published keys always: django-allauth
    skips that check for a token fetched from the token endpoint over TLS (which OpenID Connect
    Core 3.1.3.7 allows); here a token the provider's keys did not sign is refused whatever
    the channel."""

    def _decode_id_token(self, app, id_token):
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        # Reached only after allauth has decoded and checked the ID token (issuer, audience,
        # expiry); the raw token is what id_token_hint must carry.
        end_session = self.openid_config.get("end_session_endpoint")
        id_token = (kwargs.get("response") or {}).get("id_token")
        if end_session and id_token:
            request._identity_oidc_logout = {
                "provider": self.provider_id,
                "client_id": app.client_id,
                "end_session_endpoint": end_session,
                "id_token": id_token,
            }
        return login


@login_not_required
def callback(request, provider_id):
    try:
        view = OAuth2CallbackView.adapter_view(OIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


def oidc_logout_url(request, kept):
    """The provider's end-session URL for the session's ``kept`` sign-in, or None when the
    provider is no longer configured."""
    from allauth.socialaccount.adapter import get_adapter

    apps = get_adapter().list_apps(request, provider="openid_connect")
    if not any((app.provider_id or app.provider) == kept["provider"] for app in apps):
        return None
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL or "/"))
    query = urlencode(
        {"id_token_hint": kept["id_token"], "client_id": kept["client_id"], "post_logout_redirect_uri": back}
    )
    separator = "&" if "?" in kept["end_session_endpoint"] else "?"
    return f"{kept['end_session_endpoint']}{separator}{query}"


def logout_origin(session):
    """The origin signing out of this session leaves for, if any."""
    from identity.adapters import SAML_LOGOUT

    url = (session.get(OIDC_LOGOUT) or {}).get("end_session_endpoint") or (
        session.get(SAML_LOGOUT) or {}
    ).get("slo_url", "")
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class SingleLogoutPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Read before the view may have ended the session (a logout's own answer is a redirect).
        if session is not None and (OIDC_LOGOUT in session or "identity.saml_logout" in session):
            origin = logout_origin(session)
            if origin:
                update = dict(getattr(response, "_csp_update", None) or {})
                update["form-action"] = [*update.get("form-action", []), origin]
                response._csp_update = update
        return response
