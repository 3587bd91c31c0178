"""Granting and revoking roles on the organisation tree, and per-case grants."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm
from rest_framework.authtoken.models import Token

from cases import audit, events
from cases.access import CASE_READING_ROLES, NAMING_ROLES, forget_role_scope
from cases.administration import reach
from cases.models import GRANTABLE_ROLES
from cases.models.organisation import role_codename, role_group
from cases.services.base import load_report, require_roles
from cases.services.guard import service
from cases.services.reports import grant_named_investigator

if TYPE_CHECKING:
    from cases.models import OrgUnit, User


def _check(acting_user: User | None, user: User, role: str, unit: OrgUnit) -> None:
    """A grantable role, on a unit and to a user that ``acting_user`` administers
    (cases.administration); ``acting_user=None`` is the system itself (migrations, seed_demo,
    tests' set-up)."""
    if role not in GRANTABLE_ROLES:
        raise ValidationError({"role": [_("This role cannot be granted.")]})
    if acting_user is None:
        return
    scope = reach(acting_user)
    if not scope.has_unit(unit):
        raise PermissionDenied(_("You may not grant roles on this unit."))
    if not scope.has_user(user):
        raise PermissionDenied(_("You may not administer this user."))


@service
def do_grant_role(user: User, role: str, unit: OrgUnit, *, acting_user: User | None) -> None:
    """Grant ``role`` on ``unit``. A role that reads cases is never granted by its own holder,
    superuser or not: another administrator of the board, or a superuser, must grant it."""
    _check(acting_user, user, role, unit)
    if acting_user is not None and acting_user.pk == user.pk and role in CASE_READING_ROLES:
        raise PermissionDenied(
            _(
                "You cannot grant yourself a role that reads cases; another administrator of "
                "the board, or a superuser, must grant it."
            )
        )
    group = role_group(role, unit)
    assign_perm(f"cases.{role_codename(role)}", group, unit)
    user.groups.add(group)
    forget_role_scope(user)
    audit.record(
        "role.granted",
        actor=acting_user,
        obj=unit,
        payload={"user": user.pk, "role": str(role), "unit": unit.pk},
    )


@service
def do_revoke_role(user: User, role: str, unit: OrgUnit, *, acting_user: User | None) -> None:
    _check(acting_user, user, role, unit)
    group = Group.objects.filter(name=f"{role}@{unit.pk}").first()
    if group is not None:
        user.groups.remove(group)
        if not group.user_set.exists():
            remove_perm(f"cases.{role_codename(role)}", group, unit)
    forget_role_scope(user)
    audit.record(
        "role.revoked",
        actor=acting_user,
        obj=unit,
        payload={"user": user.pk, "role": str(role), "unit": unit.pk},
    )
    _release_tasks(user, acting_user=acting_user, reason="role_revoked")


@service
def do_deactivate_user(user: User, *, acting_user: User | None) -> int:
    """Deactivate an account (it is never deleted: names stay on cases and audit rows), delete
    its API tokens (so that reactivating it revives none), and put every task the user held
    back in the queue, audited with the reason ``user_deactivated``."""
    if acting_user is not None and not reach(acting_user).has_user(user):
        raise PermissionDenied(_("You may not deactivate this user."))
    was_active = type(user).objects.filter(pk=user.pk, is_active=True).exists()
    user.is_active = False
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    Token.objects.filter(user=user).delete()
    forget_role_scope(user)
    if was_active:
        audit.record("user.deactivated", actor=acting_user, obj=user, payload={"user": user.pk})
    return _release_tasks(user, acting_user=acting_user, reason="user_deactivated")


def _release_tasks(user: User, *, acting_user: User | None, reason: str) -> int:
    """The workflow tasks ``user`` may no longer act on go back to the queue (the hook
    ``release_tasks``, handled by ``workflows.services``)."""
    return events.release_tasks.call(user, acting_user=acting_user, reason=reason)


@service
def do_grant_investigator(report_id: int, investigator: User, *, acting_user: User) -> None:
    """Name an investigator who may work on this one case (an exception to unit roles)."""
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, NAMING_ROLES[report.type])
    grant_named_investigator(report, investigator)
    audit.record(
        "investigator.granted",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={"user": investigator.pk},
    )
