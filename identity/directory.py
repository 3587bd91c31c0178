"""Users from the directory: what an identity provider's claims (OIDC) or attributes (SAML)
say about a person, and bringing the account in line with it at every sign-in.

- The account: name, e-mail, employee id and home unit (a directory unit code, translated by
  ``UnitCodeMapping``) are overwritten from the directory every time.
- Leavers: a claim saying the account is not active deactivates it (``do_deactivate_user``)
  and the sign-in is refused.
- Roles: the directory groups, translated by ``GroupRoleMapping``, are granted and revoked
  through ``do_grant_role``/``do_revoke_role`` (the one rule, audited). Only grants the
  directory made (``DirectoryGrant``) are ever revoked by it; grants made by hand stay.
  Nobody receives a role that reads cases through a mapping they last edited themselves. A
  role from the directory revoked by hand comes back at the next sign-in while the directory
  still says so: such a role is changed in the directory or in the mapping.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from cases import audit
from cases.access import CASE_READING_ROLES
from cases.services import do_deactivate_user, do_grant_role, do_revoke_role
from identity.models import DirectoryGrant, DirectoryProfile, GroupRoleMapping, UnitCodeMapping

# Where each fact is looked for, first match wins; a provider's settings may name others
# (``"claims": {"groups": "roles"}``, docs/identity.md).
OIDC_CLAIMS = {
    "email": ["email", "upn"],
    "first_name": ["given_name"],
    "last_name": ["family_name"],
    "employee_id": ["employee_id", "employeeid"],
    "unit_code": ["unit_code", "department"],
    "groups": ["groups", "roles"],
    "active": ["active", "account_enabled"],
}
SAML_CLAIMS = {
    "email": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "mail",
        "email",
    ],
    "first_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
        "givenName",
    ],
    "last_name": ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4", "sn"],
    "employee_id": [
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/employeeid",
        "urn:oid:2.16.840.1.113730.3.1.3",
        "employeeNumber",
    ],
    "unit_code": ["http://schemas.xmlsoap.org/claims/department", "urn:oid:2.5.4.11", "department"],
    "groups": [
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
        "http://schemas.xmlsoap.org/claims/Group",
        "groups",
    ],
    "active": ["active", "accountEnabled"],
}
FALSE = {"false", "0", "no", "disabled", "inactive"}


@dataclass
class DirectoryPerson:
    """What one sign-in's claims say."""

    provider: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    employee_id: str = ""
    unit_code: str = ""
    groups: list = field(default_factory=list)
    active: bool = True
    mfa: bool = False


def _first(claims, names):
    for name in names:
        value = claims.get(name)
        if value not in (None, "", []):
            return value
    return None


def _single(value):
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


def _active(value):
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    return _single(value).strip().lower() not in FALSE


def read_person(provider, claims, *, saml, asserted_mfa):
    """``claims``: the OIDC ID token's and userinfo's claims, or the SAML attributes (lists of
    values); ``provider``: the SocialApp's provider id (OIDC) or client id (SAML)."""
    names = {**(SAML_CLAIMS if saml else OIDC_CLAIMS)}
    for key, configured in (provider_settings(provider).get("claims") or {}).items():
        names[key] = [configured] if isinstance(configured, str) else list(configured)
    groups = _first(claims, names["groups"]) or []
    return DirectoryPerson(
        provider=provider,
        email=_single(_first(claims, names["email"])),
        first_name=_single(_first(claims, names["first_name"])),
        last_name=_single(_first(claims, names["last_name"])),
        employee_id=_single(_first(claims, names["employee_id"])),
        unit_code=_single(_first(claims, names["unit_code"])),
        groups=[str(g) for g in (groups if isinstance(groups, list) else [groups])],
        active=_active(_first(claims, names["active"])),
        mfa=asserted_mfa,
    )


