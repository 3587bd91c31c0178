"""Who may do what where: a user's roles as a set of subtrees, resolved in one query.

A role granted on a node reaches the node and everything below it (paths share a prefix).
The per-case grant (a named investigator) is the pseudo-role ``investigator``.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from cases.models.organisation import OrgUnit, OrgUnitGroupObjectPermission, OrgUnitUserObjectPermission, Role
from cases.models.reference import ReportType

INVESTIGATOR = "investigator"

# Who, besides the reporter and a named investigator, may read a case of each type.
# Breaches only reach the DSO/PuA delegate and the SAS (DOMAIN.md, Secrecy and logging).
VIEW_ROLES = {
    ReportType.DEVIATION: {Role.UNIT_MANAGER, Role.SAS, Role.REGISTRAR, Role.DECISION_MAKER},
    ReportType.COMPLAINT: {Role.UNIT_MANAGER, Role.SAS, Role.REGISTRAR, Role.DECISION_MAKER},
    ReportType.LEX_SARAH: {Role.UNIT_MANAGER, Role.SAS, Role.REGISTRAR, Role.DECISION_MAKER},
    ReportType.DATA_BREACH: {Role.DSO, Role.SAS},
}

# Who works on a case (persons, investigation entries, risk, causes, actions, links).
HANDLER_ROLES = {
    ReportType.DEVIATION: {Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR},
    ReportType.COMPLAINT: {Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR},
    ReportType.LEX_SARAH: {Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR},
    ReportType.DATA_BREACH: {Role.DSO, Role.SAS, INVESTIGATOR},
}

# Roles whose holders see personal identities marked as protected (skyddade personuppgifter).
PROTECTED_IDENTITY_ROLES = {Role.SAS, Role.DSO, INVESTIGATOR}


@dataclass
class RoleScope:
    paths: dict = field(default_factory=dict)  # role -> list of subtree paths

    def units_q(self, roles, prefix="unit__"):
        """A filter matching units inside any subtree where the user holds one of ``roles``."""
        q = Q(pk__in=[])
        for role in roles:
            for path in self.paths.get(role, ()):
                q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def has(self, role, unit):
        return any(unit.path.startswith(p) for p in self.paths.get(role, ()))

    def roles_on(self, unit):
        return {role for role in self.paths if self.has(role, unit)}

    @property
    def roles(self):
        return set(self.paths)


def role_scope(user):
    """The user's roles and where they hold them; cached on the user object for the request."""
    cached = getattr(user, "_role_scope", None)
    if cached is not None:
        return cached
    scope = RoleScope()
    if user.is_authenticated and user.is_active:
        # By content type id (cached by Django), not app label: no join to django_content_type.
        org_unit_type = ContentType.objects.get_for_model(OrgUnit)
        perm_filter = Q(permission__content_type_id=org_unit_type.pk, permission__codename__startswith="role_")
        rows = (
            OrgUnitGroupObjectPermission.objects.filter(perm_filter, group__user=user)
            .values_list("permission__codename", "content_object__path")
            .union(
                OrgUnitUserObjectPermission.objects.filter(perm_filter, user=user).values_list(
                    "permission__codename", "content_object__path"
                )
            )
        )
        for codename, path in rows:
            scope.paths.setdefault(codename.removeprefix("role_"), []).append(path)
    user._role_scope = scope
    return scope


def forget_role_scope(user):
    user.__dict__.pop("_role_scope", None)


def units_with_role(user, role):
    return OrgUnit.objects.filter(role_scope(user).units_q([role], prefix=""))
