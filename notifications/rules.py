"""Domain events → notifications, by the rules in the database.

Runs after the change's transaction committed (``cases.outbox`` delivers each event from the
outbox after the commit, and again until it succeeds). The notifications of one event are
written in one transaction; their e-mails are enqueued when it commits. An event handled twice
produces nothing new: each notification's key is derived from the event, the rule and the
recipient.
"""

import hashlib
import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cases import reference_cache
from cases.clock_jobs import role_holders
from cases.models import Action, OrgUnit, OrgUnitUserObjectPermission, Report
from cases.models.organisation import role_codename, role_group_name
from notifications.models import Mode, Notification, NotificationRule, Position, Preference, RuleRecipient

# What of an event's data a notification keeps: ids, codes and times, never free text.
KEPT_DATA = {
    "type",
    "source",
    "target",
    "regulator",
    "task_id",
    "step",
    "reason",
    "clock_id",
    "code",
    "due_at",
    "hours_left",
    "action_id",
    "object_id",
    "due_date",
}


def handle_case_event(sender, *, name, report_id, actor_id=None, data=None, **kwargs):
    """The ``case_event`` receiver. A failure propagates to the outbox, which keeps the event
    and delivers it again later (``cases.outbox``): nothing is logged and dropped."""
    return notify(name, report_id=report_id, actor_id=actor_id, data=data or {})


class Rules(list):
    """The active rules of one event name, whatever their validity and report type."""

    def for_type(self, report_type, day=None):
        """Those that apply to a case of ``report_type`` on ``day`` (today, local time)."""
        day = day or timezone.localdate()
        return [
            rule
            for rule in self
            if rule.report_type in ("", report_type)
            and rule.valid_from <= day
            and (rule.valid_to is None or day <= rule.valid_to)
        ]


def matching_rules(name):
    """The active rules for events called ``name``, with their recipients: read from the
    database once per event name and process (``cases.reference_cache``, kept current when a
    rule or a recipient is saved or deleted); validity and report type are decided per event
    with ``Rules.for_type``."""
    return reference_cache.kept(
        ("notification-rules", name),
        lambda: Rules(
            NotificationRule.objects.filter(is_active=True, event=name).prefetch_related("recipients")
        ),
    )


reference_cache.connect(NotificationRule, RuleRecipient)


