"""The scheduler's jobs for the legal clocks and the actions' due dates (``SCHEDULER_JOBS``).

Each job is called as ``job(now)`` and returns how many things it fired. Every warning, overdue
notice and escalation is one ``ClockEvent`` row (one ``ActionReminder`` for actions), inserted
in its own transaction together with its audit row and its domain event; the row's unique
constraint makes firing idempotent. A second scheduler running the same round at the same
time fails to insert the row (PostgreSQL makes it wait for the first one's commit, SQLite's
IMMEDIATE transactions serialise the two) and skips it: one row, one audit row, one event.
"""

import datetime
import logging

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases import audit
from cases.access import (
    BOARD_CLOCK_ROLES,
    CLOCK_ACTORS,
    CLOCK_HANDLER,
    CLOCK_NEXT_STEP,
    INVESTIGATOR,
    VIEW_ROLES,
)
from cases.events import emit
from cases.models import (
    CLOSED_STATES,
    Action,
    ActionReminder,
    CaseClock,
    ClockEvent,
    DeadlineRule,
    OrgUnitGroupObjectPermission,
    OrgUnitUserObjectPermission,
    Role,
)
from cases.models.organisation import role_codename

logger = logging.getLogger(__name__)

# Who must act on each clock (cases.access).
HANDLER, NEXT_STEP, ACTS = CLOCK_HANDLER, CLOCK_NEXT_STEP, CLOCK_ACTORS


def _ancestor_ids(unit):
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def with_substitutes(user_ids, now=None):
    """``user_ids`` and the active substitutes of those of them who are absent at ``now``
    (``workflows.Substitute``): a warning reaches whoever stands in for the one who must act."""
    from workflows.models import Substitute

    user_ids = set(user_ids)
    if not user_ids:
        return []
    standing_in = (
        Substitute.objects.active(now)
        .filter(person_id__in=user_ids, substitute__is_active=True)
        .values_list("substitute_id", flat=True)
    )
    return sorted(user_ids | set(standing_in))


def role_holders(roles, unit, cache=None, now=None):
    """Active users holding one of ``roles`` on ``unit``: for each role, those granted it on the
    nearest node at or above the unit that has any holder (the unit's own manager before the
    manager of the whole department), and the substitutes of those of them absent at ``now``.
    ``cache``, a dict, keeps the answers for one round."""
    key = (frozenset(roles), unit.pk)
    if cache is not None and key in cache:
        return cache[key]
    ancestors = _ancestor_ids(unit)
    codenames = [role_codename(role) for role in roles]
    where = {"content_object_id__in": ancestors, "permission__codename__in": codenames}
    grants = set(
        OrgUnitGroupObjectPermission.objects.filter(group__user__is_active=True, **where).values_list(
            "permission__codename", "content_object_id", "group__user"
        )
    )
    grants |= set(
        OrgUnitUserObjectPermission.objects.filter(user__is_active=True, **where).values_list(
            "permission__codename", "content_object_id", "user_id"
        )
    )
    users = set()
    for codename in codenames:
        held = [(ancestors.index(node), user) for code, node, user in grants if code == codename]
        nearest = max((depth for depth, _user in held), default=None)
        users |= {user for depth, user in held if depth == nearest}
    users = with_substitutes(users, now)
    if cache is not None:
        cache[key] = users
    return users


def next_step_roles(report):
    roles = set()
    for transition in report.get_available_state_transitions():
        roles |= transition.custom["roles"]
    return roles - {Role.REPORTER, INVESTIGATOR}


def who_acts(clock, cache=None, now=None):
    report = clock.report.typed()
    acts = ACTS.get(clock.code, NEXT_STEP)
    if acts == HANDLER and report.handler_id:
        return with_substitutes([report.handler_id], now)
    roles = next_step_roles(report) if acts in (HANDLER, NEXT_STEP) else acts
    return role_holders(roles, report.unit, cache, now) or role_holders(
        BOARD_CLOCK_ROLES[report.type], report.namnd, cache, now
    )


def escalation_recipients(clock, cache=None, now=None):
    """The unit managers of the parent unit (when they may see this type of case), and the SAS
    of the nämnd (the MAS for lex Maria: ``BOARD_CLOCK_ROLES``) when the clock is legal or there
    is no manager above the unit."""
    report = clock.report
    managers = []
    parent = report.unit.parent
    if (
        parent is not None
        and parent.namnd_id == report.namnd_id
        and Role.UNIT_MANAGER in VIEW_ROLES[report.type]
    ):
        managers = role_holders({Role.UNIT_MANAGER}, parent, cache, now)
    if clock.rule.legal_reference_id or not managers:
        board = role_holders(BOARD_CLOCK_ROLES[report.type], report.namnd, cache, now)
        managers = sorted(set(managers) | set(board))
    return managers


def _fire(obj, model, fields, *, report, action, payload):
    """Insert the row that says this was fired, with its audit row and event; False if it was already."""
    try:
        with transaction.atomic():
            model.objects.create(**fields)
            audit.record(
                action, actor=None, obj=obj, report_id=report.pk, payload={**payload, "by": "scheduler"}
            )
            emit(action, report=report, actor=None, **payload)
    except IntegrityError:
        return False
    return True


def _clock_payload(clock, user_ids, **extra):
    return {
        "clock_id": clock.pk,
        "code": clock.code,
        "due_at": clock.due_at.isoformat(),
        **extra,
        "user_ids": user_ids,
    }


