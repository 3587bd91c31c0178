"""Every read of cases for a user goes through here: querysets already scoped to what the
user may see, so that no list or detail can leak another unit's or board's cases."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.access import (
    AGGREGATE_ROLES,
    AUDIT_READING_ROLES,
    DELEGATION_REGISTER_ROLES,
    INVESTIGATOR,
    OVERDUE_ROLES,
    PROTECTED_IDENTITY_ROLES,
    VIEW_ROLES,
    role_scope,
)
from cases.models import (
    CLOSED_STATES,
    UNCOUNTED_STATES,
    Action,
    AuditEvent,
    CaseClock,
    CaseCorrection,
    DelegationDecision,
    OrgUnit,
    Report,
    ReportUserObjectPermission,
    Role,
)
from cases.models.lifecycles import case_roles
from cases.statements import Statement

if TYPE_CHECKING:
    from cases.models import AffectedPerson, User
    from cases.models.organisation import AnyUser


def visible_reports(user: AnyUser) -> QuerySet[Report]:
    if not user.is_authenticated or not user.is_active:
        return Report.objects.none()
    return Report.objects.filter(visible_q(user))


def visible_q(user: AnyUser, via: str = "") -> Q:
    """The rule of ``visible_reports`` as a condition on the case reached through ``via`` (e.g.
    ``"report__"`` from a notification): a list of things that each name a case (few of them)
    is filtered on its joined case, so the planner starts from those things rather than from
    every case the user may see."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    scope = role_scope(user)
    named = ReportUserObjectPermission.objects.filter(
        user=user, permission__codename="investigate_report"
    ).values("content_object_id")
    q = Q(**{f"{via}reporter": user}) | Q(**{f"{via}pk__in": named})
    for report_type, roles in VIEW_ROLES.items():
        if scope.roles & roles:
            q |= Q(**{f"{via}type": report_type}) & scope.units_q(roles, prefix=f"{via}unit__")
    return q


def report_list(
    user: AnyUser, *, type: str | None = None, state: str | None = None, unit: int | None = None
) -> QuerySet[Report]:
    qs = visible_reports(user).select_related("unit", "namnd")
    if type:
        qs = qs.filter(type=type)
    if state:
        qs = qs.filter(state=state)
    if unit:
        qs = qs.filter(unit_id=unit)
    return qs.order_by("-reported_at", "-id")


# The case register's orders (``case_register``): name -> the columns, the newest first by default.
REGISTER_SORTS: dict[str, tuple[Any, ...]] = {
    "-reported": ("-reported_at", "-id"),
    "reported": ("reported_at", "id"),
    "-number": ("-case_year", "-case_sequence", "-id"),
    "number": ("case_year", "case_sequence", "id"),
    "type": ("type", "-reported_at", "-id"),
    "state": ("state", "-reported_at", "-id"),
    "unit": ("unit__name", "-reported_at", "-id"),
    "-closed": (F("closed_at").desc(nulls_last=True), "-id"),
}
REGISTER_OPEN, REGISTER_CLOSED = "open", "closed"
REGULATOR_NONE = "none"
# A case number as people write it: letters, a year, a slash and the number ("SN 2026/0023").
_CASE_NUMBER = re.compile(r"^\s*([A-Za-z0-9ÅÄÖåäö-]+)\s*(\d{4})\s*/\s*(\d+)\s*$")


def normalised_case_number(text: str) -> str | None:
    """``text`` as a whole case number in the stored form (``SN 2026/0023``), or None when it
    is not one: the register and the inbox then find it by the unique index alone."""
    match = _CASE_NUMBER.match(text or "")
    if not match:
        return None
    prefix, year, sequence = match.groups()
    return f"{prefix} {year}/{int(sequence):04d}"


def case_number_or_text_q(text: str, via: str = "") -> Q:
    """Cases found by what someone typed in a search box: the whole case number (exact, any
    letter case), else a part of the number or of the description."""
    number = normalised_case_number(text)
    if number is not None:  # by the unique index, as typed and with the prefix in capitals
        return Q(**{f"{via}case_number__in": sorted({number, number.upper()})})
    text = text.strip()
    return Q(**{f"{via}case_number__icontains": text}) | Q(**{f"{via}description__icontains": text})


