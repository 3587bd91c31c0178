"""The administrator's admin: pages render, cases stay out of it, role grants go through the
services (audited) and take effect in the selectors."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases import selectors
from cases.access import role_scope
from cases.models import (
    TYPE_MODELS,
    Action,
    AffectedPerson,
    Attachment,
    AuditEvent,
    CaseNumberSequence,
    Cause,
    DelegationDecision,
    InformationEvent,
    InvestigationEntry,
    OrgUnit,
    RegulatorNotification,
    Report,
    ReportLink,
    Role,
    Supplement,
    User,
)
from cases.services import do_grant_role
from tests.factories import file

pytestmark = pytest.mark.django_db

CASE_MODELS = [
    Report,
    *TYPE_MODELS.values(),
    Action,
    AffectedPerson,
    Attachment,
    AuditEvent,
    CaseNumberSequence,
    Cause,
    DelegationDecision,
    InformationEvent,
    InvestigationEntry,
    RegulatorNotification,
    ReportLink,
    Supplement,
]


def roles_url(user):
    return reverse("admin:cases_user_roles", args=[user.pk])


def fresh(user):
    """The user as a new request would load it, without a cached role scope."""
    return User.objects.get(pk=user.pk)


def test_every_registered_model_renders_its_changelist_add_and_change_pages(
    admin_client, admin_user, rf, cast
):
    request = rf.get("/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        assert admin_client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200, info
        if model_admin.has_add_permission(request):
            assert admin_client.get(reverse("admin:%s_%s_add" % info)).status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            assert admin_client.get(reverse("admin:%s_%s_change" % info, args=[obj.pk])).status_code == 200, (
                info
            )


def test_the_admin_is_titled_in_swedish(admin_client):
    assert "Kvalitetsärenden – administration" in admin_client.get(reverse("admin:index")).content.decode()


def test_reports_and_what_they_hold_cannot_be_changed_in_the_admin(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    for model in CASE_MODELS:
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model


def test_granting_a_role_in_the_admin_is_audited_and_opens_the_units_cases(
    admin_client, admin_user, org, cast
):
    report = file("deviation", cast["reporter"], org.unit_a)
    newcomer = cast["outsider"]
    assert not selectors.visible_reports(fresh(newcomer)).filter(pk=report.pk).exists()

    response = admin_client.post(
        roles_url(newcomer), {"action": "grant", "role": Role.UNIT_MANAGER, "unit": org.unit_a.pk}
    )

    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="role.granted",
        actor=admin_user,
        payload__user=newcomer.pk,
        payload__role=Role.UNIT_MANAGER,
        payload__unit=org.unit_a.pk,
    ).exists()
    assert selectors.visible_reports(fresh(newcomer)).filter(pk=report.pk).exists()
    assert "Hemtjänst Centrum" in admin_client.get(roles_url(newcomer)).content.decode()


def test_revoking_a_role_in_the_admin_is_audited_and_closes_the_units_cases(
    admin_client, admin_user, org, cast
):
    report = file("deviation", cast["reporter"], org.unit_a)
    manager = cast["manager_a"]

    revoke = {"action": "revoke", "role": Role.UNIT_MANAGER, "unit": org.unit_a.pk}
    # The first click asks first (issue 17): nothing is revoked until it is confirmed.
    asked = admin_client.post(roles_url(manager), revoke, HTTP_ACCEPT_LANGUAGE="sv")
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.content.decode()
    assert "Återkalla rollen" in asked.content.decode()
    assert not AuditEvent.objects.filter(action="role.revoked").exists()
    assert selectors.visible_reports(fresh(manager)).filter(pk=report.pk).exists()

    response = admin_client.post(roles_url(manager), {**revoke, "confirmed": "yes"})

    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="role.revoked", actor=admin_user, payload__user=manager.pk
    ).exists()
    assert not selectors.visible_reports(fresh(manager)).filter(pk=report.pk).exists()


@pytest.fixture
def board_administrator(org, cast):
    """An administrator of Socialnämnden who is staff with the model permissions of the admin."""
    user = User.objects.create_user("systemforvaltare", password="x", is_staff=True, title="Systemförvaltare")
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_user"]))
    do_grant_role(user, Role.ADMINISTRATOR, org.sn, acting_user=None)
    return user


def test_an_administrator_grants_roles_only_below_their_own_grant(client, board_administrator, org, cast):
    client.force_login(board_administrator)
    newcomer = cast["outsider"]
    before = AuditEvent.objects.count()

    refused = client.post(roles_url(newcomer), {"action": "grant", "role": Role.SAS, "unit": org.on.pk})
    assert refused.status_code == 200 and "unit" in refused.context["form"].errors
    assert AuditEvent.objects.count() == before
    assert not role_scope(fresh(newcomer)).has(Role.SAS, org.on)

    granted = client.post(roles_url(newcomer), {"action": "grant", "role": Role.SAS, "unit": org.unit_a.pk})
    assert granted.status_code == 302
    assert AuditEvent.objects.filter(action="role.granted", actor=board_administrator).count() == 1


def test_an_administrator_reaches_neither_superusers_nor_users_of_another_board(
    client, board_administrator, admin_user, cast
):
    client.force_login(board_administrator)
    changelist = client.get(reverse("admin:cases_user_changelist")).content.decode()
    assert "manager_a" in changelist and "sas_other" not in changelist
    for out_of_reach in (admin_user, cast["sas_other"]):
        assert client.get(roles_url(out_of_reach)).status_code == 404
        # Out of reach answers as a user that does not exist (it used to redirect to the index).
        assert client.get(reverse("admin:cases_user_change", args=[out_of_reach.pk])).status_code == 404


def test_the_org_tree_is_validated_by_the_model(admin_client, org):
    response = admin_client.post(
        reverse("admin:cases_orgunit_add"), {"kind": "enhet", "name": "Föräldralös enhet"}
    )
    assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    response = admin_client.post(
        reverse("admin:cases_orgunit_add"),
        {
            "kind": "enhet",
            "name": "Nattpatrullen",
            "parent": org.unit_a.parent_id,
            "is_private_provider": "on",
        },
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="Nattpatrullen")
    assert unit.namnd == org.sn and unit.is_private_provider and unit.path.startswith(org.sn.path)
