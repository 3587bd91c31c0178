"""Granting and revoking roles on the organisation tree, and per-case grants."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from cases import audit
from cases.access import forget_role_scope, role_scope
from cases.models import GRANTABLE_ROLES, Role
from cases.models.organisation import role_codename, role_group
from cases.services.base import load_report, require_roles
from cases.services.reports import grant_named_investigator


def _may_administer(acting_user, unit):
    if acting_user is None:  # the system itself: data migrations, seed_demo, tests' set-up
        return True
    return acting_user.is_superuser or role_scope(acting_user).has(Role.ADMINISTRATOR, unit)


def _check(acting_user, role, unit):
    if role not in GRANTABLE_ROLES:
        raise ValidationError({"role": [_("This role cannot be granted.")]})
    if not _may_administer(acting_user, unit):
        raise PermissionDenied(_("You may not grant roles on this unit."))


@transaction.atomic
def do_grant_role(user, role, unit, *, acting_user):
    _check(acting_user, role, unit)
    group = role_group(role, unit)
    assign_perm(f"cases.{role_codename(role)}", group, unit)
    user.groups.add(group)
    forget_role_scope(user)
    audit.record("role.granted", actor=acting_user, obj=unit,
                 payload={"user": user.pk, "role": str(role), "unit": unit.pk})


@transaction.atomic
def do_revoke_role(user, role, unit, *, acting_user):
    _check(acting_user, role, unit)
    group = Group.objects.filter(name=f"{role}@{unit.pk}").first()
    if group is not None:
        user.groups.remove(group)
        if not group.user_set.exists():
            remove_perm(f"cases.{role_codename(role)}", group, unit)
    forget_role_scope(user)
    audit.record("role.revoked", actor=acting_user, obj=unit,
                 payload={"user": user.pk, "role": str(role), "unit": unit.pk})


@transaction.atomic
def do_grant_investigator(report_id, investigator, *, acting_user):
    """Name an investigator who may work on this one case (an exception to unit roles)."""
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, {Role.SAS})
    grant_named_investigator(report, investigator)
    audit.record("investigator.granted", actor=acting_user, obj=report, report_id=report.pk,
                 payload={"user": investigator.pk})