def case_register(
    user: AnyUser,
    *,
    q: str = "",
    person: str = "",
    reporter: str = "",
    type: str | None = None,
    state: str | None = None,
    unit: OrgUnit | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    risk_band: int | None = None,
    overdue: bool = False,
    open_actions: bool = False,
    regulator_status: str | None = None,
    sort: str = "-reported",
    now: datetime.datetime | None = None,
) -> QuerySet[Report]:
    """The case register: every case the user may see, open and closed, filtered and sorted.

    ``q``: the case number (whole, or a part) or text of the description; ``person``: the name
    or personal identity number of a person concerned (a person with a protected identity is
    found only by those who may see who they are); ``reporter``: the reporter's name or user
    name, or a public submitter's name. ``state`` is a state's code or ``"open"``/``"closed"``;
    ``unit`` takes its subtree; ``start``/``end`` bound the moment the case was reported
    (``end`` excluded); ``regulator_status`` is a notification's state or ``"none"``."""
    from cases.models import AffectedPerson, RegulatorNotification

    now = now or timezone.now()
    qs = visible_reports(user)
    if q.strip():
        qs = qs.filter(case_number_or_text_q(q))
    if person.strip():
        qs = qs.filter(pk__in=_persons_found(user, person.strip(), AffectedPerson))
    if reporter.strip():
        for word in reporter.split():
            qs = qs.filter(
                Q(reporter__first_name__icontains=word)
                | Q(reporter__last_name__icontains=word)
                | Q(reporter__username__iexact=word)
                | Q(submitter_name__icontains=word)
            )
    if type:
        qs = qs.filter(type=type)
    if state == REGISTER_OPEN:
        qs = qs.exclude(state__in=CLOSED_STATES)
    elif state == REGISTER_CLOSED:
        qs = qs.filter(state__in=CLOSED_STATES)
    elif state:
        qs = qs.filter(state=state)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if start is not None:
        qs = qs.filter(reported_at__gte=start)
    if end is not None:
        qs = qs.filter(reported_at__lt=end)
    if risk_band:
        qs = qs.filter(risk_band_id=risk_band)
    if overdue:
        clocks = CaseClock.objects.filter(stopped_at__isnull=True, due_at__lte=now).values("report_id")
        late_actions = (
            Action.objects.filter(due_date__lt=timezone.localdate(now))
            .exclude(status=Action.Status.DONE)
            .values("report_id")
        )
        qs = qs.exclude(state__in=CLOSED_STATES).filter(Q(pk__in=clocks) | Q(pk__in=late_actions))
    if open_actions:
        qs = qs.filter(
            pk__in=Action.objects.exclude(status=Action.Status.DONE).order_by().values("report_id")
        )
    if regulator_status == REGULATOR_NONE:
        qs = qs.exclude(pk__in=RegulatorNotification.objects.order_by().values("report_id"))
    elif regulator_status:
        qs = qs.filter(
            pk__in=RegulatorNotification.objects.filter(state=regulator_status).order_by().values("report_id")
        )
    return qs.select_related("unit", "risk_band").order_by(
        *REGISTER_SORTS.get(sort, REGISTER_SORTS["-reported"])
    )


def _persons_found(user: AnyUser, text: str, model: Any) -> QuerySet[Any]:
    """The cases of the persons whose name or personal identity number matches ``text``; a
    person with a protected identity only on cases where the user may see who they are."""
    if not user.is_authenticated:
        return model.objects.none().values("report_id")
    digits = re.sub(r"\D", "", text)
    match = Q(name__icontains=text)
    if len(digits) >= 10:  # stored as YYYYMMDD-NNNN: the last ten digits with the dash
        match |= Q(personnummer__endswith=f"{digits[-10:-4]}-{digits[-4:]}")
    elif len(digits) >= 6:  # a date of birth
        match |= Q(personnummer__contains=digits)
    scope = role_scope(user)
    named = ReportUserObjectPermission.objects.filter(
        user=user, permission__codename="investigate_report"
    ).values("content_object_id")
    may_see_protected = scope.units_q(PROTECTED_IDENTITY_ROLES - {INVESTIGATOR}, prefix="report__unit__") | Q(
        report_id__in=named
    )
    return (
        model.objects.filter(match)
        .filter(Q(protected_identity=False) | may_see_protected)
        .values("report_id")
    )


