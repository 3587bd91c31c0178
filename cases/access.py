"""Who may do what where: a user's roles as a set of subtrees, resolved in one query.

A role granted on a node reaches the node and everything below it (paths share a prefix).
The per-case grant (a named investigator) is the pseudo-role ``investigator``.

A substitute (ersättare, ``workflows.Substitute``) holds the absent person's roles while the
absence lasts: "lent" roles, on the absent person's own subtrees only, never
``administrator``. They count everywhere a role counts (selectors, services, task queues);
``allowed_roles`` tells a service whether an action rests on a lent role only, and the audit
row of such an action names the absent person (``on_behalf_of``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models.organisation import OrgUnit, OrgUnitGroupObjectPermission, OrgUnitUserObjectPermission, Role
from cases.models.reference import ReportType
from cases.models.regulators import Regulator

if TYPE_CHECKING:
    from cases.models import Report
    from cases.models.organisation import AnyUser


INVESTIGATOR = "investigator"

# Who, besides the reporter and a named investigator, may read a case of each type.
# Breaches only reach the DSO/PuA delegate and the SAS (DOMAIN.md, Secrecy and logging).
VIEW_ROLES: dict[str, set[str]] = {
    ReportType.DEVIATION: {Role.UNIT_MANAGER, Role.SAS, Role.REGISTRAR, Role.DECISION_MAKER},
    ReportType.COMPLAINT: {Role.UNIT_MANAGER, Role.SAS, Role.REGISTRAR, Role.DECISION_MAKER},
    ReportType.LEX_SARAH: {Role.UNIT_MANAGER, Role.SAS, Role.REGISTRAR, Role.DECISION_MAKER},
    ReportType.DATA_BREACH: {Role.DSO, Role.SAS},
    # Lex Maria is the MAS's (or MAR's) with the unit's manager; the SAS is not involved unless
    # the event is also a lex Sarah matter, which is then a linked case of its own.
    ReportType.LEX_MARIA: {Role.MAS, Role.UNIT_MANAGER},
}

# Who works on a case (persons, investigation entries, risk, causes, actions, links).
# A breach is the DSO's/PuA delegate's: they assess it and decide on IMY (DOMAIN.md); the SAS
# reads breaches but changes nothing on them (docs/lifecycles.md).
HANDLER_ROLES: dict[str, set[str]] = {
    ReportType.DEVIATION: {Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR},
    ReportType.COMPLAINT: {Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR},
    ReportType.LEX_SARAH: {Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR},
    ReportType.DATA_BREACH: {Role.DSO, INVESTIGATOR},
    ReportType.LEX_MARIA: {Role.MAS, Role.UNIT_MANAGER, INVESTIGATOR},
}

# Who names an investigator of one case (a per-case grant of the handler's rights).
NAMING_ROLES: dict[str, set[str]] = {
    ReportType.DEVIATION: {Role.SAS},
    ReportType.COMPLAINT: {Role.SAS},
    ReportType.LEX_SARAH: {Role.SAS},
    ReportType.DATA_BREACH: {Role.DSO},
    ReportType.LEX_MARIA: {Role.MAS},
}

# Who corrects a case after the fact (cases.services.corrections): reopens it when it was
# closed, withdraws a report filed by mistake, merges a duplicate into another case. The
# roles that close a case of the type; a breach is the DSO's alone.
CORRECTING_ROLES: dict[str, set[str]] = {
    ReportType.DEVIATION: {Role.UNIT_MANAGER, Role.SAS},
    ReportType.COMPLAINT: {Role.UNIT_MANAGER, Role.SAS},
    ReportType.LEX_SARAH: {Role.SAS},
    ReportType.DATA_BREACH: {Role.DSO},
    # Nobody yet: lex Maria's lifecycle has no correction steps (withdraw, merge, reopen).
    ReportType.LEX_MARIA: set(),
}

# The register of delegation decisions (delegationsbeslut) per board: who reads it (each
# sees the decisions of the cases they may read), and who marks decisions as reported to
# the board (anmäld till nämnden) on the date of its meeting: the SAS and the registrar,
# who prepare the board's meetings.
DELEGATION_REGISTER_ROLES = frozenset({Role.SAS, Role.DECISION_MAKER, Role.DSO, Role.REGISTRAR})
DELEGATION_REPORTING_ROLES = frozenset({Role.SAS, Role.REGISTRAR})

# Who hands a case's open workflow tasks to someone else, or puts them back in the queue.
REASSIGNING_ROLES: dict[str, set[str]] = {
    ReportType.DEVIATION: {Role.UNIT_MANAGER, Role.SAS},
    ReportType.COMPLAINT: {Role.UNIT_MANAGER, Role.SAS},
    ReportType.LEX_SARAH: {Role.UNIT_MANAGER, Role.SAS},
    ReportType.DATA_BREACH: {Role.DSO},
    ReportType.LEX_MARIA: {Role.MAS},
}

# Roles whose holders see personal identities marked as protected (skyddade personuppgifter).
PROTECTED_IDENTITY_ROLES = {Role.SAS, Role.DSO, Role.MAS, INVESTIGATOR}

# Roles that open cases to their holder: whoever reads or works on a case of some type (above),
# and leadership, whose statistics and compilations are counted from the board's cases (small
# counts can name a person). Nobody grants one of these to themself (do_grant_role).
CASE_READING_ROLES = frozenset(
    set().union(*VIEW_ROLES.values(), *HANDLER_ROLES.values(), PROTECTED_IDENTITY_ROLES, {Role.LEADERSHIP})
    - {INVESTIGATOR}
)

# Who may read a case's audit trail (both chains: what was changed and who read it).
AUDIT_READING_ROLES = frozenset({Role.SAS, Role.DSO, Role.MAS, Role.UNIT_MANAGER, INVESTIGATOR})

# Which regulator a case of each type may be notified to (the types not named: none).
REGULATOR_OF: dict[str, str] = {
    ReportType.LEX_SARAH: Regulator.IVO,
    ReportType.DATA_BREACH: Regulator.IMY,
    ReportType.LEX_MARIA: Regulator.IVO,
}

# Who takes the steps of the notification of a case of each type to its regulator (IVO for lex
# Sarah: the SAS and the delegate; IMY for breaches: the DSO; IVO for lex Maria: the MAS).
NOTIFICATION_ROLES: dict[str, frozenset[str]] = {
    ReportType.LEX_SARAH: frozenset({Role.SAS, Role.DECISION_MAKER}),
    ReportType.DATA_BREACH: frozenset({Role.DSO}),
    ReportType.LEX_MARIA: frozenset({Role.MAS}),
}

# Who decides to notify IVO *snarast*, before the case's decision step, per type.
EARLY_IVO_ROLES: dict[str, frozenset[str]] = {
    ReportType.LEX_SARAH: frozenset({Role.DECISION_MAKER}),
    ReportType.LEX_MARIA: frozenset({Role.MAS}),
}

# Who approves an investigation's summary for the nämnd's compilation.
REVIEW_ROLES = frozenset({Role.SAS})

# Who is shown a unit's overdue list: those who answer for its deadlines.
OVERDUE_ROLES = frozenset({Role.UNIT_MANAGER, Role.SAS, Role.DSO, Role.MAS})

# Who must give a second factor when signing in (identity/): the roles that read the most
# sensitive cases or administer; superusers too (identity.privilege).
# The MAS reads health-care injuries (health data of patients) and notifies IVO: privileged.
PRIVILEGED_ROLES = frozenset({Role.SAS, Role.DECISION_MAKER, Role.DSO, Role.MAS, Role.ADMINISTRATOR})

# Who counts which cases of each type in statistics and compilations: the SAS and leadership
# every type in their subtrees, a unit manager (and the MAS) the types they may view in their
# units. Aggregates only.
AGGREGATE_ROLES = {
    report_type: frozenset((roles & {Role.SAS, Role.UNIT_MANAGER, Role.MAS}) | {Role.SAS, Role.LEADERSHIP})
    for report_type, roles in VIEW_ROLES.items()
}

# A board's compilation: its SAS (internal or public) or leadership over it (public only).
COMPILATION_PUBLIC_ROLES = frozenset({Role.SAS, Role.LEADERSHIP})
COMPILATION_INTERNAL_ROLES = frozenset({Role.SAS})
# Who sees statistics, and who drills down from them to the cases (a list needs a viewing role).
STATISTICS_ROLES = frozenset({Role.SAS, Role.UNIT_MANAGER, Role.LEADERSHIP})
DRILL_DOWN_ROLES = frozenset({Role.SAS, Role.UNIT_MANAGER})
# The quality room (quality/): who sees a unit's control charts and lead times (where they hold
# the role: the SAS over the board, a unit manager their units), and who analyses a signal
# (the board's SAS: the analysis task lands in their inbox).
QUALITY_CHART_ROLES = frozenset({Role.SAS, Role.UNIT_MANAGER})
SIGNAL_ANALYSIS_ROLES = frozenset({Role.SAS})

# Whose start page shows the staff's links (inbox, actions, overdue): roles that work on cases.
STAFF_ROLES = frozenset(
    {Role.UNIT_MANAGER, Role.SAS, Role.DSO, Role.DECISION_MAKER, Role.REGISTRAR, Role.MAS}
)

# Who finds the case register (/cases/, every case they may see, open and closed): whoever
# reads cases of some type by a role. Others follow their own reports in My reports.
REGISTER_ROLES = frozenset(set().union(*VIEW_ROLES.values()))

# Who finds the records pages (retention, gallring, log review: records/).
RECORDS_PAGE_ROLES = frozenset({Role.ARCHIVIST, Role.SAS, Role.DSO, Role.UNIT_MANAGER})

# The pages linked from the header's menu and the start page, and the roles whose holders find
# them there (``nav_pages``); ``None``: everyone signed in. Each page refuses those it does not
# serve by the same roles (the import also lets a superuser in, and links it for them).
NAV_PAGES: dict[str, frozenset[str] | None] = {
    "report": None,
    "my_reports": None,
    "inbox": STAFF_ROLES,
    "actions": frozenset({Role.UNIT_MANAGER, Role.SAS, Role.DSO}),
    "register": REGISTER_ROLES,
    "statistics": STATISTICS_ROLES,
    "compilations": COMPILATION_PUBLIC_ROLES,
    "quality_chapter": COMPILATION_PUBLIC_ROLES,
    "summary_reviews": REVIEW_ROLES,
    "imports": frozenset({Role.ADMINISTRATOR}),
    "records": RECORDS_PAGE_ROLES,
    "delegations": DELEGATION_REGISTER_ROLES,
}


def nav_pages(user: AnyUser) -> set[str]:
    """The pages of ``NAV_PAGES`` the user finds in the menu (from the role scope the request
    has already read: no query of its own)."""
    if not user.is_authenticated:
        return set()
    roles = role_scope(user).roles
    pages = {page for page, allowed in NAV_PAGES.items() if allowed is None or roles & allowed}
    if user.is_superuser:  # the import is the superuser's too (reporting.web.views.may_import)
        pages.add("imports")
    return pages


# Who must act on each legal clock (cases.clock_jobs): holders of these roles on the case's
# unit; or the case's named handler (a complaint's, for the clocks the submitter waits on); or
# whoever may take the case's next step in its lifecycle.
CLOCK_HANDLER = "handler"
CLOCK_NEXT_STEP = "next_step"
CLOCK_ACTORS = {
    "breach-imy-notification": {Role.DSO},
    "breach-imy-supplement": {Role.DSO},
    "breach-data-subjects": {Role.DSO},
    "lex-sarah-registration": CLOCK_NEXT_STEP,  # the unit manager records measures, then the SAS registers
    "lex-sarah-investigation-start": {Role.SAS},
    "lex-sarah-ivo-notification": {Role.SAS, Role.DECISION_MAKER},
    "lex-sarah-investigation-to-ivo": {Role.SAS},
    "lex-sarah-investigation-target": {Role.SAS},
    "complaint-acknowledgement": CLOCK_HANDLER,
    "complaint-handler-named": CLOCK_NEXT_STEP,
    "complaint-answer": CLOCK_HANDLER,
    "deviation-assessment": {Role.UNIT_MANAGER},
    "deviation-investigation": {Role.UNIT_MANAGER},
    "lex-maria-registration": {Role.MAS},
    "lex-maria-investigation-target": {Role.MAS},
    "lex-maria-ivo-notification": {Role.MAS},
    "lex-maria-investigation-to-ivo": {Role.MAS},
}

# Who answers on the board for a case type's clocks: told when a legal clock of the type is
# escalated, or when nobody on the unit may act on it. The SAS, but for lex Maria the MAS (the
# SAS is not involved in health-care injuries).
BOARD_CLOCK_ROLES: dict[str, frozenset[str]] = {
    ReportType.DEVIATION: frozenset({Role.SAS}),
    ReportType.COMPLAINT: frozenset({Role.SAS}),
    ReportType.LEX_SARAH: frozenset({Role.SAS}),
    ReportType.DATA_BREACH: frozenset({Role.SAS}),
    ReportType.LEX_MARIA: frozenset({Role.MAS}),
}

# Roles a substitute never holds on someone else's behalf.
NEVER_LENT = {Role.ADMINISTRATOR}

# How long a role scope cached on a user object is trusted without a lent role running out.
SCOPE_TTL = datetime.timedelta(seconds=60)


@dataclass
class RoleScope:
    paths: dict = field(default_factory=dict)  # role -> list of subtree paths, own and lent
    own: dict = field(default_factory=dict)  # role -> list of subtree paths granted to the user
    lent: dict = field(default_factory=dict)  # role -> list of (subtree path, absent person's id)
    computed_at: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None

    def units_q(self, roles: Iterable[str], prefix: str = "unit__") -> Q:
        """A filter matching units inside any subtree where the user holds one of ``roles``."""
        q = Q(pk__in=[])
        for role in roles:
            for path in self.paths.get(role, ()):
                q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def has(self, role: str, unit: OrgUnit) -> bool:
        return any(unit.path.startswith(p) for p in self.paths.get(role, ()))

    def roles_on(self, unit: OrgUnit) -> set[str]:
        return {role for role in self.paths if self.has(role, unit)}

    @property
    def roles(self) -> set[str]:
        return set(self.paths)

    def holds_own(self, role: str, unit: OrgUnit) -> bool:
        return any(unit.path.startswith(p) for p in self.own.get(role, ()))

    def lender(self, roles: Iterable[str], unit: OrgUnit) -> int | None:
        """Whose absence lends the user one of ``roles`` on ``unit``; None when the user
        holds one of them by their own right (or holds none)."""
        if any(self.holds_own(role, unit) for role in roles):
            return None
        for role in sorted(roles):
            for path, person_id in self.lent.get(role, ()):
                if unit.path.startswith(path):
                    return person_id
        return None

    def fresh(self, now: datetime.datetime) -> bool:
        return (
            self.computed_at is not None
            and self.valid_until is not None
            and self.computed_at <= now < self.valid_until
        )


def _grant_sql() -> str:
    """The statement behind ``_grant_rows``, built once from the models' tables.

    Written out rather than built as a four-branch ORM union: it runs once per request of
    every signed-in user, and compiling that union cost more than running it
    (docs/performance.md, "Fourth round"). Parameters, branch by branch (``_grant_rows``):
    the user and ``OrgUnit``'s content type for each own branch; for each lent branch
    ``True`` (the absent person is active), the user, the moment twice and the content type.
    The roles never lent are literals of this module."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.db import connection

    q = connection.ops.quote_name
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    substitute = apps.get_model("workflows", "Substitute")
    memberships = user_model.groups.through

    def t(model: type[Model]) -> str:
        return q(model._meta.db_table)

    def c(model: type[Model], name: str) -> str:
        column = cast("Field[Any, Any]", model._meta.get_field(name)).column
        return q(cast(str, column))

    G, U, P, OU, S = (
        OrgUnitGroupObjectPermission,
        OrgUnitUserObjectPermission,
        Permission,
        OrgUnit,
        substitute,
    )
    M, person = memberships, user_model
    role = f"{c(P, 'content_type')} = %s AND SUBSTR(p.{c(P, 'codename')}, 1, 5) = 'role_'"
    never = ", ".join(f"'role_{r}'" for r in sorted(NEVER_LENT))

    def permission_and_unit(perm_table: type[Model]) -> str:
        return (
            f" JOIN {t(P)} p ON p.{c(P, 'id')} = g.{c(perm_table, 'permission')} "
            f"JOIN {t(OU)} o ON o.{c(OU, 'id')} = g.{c(perm_table, 'content_object')}"
        )

    typed_null = "CAST(NULL AS TIMESTAMP WITH TIME ZONE)" if connection.vendor == "postgresql" else "NULL"
    absent = (
        f"{t(S)} s JOIN {t(person)} a ON a.{c(person, 'id')} = s.{c(S, 'person')} "
        f"AND a.{c(person, 'is_active')} = %s"
    )
    period = f"s.{c(S, 'substitute')} = %s AND s.{c(S, 'starts_at')} <= %s AND s.{c(S, 'ends_at')} > %s"
    lent_where = f"p.{role} AND p.{c(P, 'codename')} NOT IN ({never})"
    return " UNION ALL ".join(
        [
            f"SELECT p.{c(P, 'codename')}, o.{c(OU, 'path')}, 0, {typed_null} FROM {t(M)} m "
            f"JOIN {t(G)} g ON g.{c(G, 'group')} = m.{c(M, 'group')}{permission_and_unit(G)} "
            f"WHERE m.{c(M, 'user')} = %s AND p.{role}",
            f"SELECT p.{c(P, 'codename')}, o.{c(OU, 'path')}, 0, {typed_null} FROM {t(U)} g{permission_and_unit(U)} "
            f"WHERE g.{c(U, 'user')} = %s AND p.{role}",
            f"SELECT p.{c(P, 'codename')}, o.{c(OU, 'path')}, s.{c(S, 'person')}, s.{c(S, 'ends_at')} FROM {absent} "
            f"JOIN {t(M)} m ON m.{c(M, 'user')} = s.{c(S, 'person')} "
            f"JOIN {t(G)} g ON g.{c(G, 'group')} = m.{c(M, 'group')}{permission_and_unit(G)} "
            f"WHERE {period} AND {lent_where}",
            f"SELECT p.{c(P, 'codename')}, o.{c(OU, 'path')}, s.{c(S, 'person')}, s.{c(S, 'ends_at')} FROM {absent} "
            f"JOIN {t(U)} g ON g.{c(U, 'user')} = s.{c(S, 'person')}{permission_and_unit(U)} "
            f"WHERE {period} AND {lent_where}",
        ]
    )


