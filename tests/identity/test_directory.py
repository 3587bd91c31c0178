"""identity.directory without a provider: the claims as read, and the roles they give, as the
admin's roles page shows them (from the directory, or by hand)."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases.models import Role
from cases.services import do_grant_role, do_revoke_role
from identity.directory import DirectoryPerson, read_person, synchronise
from identity.models import DirectoryGrant, GroupRoleMapping
from identity.sso_settings import _providers

pytestmark = pytest.mark.django_db


def holds(user, role, unit):
    return user.groups.filter(name=f"{role}@{unit.pk}").exists()


def test_the_roles_page_tells_directory_grants_from_manual_ones(client, org, cast, admin_user):
    GroupRoleMapping.objects.create(group="sg-sas", role=Role.SAS, unit=org.sn)
    user = cast["outsider"]
    synchronise(user, DirectoryPerson(provider="kommun", groups=["sg-sas"]))
    do_grant_role(user, Role.UNIT_MANAGER, org.unit_a, acting_user=None)
    client.force_login(admin_user)
    page = client.get(f"/admin/cases/user/{user.pk}/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the directory" in page and "by hand" in page
    rows = [row for row in page.split("<tr>") if "Quality coordinator" in row or "Unit manager" in row]
    assert any("Quality coordinator" in row and "the directory" in row for row in rows)
    assert any("Unit manager" in row and "by hand" in row for row in rows)


def test_a_directory_role_revoked_by_hand_comes_back_while_the_directory_says_so(org, cast):
    GroupRoleMapping.objects.create(group="sg-sas", role=Role.SAS, unit=org.sn)
    user = cast["outsider"]
    person = DirectoryPerson(provider="kommun", groups=["sg-sas"])
    synchronise(user, person)
    do_revoke_role(user, Role.SAS, org.sn, acting_user=None)
    granted, revoked = synchronise(user, person)
    assert granted == [["sas", org.sn.pk]] and holds(user, Role.SAS, org.sn)
    assert DirectoryGrant.objects.filter(user=user).count() == 1


def test_a_manual_grant_the_directory_also_gives_stays_manual(org, cast):
    GroupRoleMapping.objects.create(group="sg-chefer", role=Role.UNIT_MANAGER, unit=org.unit_a)
    manager = cast["manager_a"]  # granted by hand in the cast
    synchronise(manager, DirectoryPerson(provider="kommun", groups=["sg-chefer"]))
    assert not DirectoryGrant.objects.filter(user=manager).exists()
    synchronise(manager, DirectoryPerson(provider="kommun", groups=[]))
    assert holds(manager, Role.UNIT_MANAGER, org.unit_a)


def test_a_mapping_for_one_provider_is_ignored_for_another(org, cast):
    GroupRoleMapping.objects.create(group="sg-sas", role=Role.SAS, unit=org.sn, provider="privat")
    synchronise(cast["outsider"], DirectoryPerson(provider="kommun", groups=["sg-sas"]))
    assert not holds(cast["outsider"], Role.SAS, org.sn)


def test_claims_are_read_with_a_providers_own_names(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{"provider_id": "kommun", "settings": {"claims": {"groups": "wids"}}}]},
        "saml": {"APPS": []},
    }
    person = read_person(
        "kommun",
        {
            "wids": ["a", "b"],
            "groups": ["ignored"],
            "employeeid": 7,
            "active": "False",
            "email": "x@k.example",
        },
        saml=False,
        asserted_mfa=False,
    )
    assert person.groups == ["a", "b"] and person.employee_id == "7" and person.active is False


def test_providers_come_from_the_environment():
    oidc, saml = _providers(
        json.dumps(
            [
                {
                    "protocol": "oidc",
                    "id": "kommun",
                    "name": "Kommunen",
                    "server_url": "https://a.example",
                    "client_id": "c",
                },
                {
                    "protocol": "saml",
                    "id": "adfs",
                    "entity_id": "e",
                    "sso_url": "https://b.example/sso",
                    "x509cert": "MII",
                },
            ]
        )
    )
    assert oidc[0]["provider_id"] == "kommun" and oidc[0]["settings"]["oauth_pkce_enabled"] is True
    assert saml[0]["client_id"] == "adfs" and saml[0]["settings"]["advanced"]["want_assertion_signed"] is True
    with pytest.raises(ImproperlyConfigured):
        _providers('[{"protocol": "ldap", "id": "x"}]')