def count_up_to(qs: QuerySet[Any], limit: int) -> int:
    """How many rows ``qs`` holds, counted no further than ``limit``: a page says "more than
    10,000" rather than have the database count a million cases for it."""
    return qs.order_by().values("pk")[:limit].count()


def report_detail(user: AnyUser, report_id: int | str) -> Report | None:
    """The case, typed, or None when it does not exist or the user may not see it."""
    report = (
        visible_reports(user)
        .select_related(
            "unit",
            "namnd",
            "reporter",
            "handler",
            "risk_band",
            "category",
            "complaint_kind",
            "complaint_source",
            "subject_area",
            "merged_into",
        )
        .filter(pk=report_id)
        .first()
    )
    return report.typed() if report else None


def access_report(user: AnyUser, report_id: Any) -> Report:
    """The case, typed, as ``report_detail`` reads it; ``Http404`` when it does not exist or the
    user may not see it (the two answer alike). The one "case or 404" of the web pages and the
    API (DRF answers ``Http404`` with its 404)."""
    report = report_detail(user, report_id)
    if report is None:
        raise Http404()
    return report


_CASE_WITH_UNIT = Statement(
    lambda pk: Report.objects.select_related("unit").filter(pk=pk).order_by()[:1], int
)


def report_for_change(user: AnyUser, report_id: int) -> Report | None:
    """The case, typed, for a service about to change it; None as for ``report_detail``.

    The same visibility as ``visible_reports``, decided in Python from the roles the user
    holds on this one case (``case_roles``, which the permission check needs anyway) instead
    of in SQL: a primary-key lookup joining only the unit plans in a fraction of the time the
    visibility ``OR``s take, and is compiled once (``cases.statements``; docs/performance.md)."""
    if not user.is_authenticated or not user.is_active:
        return None
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        return None
    report = _CASE_WITH_UNIT.first(report_id)
    if report is None:
        return None
    report.typed()
    return report if may_view(user, report) else None


def may_view(user: AnyUser, report: Report) -> bool:
    """Whether ``user`` may see ``report``: the rule of ``visible_reports`` for one case."""
    roles = case_roles(user, report)
    return bool(roles & ({Role.REPORTER, INVESTIGATOR} | VIEW_ROLES[report.type]))


def report_persons(user: AnyUser, report: Report) -> list[AffectedPerson]:
    persons = list(report.persons.all())
    if not case_roles(user, report) & PROTECTED_IDENTITY_ROLES:
        for person in persons:
            if person.protected_identity:
                person.name, person.personnummer = "", ""
                person.__dict__["masked"] = True  # shown as "protected identity"
    return persons


def report_actions(report: Report) -> QuerySet[Action]:
    return report.actions.select_related("owner").prefetch_related("causes")


def report_links(user: AnyUser, report: Report) -> list[dict[str, Any]]:
    """Linked cases, each with whether this user may open it (the number shows either way)."""
    outgoing = list(report.links_out.select_related("target"))
    incoming = list(report.links_in.select_related("source"))
    linked = {link.target_id for link in outgoing} | {link.source_id for link in incoming}
    # Which of the linked cases the user may see, by their ids: the planner starts from those
    # few by primary key (a join would make it scan every case the user may see first, 0.3 s
    # at 100,000 cases). Most cases have no links, and then nothing is asked.
    visible = (
        set(visible_reports(user).filter(pk__in=linked).values_list("pk", flat=True)) if linked else set()
    )
    links = []
    for link in outgoing:
        links.append(
            {
                "direction": "to",
                "report": link.target,
                "reason": link.reason,
                "visible": link.target_id in visible,
                "created_at": link.created_at,
            }
        )
    for link in incoming:
        links.append(
            {
                "direction": "from",
                "report": link.source,
                "reason": link.reason,
                "visible": link.source_id in visible,
                "created_at": link.created_at,
            }
        )
    return links


