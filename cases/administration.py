"""Who administers what: the wall between boards, for administrators.

An administrator (the role, granted on a node and inherited downwards) administers the units,
users, role grants and board reference data inside the boards (nämnder) at or below their
grant: granted on the municipality, every board; on a board, that board. The municipality node
itself, new boards and the reference data shared by every board are the superuser's, the
operator's (docs/administration.md).

A user belongs to a board through their home unit. Whoever may set a user's password may act
as that user, so an administrator reaches a user only when the home unit and everything the
account can read (role grants, own or lent by a substitution, named-investigator grants, its
own reports, positions that hear of cases) lie inside the administrator's boards.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from cases.access import role_scope
from cases.models import OrgUnit, OrgUnitGroupObjectPermission, OrgUnitUserObjectPermission, Report, Role
from cases.models.reports import ReportUserObjectPermission


@dataclass(frozen=True)
class Reach:
    """What one administrator (or superuser) reaches; ``reach(user)`` builds it."""

    everything: bool  # a superuser, or the system itself
    paths: tuple = ()  # the subtrees of the user's administrator grants

    def units_q(self, prefix=""):
        """A filter for the units inside the reach: below a grant and inside a board."""
        if self.everything:
            return Q()
        within = Q(**{f"{prefix}pk__in": []})
        for path in self.paths:
            within |= Q(**{f"{prefix}path__startswith": path})
        return within & Q(**{f"{prefix}namnd__isnull": False})

    def units(self):
        return OrgUnit.objects.filter(self.units_q())

    def boards(self):
        """The boards whose own reference data the administrator keeps: those at or below a grant."""
        return self.units().filter(kind=OrgUnit.Kind.BOARD)

    def has_unit(self, unit):
        if self.everything:
            return True
        return (
            unit is not None
            and unit.namnd_id is not None
            and any(unit.path.startswith(p) for p in self.paths)
        )

    def has_board(self, board):
        return board is not None and board.kind == OrgUnit.Kind.BOARD and self.has_unit(board)

    def users(self, queryset):
        """``queryset`` (of users) narrowed to those the administrator may administer."""
        if self.everything:
            return queryset
        outside = ~self.units_q("content_object__")
        role = Q(permission__codename__startswith="role_")
        group_grants = OrgUnitGroupObjectPermission.objects.filter(role, outside).values("group")
        direct_grants = OrgUnitUserObjectPermission.objects.filter(role, outside).values("user")
        reports_outside = Report.objects.exclude(self.units_q("unit__"))
        named = ReportUserObjectPermission.objects.filter(content_object__in=reports_outside).values("user")
        holders_outside = queryset.model.objects.filter(Q(groups__in=group_grants) | Q(pk__in=direct_grants))
        lent_outside = (
            apps.get_model("workflows", "Substitute")
            .objects.filter(person__in=holders_outside, ends_at__gt=timezone.now())
            .values("substitute")
        )
        positions_outside = (
            apps.get_model("notifications", "Position").objects.exclude(self.units_q("unit__")).values("user")
        )
        return (
            queryset.filter(self.units_q("home_unit__"), is_superuser=False)
            .exclude(groups__in=group_grants)
            .exclude(pk__in=direct_grants)
            .exclude(pk__in=named)
            .exclude(pk__in=reports_outside.filter(reporter__isnull=False).values("reporter"))
            .exclude(pk__in=lent_outside)
            .exclude(pk__in=positions_outside)
        )

    def has_user(self, user):
        if self.everything:
            return True
        return (
            user is not None
            and user.pk is not None
            and self.users(type(user).objects.filter(pk=user.pk)).exists()
        )


def reach(user):
    """What ``user`` administers: everything for an active superuser and for ``None`` (the
    system itself: migrations, seed_demo, tests' set-up), else the boards below their own
    administrator grants (a substitute never holds the administrator role)."""
    if user is None:
        return Reach(everything=True)
    if not user.is_authenticated or not user.is_active:
        return Reach(everything=False)
    if user.is_superuser:
        return Reach(everything=True)
    return Reach(everything=False, paths=tuple(role_scope(user).own.get(Role.ADMINISTRATOR, ())))
