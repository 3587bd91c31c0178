"""The roles a reader held at the moment of a read (loggkontroll shows them with each pick).

Roles live in the role tables (``cases.access``) as they are now; every grant and revocation
since is an audit row (``role.granted`` / ``role.revoked``: user, role, unit). So the roles held
at a moment are the grants held now with the later rows undone, newest first, plus the roles
lent by a substitution in force at that moment (``workflows.Substitute``: the absent person's
own roles then, never the ones ``NEVER_LENT``). A grant older than the audit trail counts as held
throughout; a unit that has moved since is judged by its path now.
"""

import bisect
from collections import defaultdict

from cases.access import NEVER_LENT, own_grants
from cases.models import AuditEvent, OrgUnit, User
from workflows.models import Substitute

CHANGES = ("role.granted", "role.revoked")


class RoleHistory:
    """The role history of ``user_ids`` (and of whoever they stood in for) since ``since``:
    one query for the changes, one for the substitutions, one per person for the grants now."""

    def __init__(self, user_ids, since):
        user_ids = {pk for pk in user_ids if pk}
        self.lent = defaultdict(list)
        for substitute_id, person_id, starts_at, ends_at in Substitute.objects.filter(
            substitute_id__in=user_ids, ends_at__gt=since
        ).values_list("substitute_id", "person_id", "starts_at", "ends_at"):
            self.lent[substitute_id].append((person_id, starts_at, ends_at))
        people = user_ids | {person for spans in self.lent.values() for person, *_x in spans}
        self.now = {user.pk: own_grants(user) for user in User.objects.filter(pk__in=people)}
        rows = (
            AuditEvent.objects.filter(
                chain=AuditEvent.Chain.CHANGE, action__in=CHANGES, occurred_at__gt=since
            )
            .order_by("-seq")
            .values_list("occurred_at", "action", "payload")
        )
        unit_ids, changes = set(), []
        for occurred_at, action, payload in rows:
            if payload.get("user") in people:
                changes.append(
                    (occurred_at, action, payload["user"], str(payload.get("role")), payload.get("unit"))
                )
                unit_ids.add(payload.get("unit"))
        paths = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
        self.changes = defaultdict(list)  # newest first
        for occurred_at, action, user_id, role, unit_id in changes:
            if unit_id in paths:
                self.changes[user_id].append((occurred_at, action, role, paths[unit_id]))

    def grants_at(self, user_id, moment):
        grants = set(self.now.get(user_id, ()))
        for occurred_at, action, role, path in self.changes.get(user_id, ()):
            if occurred_at <= moment:
                break
            if action == "role.granted":
                grants.discard((role, path))
            else:
                grants.add((role, path))
        return grants

    def roles_at(self, user_id, unit_path, moment):
        """The sorted roles ``user_id`` held on the unit at ``unit_path`` at ``moment``."""
        grants = self.grants_at(user_id, moment)
        for person_id, starts_at, ends_at in self.lent.get(user_id, ()):
            if starts_at <= moment < ends_at:
                grants |= {g for g in self.grants_at(person_id, moment) if g[0] not in NEVER_LENT}
        return sorted({role for role, path in grants if unit_path.startswith(path)})

    def spans(self, user_id, start, end):
        """``[(from, to)]`` cutting [start, end) wherever the user's roles may change: their own
        role changes, those of whom they stand in for, and the substitutions' ends."""
        cuts = {occurred_at for occurred_at, *_x in self.changes.get(user_id, ())}
        for person_id, starts_at, ends_at in self.lent.get(user_id, ()):
            cuts |= {starts_at, ends_at} | {at for at, *_x in self.changes.get(person_id, ())}
        inside = sorted(c for c in cuts if start < c < end)
        edges = [start, *inside, end]
        return list(zip(edges, edges[1:], strict=False))

    @staticmethod
    def span_of(spans, moment):
        return spans[max(0, bisect.bisect_right([s for s, _e in spans], moment) - 1)]