_GRANT_SQL: dict[tuple[str, str], str] = {}


def _grant_rows(
    user: AnyUser, now: datetime.datetime
) -> Iterator[tuple[str, str, int, datetime.datetime | None]]:
    """One statement: ``(codename, path, lender id or 0, lent until or None)`` for the user's
    own grants (by group and directly) and for the grants of everyone the user stands in for
    now (active absent persons only, never ``NEVER_LENT``)."""
    from django.db import connection

    key = connection.alias, connection.vendor
    if key not in _GRANT_SQL:
        _GRANT_SQL[key] = _grant_sql()
    # By content type id (cached by Django): no join to django_content_type.
    content_type = ContentType.objects.get_for_model(OrgUnit).pk
    lent = [True, user.pk, now, now, content_type]
    with connection.cursor() as cursor:
        cursor.execute(_GRANT_SQL[key], [user.pk, content_type, user.pk, content_type, *lent, *lent])
        rows = cursor.fetchall()
    for codename, path, lender, until in rows:
        if isinstance(until, str):  # SQLite hands an untyped column over as text
            until = parse_datetime(until)
        if until is not None and timezone.is_naive(until):
            until = until.replace(tzinfo=datetime.UTC)
        yield codename, path, lender, until


def own_grants(user: AnyUser) -> set[tuple[str, str]]:
    """``{(role, unit path)}`` the user holds now by their own right (not lent), whether or not
    the account is active: the starting point for replaying the role history backwards
    (``records.roles``: the roles a reader held when they read)."""
    now = timezone.now()
    return {
        (codename.removeprefix("role_"), path)
        for codename, path, lender, _until in _grant_rows(user, now)
        if not lender
    }


