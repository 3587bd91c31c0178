"""Who may compile what. A board's compilation: its SAS (internal or public) or leadership
over it (public only: aggregates and anonymised summaries). The municipality's
kvalitetsberättelse chapter: the same roles held at the municipality."""

from django.http import Http404

from cases.access import COMPILATION_INTERNAL_ROLES as INTERNAL_ROLES
from cases.access import COMPILATION_PUBLIC_ROLES as PUBLIC_ROLES
from cases.access import DRILL_DOWN_ROLES, STATISTICS_ROLES, VIEW_ROLES, role_scope
from cases.models import OrgUnit, Role


def may_compile(user, unit, public):
    scope = role_scope(user)
    return any(scope.has(role, unit) for role in (PUBLIC_ROLES if public else INTERNAL_ROLES))


def compilation_unit(user, unit_id, *, public, kind=OrgUnit.Kind.BOARD):
    """The board (or municipality; ``kind`` may list both) to compile, or 404: one the user may not compile answers
    exactly like one that does not exist."""
    kinds = kind if isinstance(kind, (list, tuple)) else [kind]
    unit = OrgUnit.objects.filter(pk=unit_id, kind__in=kinds).first()
    if unit is None or not user.is_authenticated or not may_compile(user, unit, public):
        raise Http404
    return unit


def may_see_statistics(user):
    return user.is_authenticated and bool(role_scope(user).roles & STATISTICS_ROLES)


def may_drill_down(user):
    """Leadership sees aggregates only; drill-down lists cases, so it needs a viewing role."""
    return user.is_authenticated and bool(role_scope(user).roles & DRILL_DOWN_ROLES)


def counts_only(user):
    """Whether the user's statistics count cases they may not see one by one: leadership
    reaching beyond the user's own viewing roles. Those statistics hide small counts as the
    public compilations do (``reporting.selectors.statistics``)."""
    scope = role_scope(user)
    for path in scope.paths.get(Role.LEADERSHIP, ()):
        for roles in VIEW_ROLES.values():
            if not any(path.startswith(p) for role in roles for p in scope.paths.get(role, ())):
                return True
    return False