def report_timeline(user: AnyUser, report: Report) -> QuerySet[AuditEvent]:
    """The case's history, from the audit trail's change chain."""
    return AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE, report_id=report.pk).order_by("seq")


def report_corrections(report: Report) -> list[CaseCorrection]:
    """The case's corrections, oldest first, with who made them and the other case of a
    merge: for whoever reads the whole case (the caller has checked that)."""
    return list(report.corrections.select_related("created_by", "other"))


def delegation_boards(user: AnyUser) -> list[OrgUnit]:
    """The boards whose register of delegation decisions this user reads: those where they
    hold a role of ``DELEGATION_REGISTER_ROLES`` (on the board or above it)."""
    if not user.is_authenticated or not user.is_active:
        return []
    scope = role_scope(user)
    boards = OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD).order_by("name", "pk")
    return [board for board in boards if scope.roles_on(board) & DELEGATION_REGISTER_ROLES]


def delegation_register(
    user: AnyUser,
    board: OrgUnit,
    start: datetime.date,
    end: datetime.date,
    *,
    unreported_only: bool = False,
) -> QuerySet[DelegationDecision]:
    """The board's delegation decisions taken on the local days ``start``..``end``, of the
    cases this user may read (a DSO the breaches' IMY decisions, a registrar or decision maker
    the lex Sarah ones, the SAS all), oldest first. The caller has checked that the board is
    one of ``delegation_boards``."""
    low = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    high = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    decisions = DelegationDecision.objects.filter(
        visible_q(user, "report__"),
        report__namnd=board,
        decided_at__gte=low,
        decided_at__lt=high,
    )
    if unreported_only:
        decisions = decisions.filter(reported_to_board_on__isnull=True)
    return decisions.select_related("report", "legal_reference").order_by("decided_at", "id")


def may_read_audit(user: AnyUser, report: Report) -> bool:
    return bool(case_roles(user, report) & AUDIT_READING_ROLES)


def user_actions(user: User) -> QuerySet[Action]:
    """Open actions owned by the user, on cases they may see."""
    return Action.objects.filter(owner=user, report__in=visible_reports(user)).exclude(
        status=Action.Status.DONE
    )


def overdue_for(
    user: AnyUser, unit: OrgUnit | None = None, now: datetime.datetime | None = None
) -> dict[str, Any] | None:
    """The overdue clocks and actions of open cases this user may see, in the units where they
    hold an overdue role (or in ``unit``, below it included). ``None`` when ``unit`` is given
    and the user holds no such role on it: answer 404, as for a unit that does not exist."""
    scope = role_scope(user)
    if unit is not None:
        if not scope.roles_on(unit) & OVERDUE_ROLES:
            return None
        within = Q(report__unit__path__startswith=unit.path)
    else:
        within = scope.units_q(OVERDUE_ROLES, prefix="report__unit__")
    now = now or timezone.now()
    # The visibility as a condition on each overdue thing's own case (``visible_q``): the plan
    # starts from the few overdue clocks and actions, not from every open case the user may
    # see (a million cases: 1.3 s → a few ms).
    visible = visible_q(user, via="report__")
    clocks = (
        CaseClock.objects.filter(within, visible, stopped_at__isnull=True, due_at__lte=now)
        .exclude(report__state__in=CLOSED_STATES)
        .select_related("report__unit", "rule__legal_reference")
        .order_by("due_at", "id")
    )
    actions = (
        Action.objects.filter(within, visible, due_date__lt=timezone.localdate(now))
        .exclude(report__state__in=CLOSED_STATES)
        .exclude(status=Action.Status.DONE)
        .select_related("report__unit", "owner")
        .order_by("due_date", "id")
    )
    return {"clocks": clocks, "actions": actions}