def role_scope(user: AnyUser) -> RoleScope:
    """The user's roles and where they hold them, lent roles included; cached on the user
    object for the request (and no longer than a lent role or ``SCOPE_TTL`` lasts)."""
    now = timezone.now()
    cached = getattr(user, "_role_scope", None)
    if cached is not None and cached.fresh(now):
        return cached
    valid_until = now + SCOPE_TTL
    scope = RoleScope(computed_at=now, valid_until=valid_until)
    if user.is_authenticated and user.is_active:
        for codename, path, lender, until in _grant_rows(user, now):
            role = codename.removeprefix("role_")
            scope.paths.setdefault(role, []).append(path)
            if lender:
                scope.lent.setdefault(role, []).append((path, lender))
                valid_until = min(valid_until, until) if until is not None else valid_until
                scope.valid_until = valid_until
            else:
                scope.own.setdefault(role, []).append(path)
    user.__dict__["_role_scope"] = scope
    return scope


def begin_action(user: AnyUser | None, report_id: int | None) -> None:
    """Start one service call's action on the case: forget what an earlier permission check on
    the same user object noted, so that the audit row of this action names an absent person
    only when a check made for this action found the role lent. ``cases.services`` call it
    when they load the case (``load_report``), the task services when they load the task."""
    if user is not None and report_id is not None:
        user.__dict__.get("_on_behalf_of", {}).pop(report_id, None)


