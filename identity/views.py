"""The login page, the second-factor prompt, and the API's token endpoint (identity.tokens
has the tokens' rules)."""

from urllib.parse import urlsplit

from allauth.core.internal import httpkit
from allauth.mfa.totp.views import ActivateTOTPView
from allauth.mfa.webauthn.views import AddWebAuthnView
from allauth.socialaccount.providers.saml.views import FinishACSView
from allauth.socialaccount.sessions import LoginSession
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings

from cases import audit
from identity import second_factor
from identity.lockout import LockedOut
from identity.tokens import expires_at, issue, requires_second_factor


class TokenAnswer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenRequest(AuthTokenSerializer):
    code = serializers.CharField(
        label=_("Second-factor code"),
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_(
            "A code from your authenticator app, or a recovery code: required when your roles "
            "require a second factor."
        ),
    )


def second_factor_for_token(request, user, code):
    """The authenticator type a token request's ``code`` proves, for someone who must give a
    second factor; raises the API's 400 with a clear message otherwise. django-allauth checks
    the code (a used TOTP code is refused, and so are more than a few wrong codes for the user
    in a short time); nothing is kept in a session."""
    from allauth.mfa.base.forms import AuthenticateForm
    from allauth.mfa.models import Authenticator

    if not Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).exists():
        raise exceptions.ValidationError(
            {
                "code": [
                    _(
                        "Your roles require a second factor and you have no authenticator app. Sign in "
                        "in the browser and enrol one first."
                    )
                ]
            }
        )
    if not code:
        raise exceptions.ValidationError(
            {
                "code": [
                    _(
                        "Your roles require a second factor: send the code from your authenticator "
                        'app (or a recovery code) as "code" with your username and password.'
                    )
                ]
            }
        )
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        audit.record("identity.second_factor_failed", actor=user, obj=user, payload={})
        raise exceptions.ValidationError({"code": [str(e) for e in form.errors.get("code", [])]})
    form.authenticator.record_usage()
    return form.authenticator.type