def notify(name, *, report_id, actor_id=None, data=None):
    """Create the notifications an event calls for; return them."""
    from notifications.delivery import schedule_email

    data = data or {}
    candidates = matching_rules(name)
    if not candidates:
        return []  # no rule for this event at all: the case need not even be read
    report = Report.objects.select_related("unit").filter(pk=report_id).first()
    if report is None:
        return []
    rules = candidates.for_type(report.type)
    if not rules:
        return []
    event_hash = hashlib.sha256(
        json.dumps([name, report_id, data], sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    kept = {k: v for k, v in data.items() if k in KEPT_DATA}
    created = []
    with transaction.atomic():
        for rule in rules:
            payload = dict(kept, **_deadline(rule, report))
            users, addresses = resolve_recipients(rule, report, data, actor_id)
            modes = _modes(rule, users)
            targets = [(f"u{user.pk}", user, "") for user in users]
            targets += [(f"a{hashlib.sha256(a.encode()).hexdigest()[:16]}", None, a) for a in addresses]
            for token, user, address in targets:
                mode = modes.get(user.pk, Mode.IMMEDIATE) if user else Mode.IMMEDIATE
                if not rule.in_app and (not rule.by_email or mode == Mode.OFF):
                    continue
                notification = _create(
                    key=f"{event_hash}:{rule.pk}:{token}",
                    rule=rule,
                    kind=rule.kind,
                    event=name,
                    user=user,
                    address=address,
                    report=report,
                    case_number=report.case_number,
                    data=payload,
                    in_app=rule.in_app and user is not None,
                    digest=rule.by_email and mode == Mode.DAILY,
                )
                if notification is None:
                    continue
                created.append(notification)
                if rule.by_email and mode == Mode.IMMEDIATE:
                    schedule_email(notification)
    return created


def _create(**fields):
    try:
        with transaction.atomic():
            return Notification.objects.create(**fields)
    except IntegrityError:
        return None  # this event was handled before


def _modes(rule, users):
    prefs = dict(Preference.objects.filter(user__in=users, kind=rule.kind).values_list("user_id", "mode"))
    if rule.legal_clock:
        return {uid: Mode.IMMEDIATE if mode == Mode.OFF else mode for uid, mode in prefs.items()}
    return prefs


def _deadline(rule, report):
    """The due time the message states: the case's own running clock (cases.services.clocks
    starts it when the case is filed), never a time computed here. No running clock (stopped,
    or the deadline does not apply): no deadline stated."""
    if not rule.deadline_code:
        return {}
    clock = report.clocks.filter(code=rule.deadline_code, stopped_at__isnull=True).first()
    return {"due_at": clock.due_at.isoformat()} if clock else {}


def _ancestor_ids(unit):
    return [int(pk) for pk in unit.path.strip("/").split("/") if pk]


def users_with_role(role, unit_ids=None):
    """Active users holding ``role`` on any of these units (anywhere when None), by group or
    by direct grant."""
    User = get_user_model()
    direct = OrgUnitUserObjectPermission.objects.filter(permission__codename=role_codename(role))
    if unit_ids is None:
        groups = Q(groups__name__startswith=f"{role}@")  # role_group_name(role, any unit)
    else:
        direct = direct.filter(content_object_id__in=unit_ids)
        groups = Q(groups__name__in=[role_group_name(role, OrgUnit(pk=pk)) for pk in unit_ids])
    return User.objects.filter(is_active=True).filter(groups | Q(pk__in=direct.values("user_id"))).distinct()


def resolve_recipients(rule, report, data, actor_id=None):
    """(users, addresses) a rule reaches for this case and event; never the actor."""
    User = get_user_model()
    users, addresses = {}, []
    ancestors = _ancestor_ids(report.unit)
    for recipient in rule.recipients.all():
        found = User.objects.none()
        who = recipient.who
        if who == RuleRecipient.Who.ROLE:
            found = users_with_role(recipient.role, ancestors)
        elif who == RuleRecipient.Who.PARENT_ROLE:
            found = users_with_role(recipient.role, ancestors[:-1])
        elif who == RuleRecipient.Who.POSITION:
            found = User.objects.filter(
                is_active=True,
                pk__in=Position.objects.filter(code=recipient.position, unit_id__in=ancestors).values(
                    "user_id"
                ),
            )
        elif who == RuleRecipient.Who.USER:
            found = User.objects.filter(is_active=True, pk=recipient.user_id)
        elif who == RuleRecipient.Who.EVENT_USERS:
            found = User.objects.filter(is_active=True, pk__in=[int(pk) for pk in data.get("user_ids", [])])
        elif who == RuleRecipient.Who.REPORTER:
            found = User.objects.filter(is_active=True, pk=report.reporter_id)
        elif who == RuleRecipient.Who.ACTION_OWNER:
            action_id = data.get("action_id") or data.get("object_id")
            found = User.objects.filter(
                is_active=True, pk__in=Action.objects.filter(pk=action_id, report=report).values("owner_id")
            )
        elif who == RuleRecipient.Who.STEP_HOLDERS:
            found = User.objects.filter(
                is_active=True, pk__in=role_holders([str(r) for r in data.get("roles", [])], report.unit)
            )
        elif who == RuleRecipient.Who.SUBMITTER:
            address = submitter_address(report)
            if address and address not in addresses:
                addresses.append(address)
        for user in found:
            if user.pk != actor_id:
                users.setdefault(user.pk, user)
    return list(users.values()), addresses


def submitter_address(report):
    contact = (report.submitter_contact or "").strip()
    try:
        validate_email(contact)
    except ValidationError:
        return ""
    return contact