def aggregate_roles(report_type: str) -> set[str]:
    return set(AGGREGATE_ROLES[report_type])


def aggregate_reports(user: AnyUser) -> QuerySet[Report]:
    """The cases counted in this user's statistics. Callers show counts, never content:
    leadership sees no case, and drill-down to cases goes through ``report_list``."""
    if not user.is_authenticated or not user.is_active:
        return Report.objects.none()
    return Report.objects.filter(aggregate_scope(user)).exclude(state__in=UNCOUNTED_STATES)


def aggregate_scope(user: AnyUser) -> Q:
    """The condition of ``aggregate_reports`` as a ``Q`` on ``type`` and ``unit``, which holds
    alike on Report and on the pre-aggregated MonthlyCount (reporting.services.aggregates)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    scope = role_scope(user)
    # Types reached through the same subtrees share one condition, and a condition that
    # covers every type needs no type filter: leadership's query is a plain subtree scan.
    by_paths: dict[frozenset[str], list[str]] = {}
    for report_type in VIEW_ROLES:
        paths = frozenset(p for role in aggregate_roles(report_type) & scope.roles for p in scope.paths[role])
        if paths:
            by_paths.setdefault(paths, []).append(report_type)
    q = Q(pk__in=[])
    for paths, types in by_paths.items():
        units = Q(pk__in=[])
        for path in sorted(paths):
            units |= Q(unit__path__startswith=path)
        q |= units if len(types) == len(VIEW_ROLES) else Q(type__in=types) & units
    return q


def aggregate_units(user: AnyUser, report_type: str | None = None) -> QuerySet[OrgUnit]:
    """The units (enheter) whose cases of ``report_type`` (or of any type) this user counts in
    the statistics: those under the nodes where they hold a role that counts that type. The
    statistics by unit list each of them, with zeros when it had no cases."""
    from cases.models import OrgUnit

    if not user.is_authenticated or not user.is_active:
        return OrgUnit.objects.none()
    scope = role_scope(user)
    types = [report_type] if report_type else list(VIEW_ROLES)
    paths = {p for t in types for role in aggregate_roles(t) & scope.roles for p in scope.paths[role]}
    units = Q(pk__in=[])
    for path in sorted(paths):
        units |= Q(path__startswith=path)
    return OrgUnit.objects.filter(units, kind=OrgUnit.Kind.UNIT)


def cases_filed_under(unit: OrgUnit) -> bool:
    """Whether any case is filed on the unit or below it: the administration's check before a
    change that would rewrite the history of those cases (``OrgUnit.clean``). Shows no case."""
    return Report.objects.filter(unit__path__startswith=unit.path).exists()


def compilation_reports(namnd: OrgUnit) -> QuerySet[Report]:
    """Every case of a board, or of every board under a municipality, for a compilation
    whose reader ``reporting.access`` has already allowed; without the withdrawn reports and
    the merged duplicates, which no compilation counts (``UNCOUNTED_STATES``)."""
    return Report.objects.filter(compilation_scope(namnd)).exclude(state__in=UNCOUNTED_STATES)


def compilation_scope(namnd: OrgUnit) -> Q:
    """The condition of ``compilation_reports`` as a ``Q`` on ``namnd``, which holds alike on
    Report and on MonthlyCount."""
    if namnd.kind == namnd.Kind.BOARD:
        return Q(namnd=namnd)
    return Q(namnd__path__startswith=namnd.path)


def report_for_receipt(code: str) -> Report | None:
    """The case a public submitter's receipt code opens, typed, or None. The code page shows
    only the submission itself, its state and the messages (cases.web.public)."""
    from cases.models import ReceiptCode
    from cases.models.messages import receipt_digest

    receipt = ReceiptCode.objects.select_related("report").filter(code_hash=receipt_digest(code)).first()
    return receipt.report.typed() if receipt else None