class ObtainTokenView(ObtainAuthToken):
    """POST ``username`` and ``password`` (and ``code``, the second factor, for superusers and
    privileged roles when ``REQUIRE_SECOND_FACTOR`` is on): the token and when it expires.
    Sign-in lockouts (django-axes) count here as on the web login."""

    serializer_class = TokenRequest

    # Credentials are the body's alone: a stale ``Authorization`` header must not keep a client
    # from asking for a new token.
    authentication_classes = ()
    # DRF's view names its own parsers; the API's own (cases.api.parsers) refuse text that is not Unicode.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=TokenRequest,
        responses={
            200: TokenAnswer,
            400: OpenApiResponse(
                description="Wrong username or password, or the second factor's code missing or wrong."
            ),
            429: OpenApiResponse(description="Too many failed sign-ins: wait (Retry-After)."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes marks the request it was given, which is DRF's request here, so the
            # lockout is answered here rather than by its middleware.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(request)
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        second_factor_type = ""
        if requires_second_factor(user):
            second_factor_type = second_factor_for_token(request, user, serializer.validated_data.get("code"))
        token = issue(user, second_factor=second_factor_type)
        audit.record(
            "identity.api_token_issued", actor=user, obj=user, payload={"second_factor": second_factor_type}
        )
        return Response(TokenAnswer({"token": token.key, "expires_at": expires_at(token)}).data)


class LoginView(auth_views.LoginView):
    """The login page: "Log in with <organisation>" for each identity provider first, the
    local password form second, or only behind ``?break-glass`` when ``LOCAL_PASSWORDS`` is
    off (superusers' passwords still count then, identity.backends)."""

    def get_context_data(self, **kwargs):
        from allauth.socialaccount.adapter import get_adapter

        context = super().get_context_data(**kwargs)
        providers = get_adapter().list_providers(self.request)
        self.provider_origins = sorted(set().union(*(provider_origins(p) for p in providers)))
        context["identity_providers"] = [
            {"name": provider.name, "url": provider.get_login_url(self.request)} for provider in providers
        ]
        context["show_password_form"] = (
            settings.LOCAL_PASSWORDS or "break-glass" in self.request.GET or self.request.method == "POST"
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        # The buttons post here and are redirected to the providers: the content-security
        # policy's form-action follows the redirect, so it names their origins (the
        # environment's are in the setting already; these include the admin's).
        if getattr(self, "provider_origins", None):
            response._csp_update = {"form-action": self.provider_origins}
        return response


def provider_origins(provider):
    """The origins a provider's sign-in button sends the browser to: its issuer's, its SSO
    service's or its metadata's, and any its settings name in ``form_action`` (an authorization
    endpoint on another host)."""
    app_settings = provider.app.settings or {}
    idp = app_settings.get("idp") or {}
    urls = [app_settings.get("server_url") or idp.get("sso_url") or idp.get("metadata_url") or ""]
    urls += list(app_settings.get("form_action") or [])
    return {f"{parts.scheme}://{parts.netloc}" for url in urls if (parts := urlsplit(url)).netloc}


class SecondFactorView(LoginRequiredMixin, FormView):
    """The code from the authenticator app (or a recovery code), or a passkey or security key
    (WebAuthn), after signing in; without any of them, enrolment first (django-allauth's page)."""

    template_name = "identity/second_factor.html"

    def dispatch(self, request, *args, **kwargs):
        from allauth.mfa.models import Authenticator

        if (
            request.user.is_authenticated
            and not Authenticator.objects.filter(
                user=request.user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
            ).exists()
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': self._next(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def _has_keys(self):
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=self.request.user, type=Authenticator.Type.WEBAUTHN).exists()

    def get_form_class(self):
        # A passkey answers with a credential (the page's script fills it), the app with a code.
        if self.request.method == "POST" and "credential" in self.request.POST:
            from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm

            return AuthenticateWebAuthnForm
        from allauth.mfa.base.forms import AuthenticateForm

        return AuthenticateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    @staticmethod
    def _next(request):
        target = request.GET.get("next") or request.POST.get("next") or ""
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        context = {**super().get_context_data(**kwargs), "next": self._next(self.request)}
        if self._has_keys():
            from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm
            from allauth.mfa.webauthn.internal import auth

            context["webauthn_form"] = AuthenticateWebAuthnForm(user=self.request.user)
            context["js_data"] = {"request_options": auth.begin_authentication(self.request.user)}
        from allauth.mfa.base.forms import AuthenticateForm
        from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm

        if isinstance(context.get("form"), AuthenticateWebAuthnForm):
            # After a refused key, its error is told and the code form stays on the page.

            context["key_errors"] = context["form"].errors.get("credential", [])
            context["form"] = AuthenticateForm(user=self.request.user)
        return context

    def form_valid(self, form):
        form.save()
        authenticator = getattr(form, "authenticator", None) or form.cleaned_data["credential"]
        second_factor.passed(self.request, authenticator.type)
        audit.record(
            "identity.second_factor_given",
            actor=self.request.user,
            obj=self.request.user,
            payload={"type": authenticator.type},
        )
        return redirect(self._next(self.request))

    def form_invalid(self, form):
        audit.record(
            "identity.second_factor_failed", actor=self.request.user, obj=self.request.user, payload={}
        )
        return super().form_invalid(form)


class EnrolView(ActivateTOTPView):
    """django-allauth's TOTP enrolment; enrolling with a valid code also gives the second factor
    this session waits for, and is audited in the same transaction. Its QR code is an inline
    image (``data:``), allowed on this page alone."""

    def form_valid(self, form):
        response = super().form_valid(form)
        second_factor.passed(self.request, "enrolled")
        audit.record(
            "identity.mfa_enrolled", actor=self.request.user, obj=self.request.user, payload={"type": "totp"}
        )
        return response


enrol = csp_update({"img-src": ["data:"]})(EnrolView.as_view())


class EnrolKeyView(AddWebAuthnView):
    """django-allauth's enrolment of a passkey or security key (WebAuthn); as with the app,
    enrolling gives the second factor this session waits for, audited in the same transaction."""

    template_name = "identity/enrol_key.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        second_factor.passed(self.request, "enrolled")
        audit.record(
            "identity.mfa_enrolled",
            actor=self.request.user,
            obj=self.request.user,
            payload={"type": "webauthn"},
        )
        return response


enrol_key = EnrolKeyView.as_view()


class LogoutView(auth_views.LogoutView):
    """Signing out (POST). After a SAML sign-in whose identity provider has a single-logout
    service (``slo_url``), the session ends here and the browser is sent to the provider with a
    signed LogoutRequest naming the assertion's NameID and SessionIndex (SP-initiated single
    logout); the provider answers at django-allauth's SLS endpoint. After an OIDC sign-in whose
    provider advertises an ``end_session_endpoint``, the browser is sent there with the ID token
    as ``id_token_hint`` (identity.single_logout). Otherwise Django's logout."""

    def post(self, request, *args, **kwargs):
        from identity.adapters import SAML_LOGOUT
        from identity.single_logout import OIDC_LOGOUT, oidc_logout_url

        saml_logout = request.session.get(SAML_LOGOUT)
        oidc_logout = request.session.get(OIDC_LOGOUT)
        # The logout URLs are built before the session (and what it keeps) ends.
        target = saml_logout_url(request, saml_logout) if saml_logout else None
        if oidc_logout:
            target = oidc_logout_url(request, oidc_logout)
        response = super().post(request, *args, **kwargs)
        if target:
            return redirect(target)
        return response


def saml_logout_url(request, subject):
    """The identity provider's single-logout URL with this session's LogoutRequest, or None
    when the provider is gone or has no single-logout service."""
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.providers.saml.utils import build_auth

    apps = get_adapter().list_apps(request, provider="saml", client_id=subject["provider"])
    app = apps[0] if apps else None
    if app is None or not (app.settings.get("idp") or {}).get("slo_url"):
        return None
    auth = build_auth(request, app.get_provider(request))
    return auth.logout(
        return_to=request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL or "/")),
        name_id=subject["name_id"],
        session_index=subject["session_index"],
        nq=subject["name_id_nq"],
        name_id_format=subject["name_id_format"],
        spnq=subject["name_id_spnq"],
    )


class FinishSAMLView(FinishACSView):
    """django-allauth's second step after a SAML assertion, keeping the validated response
    within reach of identity.adapters, which reads its AuthnContextClassRef (whether the
    identity provider asserted a second factor)."""

    def dispatch(self, request, organization_slug):
        stored = LoginSession(request, "saml_acs_session", "saml-acs-session").store.get("request")
        if stored:
            request._identity_saml_response = httpkit.deserialize_request(stored, HttpRequest()).POST.get(
                "SAMLResponse", ""
            )
        try:
            return super().dispatch(request, organization_slug)
        except PermissionDenied:
            # An answer to no request of this browser's: a replayed assertion, or one begun
            # elsewhere. Refused with the provider's error page and audited.
            from allauth.socialaccount.helpers import render_authentication_error

            return render_authentication_error(
                request,
                self.get_provider(organization_slug),
                extra_context={"saml_errors": ["unknown_request"]},
            )
