"""django-allauth's hooks: who signs in through an identity provider and what the directory
says about them (identity.directory), and the refusals a person sees.

- No local sign-up: accounts come from the directory or from an administrator.
- A sign-in by an identity provider is in line with the directory before the session begins:
  a new account is created just in time, an existing one updated, a leaver refused.
- The second factor is this project's (identity.second_factor), for password and single
  sign-on alike, so django-allauth's own MFA step at sign-in is left out.
"""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _

from cases import audit
from identity.directory import (
    deactivate,
    fill_account,
    oidc_asserts_mfa,
    read_person,
    saml_asserts_mfa,
    synchronise,
)

DIRECTORY_BACKEND = "identity.backends.DirectoryBackend"
SIGNED_IN_AT = "identity.signed_in_at"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def get_login_stages(self):
        return [stage for stage in super().get_login_stages() if not stage.startswith("allauth.mfa.")]

    def is_reauthentication_required(self, *, app, **kwargs):
        # Enrolling a second factor right after signing in (as identity.second_factor sends a
        # privileged user to do) needs no second sign-in; later changes do.
        from allauth.account import app_settings
        from allauth.core import context

        request = context.request
        signed_in_at = request.session.get(SIGNED_IN_AT) if request is not None else None
        if signed_in_at and time.time() - signed_in_at < app_settings.REAUTHENTICATION_TIMEOUT:
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def login(self, request, user):
        if not hasattr(user, "backend"):
            user.backend = DIRECTORY_BACKEND
        super().login(request, user)


def provider_key(provider):
    """The provider's id as the mappings and settings name it: an OIDC app's provider id, a
    SAML app's client id (its organisation slug in the URLs)."""
    return provider.app.client_id if provider.id == "saml" else (provider.app.provider_id or provider.id)


SAML_LOGOUT = "identity.saml_logout"


def _saml_authn_contexts(request, provider):
    """The AuthnContextClassRef of the assertion django-allauth has just validated; what a
    logout request later names (NameID, SessionIndex) is kept on the request for the session
    (identity.signals, identity.views.LogoutView)."""
    from allauth.socialaccount.providers.saml.utils import build_saml_config
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    encoded = getattr(request, "_identity_saml_response", "")
    if not encoded:
        return []
    config = build_saml_config(request, provider.app.settings, provider.app.client_id)
    response = OneLogin_Saml2_Response(OneLogin_Saml2_Settings(config, sp_validation_only=True), encoded)
    request._identity_saml_logout = {
        "provider": provider.app.client_id,
        "name_id": response.get_nameid(),
        "name_id_format": response.get_nameid_format(),
        "name_id_nq": response.get_nameid_nq(),
        "name_id_spnq": response.get_nameid_spnq(),
        "session_index": response.get_session_index(),
        "slo_url": (provider.app.settings.get("idp") or {}).get("slo_url", ""),
    }
    return response.get_authn_contexts()


def person_of(request, sociallogin):
    provider = sociallogin.provider
    key = provider_key(provider)
    data = sociallogin.account.extra_data or {}
    mfa_counts = provider.app.settings.get("mfa_by_idp", True)
    if provider.id == "saml":
        asserted = mfa_counts and saml_asserts_mfa(_saml_authn_contexts(request, provider))
        return read_person(key, data, saml=True, asserted_mfa=asserted)
    id_token = data.get("id_token") or {}
    claims = {**id_token, **(data.get("userinfo") or {})}
    return read_person(key, claims, saml=False, asserted_mfa=mfa_counts and oidc_asserts_mfa(id_token))


def refuse(request, message, *, user=None, provider="", reason=""):
    audit.record(
        "identity.sign_in_refused",
        obj=user if user is not None and user.pk else None,
        payload={"provider": provider, "reason": reason},
    )
    raise ImmediateHttpResponse(
        render(request, "identity/sign_in_refused.html", {"message": message}, status=403)
    )


def expected_issuer(provider):
    """The issuer an OIDC provider's ID tokens must name: its settings' ``issuer`` where the
    provider's differs from its address, else the ``server_url`` it was configured with."""
    app_settings = provider.app.settings or {}
    return (app_settings.get("issuer") or app_settings.get("server_url") or "").rstrip("/")


def check_issuer(request, sociallogin):
    """django-allauth checks an ID token's ``iss`` against the issuer the discovery document
    names, not against the address the provider was configured with; OpenID Connect Discovery
    (4.3) requires the two to be the same, so a provider that answers for another issuer is
    refused here."""
    provider = sociallogin.provider
    if provider.id == "saml":
        return
    id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
    issued_by = str(id_token.get("iss") or "").rstrip("/")
    if issued_by != expected_issuer(provider):
        refuse(
            request,
            _(
                "The identity provider answered for another issuer than the one this service "
                "trusts, so the sign-in was refused. Tell your administrator."
            ),
            provider=provider_key(provider),
            reason="unknown_issuer",
        )


class DirectoryAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return True

    def pre_social_login(self, request, sociallogin):
        check_issuer(request, sociallogin)
        person = person_of(request, sociallogin)
        request._identity_person = person
        user = sociallogin.user if sociallogin.is_existing else None
        if not person.active:
            if user is not None:
                with transaction.atomic():
                    deactivate(user, person)
            refuse(
                request,
                _("The directory says that this account has been closed. Ask your manager if this is wrong."),
                user=user,
                provider=person.provider,
                reason="directory_inactive",
            )
        if user is not None:
            if not user.is_active:
                refuse(
                    request,
                    _("This account has been deactivated. Ask your administrator if this is wrong."),
                    user=user,
                    provider=person.provider,
                    reason="inactive",
                )
            synchronise(user, person)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        person = getattr(request, "_identity_person", None)
        if person is not None:
            fill_account(user, person)
        return user

    @transaction.atomic
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        person = getattr(request, "_identity_person", None)
        audit.record(
            "identity.user_created",
            obj=user,
            payload={"user": user.pk, "provider": getattr(person, "provider", "")},
        )
        if person is not None:
            synchronise(user, person)
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        audit.record(
            "identity.sign_in_failed",
            payload={
                "provider": provider_key(provider) if getattr(provider, "app", None) else str(provider),
                "error": str(error or ""),
                "detail": ", ".join((extra_context or {}).get("saml_errors", [])),
            },
        )
