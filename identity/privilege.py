"""Who must give a second factor: superusers and the holders of the roles that read the most
sensitive cases or administer (SAS, decision maker, DSO, administrator)."""

from cases.access import PRIVILEGED_ROLES, role_scope


def is_privileged(user):
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(role_scope(user).own.get(role) for role in PRIVILEGED_ROLES)
