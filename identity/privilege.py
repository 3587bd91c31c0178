"""Who must give a second factor: superusers and the holders of the roles that read the most
sensitive cases or administer (SAS, decision maker, DSO, administrator)."""

from cases.access import role_scope
from cases.models import Role

PRIVILEGED_ROLES = frozenset({Role.SAS, Role.DECISION_MAKER, Role.DSO, Role.ADMINISTRATOR})


def is_privileged(user):
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(role_scope(user).own.get(role) for role in PRIVILEGED_ROLES)