def allowed_roles(user: AnyUser, report: Report, roles: Iterable[str]) -> set[str]:
    """Which of ``roles`` the user holds on the case (``case_roles``), noting on the user
    object, for the audit row of the action about to be taken, whether they hold them only
    as a substitute: ``on_behalf_of(user, report)`` then names the absent person. The note
    lasts until the next check on the case or the next ``begin_action``, whichever is first."""
    from cases.models.lifecycles import case_roles

    held = case_roles(user, report) & set(roles)
    notes = user.__dict__.setdefault("_on_behalf_of", {})
    lender = (
        role_scope(user).lender(held, report.unit) if held and not held & {INVESTIGATOR, "reporter"} else None
    )
    if lender:
        notes[report.pk] = lender
    else:
        notes.pop(report.pk, None)
    return held


def reads_everything(user: AnyUser, report: Report) -> bool:
    """Whether the user reads the whole case, its parts included: those who work on it or
    may view it by role. Someone who is only its reporter follows its status."""
    from cases.models.lifecycles import case_roles

    return bool(case_roles(user, report) & (HANDLER_ROLES[report.type] | VIEW_ROLES[report.type]))


def on_behalf_of(user: AnyUser | None, report_id: int | None) -> int | None:
    """The absent person whose lent role the action being taken on the case (since
    ``begin_action``) rests on, or None."""
    if user is None or report_id is None:
        return None
    return getattr(user, "__dict__", {}).get("_on_behalf_of", {}).get(report_id)


def forget_role_scope(user: AnyUser) -> None:
    user.__dict__.pop("_role_scope", None)


def units_with_role(user: AnyUser, role: str) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(role_scope(user).units_q([role], prefix=""))