def provider_settings(provider):
    from allauth.socialaccount.models import SocialApp

    for kind in ("openid_connect", "saml"):
        for app in settings.SOCIALACCOUNT_PROVIDERS.get(kind, {}).get("APPS", []):
            if provider in (app.get("provider_id"), app.get("client_id")):
                return app.get("settings", {})
    app = (
        SocialApp.objects.filter(provider_id=provider).first()
        or SocialApp.objects.filter(client_id=provider).first()
    )
    return app.settings if app is not None else {}


def oidc_asserts_mfa(id_token):
    """An ID token's ``amr`` (a list) or ``acr`` says the person gave a second factor."""
    amr = id_token.get("amr") or []
    amr = amr if isinstance(amr, list) else [amr]
    return bool(set(map(str, amr)) & set(settings.SSO_MFA_AMR)) or id_token.get("acr") in settings.SSO_MFA_ACR


def saml_asserts_mfa(authn_contexts):
    return bool(set(authn_contexts or []) & set(settings.SSO_MFA_ACR))


def fill_account(user, person):
    """The account's own fields from the directory (before a new account is first saved, too)."""
    user.email = person.email or user.email
    user.first_name = person.first_name or user.first_name
    user.last_name = person.last_name or user.last_name
    if person.unit_code:
        mapping = UnitCodeMapping.objects.filter(code=person.unit_code).select_related("unit").first()
        if mapping is not None:
            user.home_unit = mapping.unit


def _holds(user, role, unit):
    return user.groups.filter(pk__in=Group.objects.filter(name=f"{role}@{unit.pk}")).exists()


@transaction.atomic
def synchronise(user, person):
    """Bring ``user`` in line with ``person``; answers the roles granted and revoked. The
    directory acts as the system (``acting_user=None``); each grant and revocation is audited
    by the service, and the whole sign-in's changes by ``identity.directory_synced``."""
    fill_account(user, person)
    user.save()
    DirectoryProfile.objects.update_or_create(
        user=user,
        defaults={
            "employee_id": person.employee_id,
            "unit_code": person.unit_code,
            "provider": person.provider,
        },
    )
    wanted, refused = set(), []
    mappings = GroupRoleMapping.objects.filter(group__in=person.groups).filter(
        provider__in=["", person.provider]
    )
    for mapping in mappings.select_related("unit"):
        if mapping.changed_by_id == user.pk and mapping.role in CASE_READING_ROLES:
            refused.append(mapping.pk)
            continue
        wanted.add((mapping.role, mapping.unit))
    held = {
        (grant.role, grant.unit): grant
        for grant in DirectoryGrant.objects.filter(user=user).select_related("unit")
    }
    granted, revoked = [], []
    for role, unit in sorted(wanted - held.keys(), key=lambda pair: (pair[0], pair[1].pk)):
        if _holds(user, role, unit):
            continue  # granted by hand: it stays the administrator's, the directory does not take it over
        do_grant_role(user, role, unit, acting_user=None)
        DirectoryGrant.objects.create(user=user, role=role, unit=unit)
        granted.append([role, unit.pk])
    for (role, unit), grant in sorted(held.items(), key=lambda item: (item[0][0], item[0][1].pk)):
        if (role, unit) in wanted:
            if not _holds(user, role, unit):
                # Revoked by hand since: the directory still says so, and its roles are its own.
                do_grant_role(user, role, unit, acting_user=None)
                granted.append([role, unit.pk])
            continue
        grant.delete()
        if _holds(user, role, unit):
            do_revoke_role(user, role, unit, acting_user=None)
        revoked.append([role, unit.pk])
    if granted or revoked or refused:
        audit.record(
            "identity.directory_synced",
            obj=user,
            payload={
                "user": user.pk,
                "provider": person.provider,
                "granted": granted,
                "revoked": revoked,
                "refused_own_mappings": refused,
            },
        )
    return granted, revoked


def deactivate(user, person):
    """The directory says the person has left: the account is deactivated (tasks released,
    tokens deleted, audited by the service)."""
    if user.pk is not None and user.is_active:
        do_deactivate_user(user, acting_user=None)
        audit.record(
            "identity.directory_deactivated", obj=user, payload={"user": user.pk, "provider": person.provider}
        )