def due_clock_events(clock, now):
    """What should have fired for this running clock by ``now``: (kind, level, extra payload)."""
    due = []
    if now >= clock.due_at:
        due.append((ClockEvent.Kind.OVERDUE, 0))
        if now >= clock.due_at + datetime.timedelta(hours=clock.rule.escalate_after_hours):
            due.append((ClockEvent.Kind.ESCALATED, 0))
        return due
    # Only the most urgent warning whose time has come: after a pause of the scheduler, the
    # 6-hour warning does not bring a stale 24-hour one with it.
    levels = sorted(int(h) for h in clock.rule.warn_before_hours or [])
    for level in levels:
        if now >= clock.due_at - datetime.timedelta(hours=level):
            due.append((ClockEvent.Kind.WARNING, level))
            break
    return due


def fire_clocks(now):
    """Warnings, overdue notices and escalations of the running clocks; returns how many fired."""
    horizon = max((max(map(int, r.warn_before_hours or [0])) for r in DeadlineRule.objects.all()), default=0)

    def fired(kind):
        return Exists(ClockEvent.objects.filter(clock=OuterRef("pk"), kind=kind))

    # Past due with both its overdue notice and its escalation sent: nothing more to fire, so
    # a quiet round does not read the clocks that stay overdue for weeks.
    running = (
        CaseClock.objects.filter(stopped_at__isnull=True, due_at__lte=now + datetime.timedelta(hours=horizon))
        .filter(Q(due_at__gt=now) | ~fired(ClockEvent.Kind.OVERDUE) | ~fired(ClockEvent.Kind.ESCALATED))
        .exclude(report__state__in=CLOSED_STATES)
        .select_related("report__unit__parent", "report__namnd", "rule")
        .prefetch_related("events")
        .order_by("due_at")
    )
    count, cache = 0, {}
    for clock in running:
        done = {(event.kind, event.level) for event in clock.events.all()}
        for kind, level in due_clock_events(clock, now):
            if (kind, level) in done:
                continue
            if kind == ClockEvent.Kind.WARNING:
                hours_left = max(0, int((clock.due_at - now).total_seconds() // 3600))
                payload = _clock_payload(clock, who_acts(clock, cache, now), hours_left=hours_left)
            elif kind == ClockEvent.Kind.OVERDUE:
                payload = _clock_payload(clock, who_acts(clock, cache, now))
            else:
                payload = _clock_payload(clock, escalation_recipients(clock, cache, now))
            count += _fire(
                clock,
                ClockEvent,
                {"clock": clock, "kind": kind, "level": level, "fired_at": now},
                report=clock.report,
                action=f"clock.{kind}",
                payload=payload,
            )
    return count


def action_due_at(action):
    """An action is due by the end of its due date, Swedish time."""
    end = datetime.datetime.combine(action.due_date + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(end)


def fire_action_reminders(now):
    """``action.due_soon`` and ``action.overdue`` to the owner of each open action, and to the
    active substitute of an owner absent at ``now``; returns how many fired."""
    rule = DeadlineRule.current("action-due", timezone.localdate(now))
    warn_hours = max(map(int, rule.warn_before_hours or [0])) if rule else 0
    last_day = timezone.localdate(now) + datetime.timedelta(days=warn_hours // 24 + 1)
    overdue_sent = ActionReminder.objects.filter(
        action=OuterRef("pk"), kind=ActionReminder.Kind.OVERDUE, due_date=OuterRef("due_date")
    )
    actions = (
        Action.objects.exclude(status=Action.Status.DONE)
        .exclude(report__state__in=CLOSED_STATES)
        .filter(due_date__lte=last_day)
        .exclude(Exists(overdue_sent))
        .select_related("report")
        .prefetch_related("reminders")
    )
    due = []
    for action in actions:
        due_at = action_due_at(action)
        if now >= due_at:
            kind = ActionReminder.Kind.OVERDUE
        elif warn_hours and now >= due_at - datetime.timedelta(hours=warn_hours):
            kind = ActionReminder.Kind.DUE_SOON
        else:
            continue
        if not any(r.kind == kind and r.due_date == action.due_date for r in action.reminders.all()):
            due.append((action, kind))
    # One query for the substitutes of every owner absent now, not one per reminder.
    standing_in = {}
    if due:
        from workflows.models import Substitute

        for person_id, substitute_id in (
            Substitute.objects.active(now)
            .filter(person_id__in={a.owner_id for a, _k in due}, substitute__is_active=True)
            .values_list("person_id", "substitute_id")
        ):
            standing_in.setdefault(person_id, set()).add(substitute_id)
    fired = 0
    for action, kind in due:
        user_ids = sorted({action.owner_id} | standing_in.get(action.owner_id, set()))
        payload = {"action_id": action.pk, "due_date": action.due_date.isoformat(), "user_ids": user_ids}
        fired += _fire(
            action,
            ActionReminder,
            {"action": action, "kind": kind, "due_date": action.due_date, "fired_at": now},
            report=action.report,
            action=f"action.{kind}",
            payload=payload,
        )
    return fired


def fire_workflow_timers(now):
    """viewflow's own database timers (``flow.Timer``, ``.OnTimeout``) and conditional catches,
    as ``manage.py workflow_timers`` fires them; start timers are left to that command, which
    must run as a single instance (viewflow/workflow/timers.py)."""
    if not apps.is_installed("viewflow.workflow"):
        return 0
    from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

    return fire_due_timers() + fire_due_conditions()
