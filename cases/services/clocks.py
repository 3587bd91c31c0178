"""Which service event starts and which stops each legal clock, in one table.

A ``DeadlineRule`` names the moment its clock starts from (``starts_at``); the table below says
at which service event each moment happens and which clocks each event stops. The services call
``clocks_after`` once, inside their own transaction, so a clock starts or stops exactly when the
change that causes it commits, and never without it.

A clock starts under the rule valid on the day of its start moment and keeps that rule (and its
stored ``due_at``) afterwards. A clock stopped after its deadline keeps ``stopped_at > due_at``:
it stays visible as late. Correcting a case's key time (``do_correct_key_time``) moves the
running clocks that started from it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from cases import audit, forms
from cases.access import HANDLER_ROLES
from cases.events import emit
from cases.models import CaseClock, DeadlineRule, ReportType
from cases.services.base import load_report, require_open, require_roles, validated
from cases.services.guard import service

if TYPE_CHECKING:
    from cases.models import RegulatorNotification, Report, User


ANY = "*"


@dataclass(frozen=True)
class Stop:
    """Stop the running clock ``code``; it stopped at the value of the event's field ``at``
    (e.g. the submission time the user recorded), or now when the event has no such field."""

    code: str
    at: str = ""


@dataclass(frozen=True)
class On:
    starts: tuple[str, ...] = ()  # moments that happen: every rule whose ``starts_at`` is one of them starts
    stops: tuple[Stop, ...] = ()  # Stop(...) rows
    stop_all: bool = False  # the case is closed: every running clock stops
    when: Callable[[Mapping[str, Any]], bool] | None = None  # a condition on the event's cleaned data


@dataclass(frozen=True)
class When:
    """A condition on the event's data: ``field`` answered ``value``."""

    field: str
    value: bool

    def __call__(self, cleaned: Mapping[str, Any]) -> bool:
        return cleaned.get(self.field) is self.value

    def __str__(self) -> str:
        return f"`{self.field}` is {'yes' if self.value else 'no'}"


@dataclass(frozen=True)
class Is:
    """A condition on the event's data: ``field`` has the choice ``value``."""

    field: str
    value: str

    def __call__(self, cleaned: Mapping[str, Any]) -> bool:
        return cleaned.get(self.field) == self.value

    def __str__(self) -> str:
        return f"`{self.field}` is `{self.value}`"


@dataclass(frozen=True)
class Given:
    """A condition on the event's data: ``field`` was filled in."""

    field: str

    def __call__(self, cleaned: Mapping[str, Any]) -> bool:
        return cleaned.get(self.field) not in (None, "")

    def __str__(self) -> str:
        return f"`{self.field}` is given"


def _yes(name: str) -> When:
    return When(name, True)


def _no(name: str) -> When:
    return When(name, False)


# (report type, service event) → what happens to the clocks. Events are the audit actions:
# ``report.filed``, ``report.<transition>``, ``notification.<transition>`` (with the regulator).
CLOCK_TABLE = {
    (ANY, "report.filed"): [On(starts=("reported_at", "discovered_at"))],
    (ANY, "report.close"): [On(stop_all=True)],
    # Corrections (cases.services.corrections): a withdrawn report and a merged duplicate are
    # finished; reopening is ``resume_clocks`` below.
    (ANY, "report.withdraw"): [On(stop_all=True)],
    (ANY, "report.merge"): [On(stop_all=True)],
    # Avvikelse
    (ReportType.DEVIATION, "report.assess"): [On(stops=(Stop("deviation-assessment"),))],
    (ReportType.DEVIATION, "report.complete_investigation"): [On(stops=(Stop("deviation-investigation"),))],
    # Klagomål/synpunkt: registration names the handler and records the acknowledgement.
    (ReportType.COMPLAINT, "report.register"): [
        On(stops=(Stop("complaint-acknowledgement", at="acknowledged_at"), Stop("complaint-handler-named")))
    ],
    (ReportType.COMPLAINT, "report.answer"): [On(stops=(Stop("complaint-answer", at="replied_at"),))],
    # Lex Sarah
    (ReportType.LEX_SARAH, "report.register"): [
        On(starts=("registered_at",), stops=(Stop("lex-sarah-registration"),))
    ],
    (ReportType.LEX_SARAH, "report.start_investigation"): [
        On(stops=(Stop("lex-sarah-investigation-start"),))
    ],
    (ReportType.LEX_SARAH, "report.assess"): [
        On(stops=(Stop("lex-sarah-investigation-target"),)),
        On(starts=("serious_decided_at",), when=_yes("is_serious")),
    ],
    (ReportType.LEX_SARAH, "report.decide"): [
        On(starts=("serious_decided_at",), when=_yes("notify_ivo")),
        On(stops=(Stop("lex-sarah-ivo-notification", at="decided_at"),), when=_no("notify_ivo")),
    ],
    (ReportType.LEX_SARAH, "report.close_outside_scope"): [On(stop_all=True)],
    (ReportType.LEX_SARAH, "notification.decided"): [On(starts=("serious_decided_at",))],
    (ReportType.LEX_SARAH, "notification.submit"): [
        On(
            starts=("notification_submitted_at",),
            stops=(Stop("lex-sarah-ivo-notification", at="submitted_at"),),
        )
    ],
    (ReportType.LEX_SARAH, "notification.supplement"): [
        On(stops=(Stop("lex-sarah-investigation-to-ivo", at="sent_at"),))
    ],
    (ReportType.LEX_SARAH, "notification.record_outcome"): [
        On(stops=(Stop("lex-sarah-investigation-to-ivo"),))
    ],
    # Lex Maria: the MAS registers the report; the investigation's target runs from then; a serious
    # vårdskada (or the risk of one) starts the clock for notifying IVO *snarast*, which the
    # notification stops; the investigation follows it (PSL 3 kap. 5 §: "snarast därefter").
    (ReportType.LEX_MARIA, "report.register"): [
        On(starts=("registered_at",), stops=(Stop("lex-maria-registration"),))
    ],
    (ReportType.LEX_MARIA, "report.assess"): [
        On(stops=(Stop("lex-maria-investigation-target"),)),
        On(starts=("serious_decided_at",), when=_yes("is_serious")),
    ],
    (ReportType.LEX_MARIA, "report.decide"): [
        On(starts=("serious_decided_at",), when=_yes("notify_ivo")),
        On(stops=(Stop("lex-maria-ivo-notification", at="decided_at"),), when=_no("notify_ivo")),
    ],
    (ReportType.LEX_MARIA, "report.close_outside_scope"): [On(stop_all=True)],
    (ReportType.LEX_MARIA, "notification.decided"): [On(starts=("serious_decided_at",))],
    (ReportType.LEX_MARIA, "notification.submit"): [
        On(
            starts=("notification_submitted_at",),
            stops=(Stop("lex-maria-ivo-notification", at="submitted_at"),),
        )
    ],
    (ReportType.LEX_MARIA, "notification.supplement"): [
        On(stops=(Stop("lex-maria-investigation-to-ivo", at="sent_at"),))
    ],
    (ReportType.LEX_MARIA, "notification.record_outcome"): [
        On(stops=(Stop("lex-maria-investigation-to-ivo"),))
    ],
    # Personuppgiftsincident: deciding not to notify IMY stops its clock as much as notifying does.
    # A high risk to the data subjects starts the clock for telling them (GDPR art. 34); recording
    # when they were informed stops it.
    (ReportType.DATA_BREACH, "report.assess"): [
        On(starts=("high_risk_assessed_at",), when=Is("breach_risk", "high"))
    ],
    (ReportType.DATA_BREACH, "report.decide"): [
        On(stops=(Stop("breach-imy-notification", at="decided_at"),), when=_no("notify_imy")),
        On(
            stops=(Stop("breach-data-subjects", at="subjects_informed_at"),),
            when=Given("subjects_informed_at"),
        ),
    ],
    (ReportType.DATA_BREACH, "notification.submit"): [
        On(starts=("notification_submitted_at",), stops=(Stop("breach-imy-notification", at="submitted_at"),))
    ],
    (ReportType.DATA_BREACH, "notification.supplement"): [
        On(stops=(Stop("breach-imy-supplement", at="sent_at"),))
    ],
    (ReportType.DATA_BREACH, "notification.record_outcome"): [On(stops=(Stop("breach-imy-supplement"),))],
}


@dataclass
class Event:
    report: Any
    name: str
    cleaned: Mapping[str, Any] = field(default_factory=dict)
    notification: Any = None
    now: Any = None


# When each moment a rule can start from happened.
MOMENTS = {
    "reported_at": lambda event: event.report.reported_at,
    "discovered_at": lambda event: event.report.discovered_at,
    "registered_at": lambda event: event.now,
    "high_risk_assessed_at": lambda event: event.now,
    "serious_decided_at": lambda event: (
        event.notification.decided_at
        if event.notification is not None
        else event.cleaned.get("decided_at") or event.now
    ),
    "notification_submitted_at": lambda event: event.notification.submitted_at,
}

# The case's own times that a handler may correct, and the moment each one is.
# A report received on paper or by word of mouth is received before it is typed in.
KEY_TIMES = {"reported_at": "reported_at", "discovered_at": "discovered_at", "occurred_at": None}


def rules_for(report_type: str, moment: str, at: datetime.datetime) -> list[DeadlineRule]:
    """The rules that start from ``moment`` for this type, as valid on the day of ``at``."""
    day = timezone.localdate(at)
    latest: dict[str, DeadlineRule] = {}
    for rule in DeadlineRule.objects.valid_on(day).filter(
        starts_at=moment, report_type__in=[report_type, ""]
    ):
        if rule.code not in latest or rule.valid_from > latest[rule.code].valid_from:
            latest[rule.code] = rule
    return list(latest.values())


def start_clocks(report: Report, moment: str, at: datetime.datetime | None) -> list[CaseClock]:
    """Start every clock that runs from ``moment``; a code starts at most once per case."""
    if at is None:
        return []
    existing = set(report.clocks.values_list("code", flat=True))
    started = [
        CaseClock(report=report, rule=rule, code=rule.code, started_at=at, due_at=rule.due(at))
        for rule in rules_for(report.type, moment, at)
        if rule.code not in existing
    ]
    return CaseClock.objects.bulk_create(started)


def stop_clocks(report: Report, codes: Iterable[str] | None, at: datetime.datetime) -> int:
    running = report.clocks.filter(stopped_at__isnull=True)
    if codes is not None:
        running = running.filter(code__in=codes)
    return running.update(stopped_at=at)


def clocks_after(
    report: Report,
    name: str,
    *,
    cleaned: Mapping[str, Any] | None = None,
    notification: RegulatorNotification | None = None,
) -> None:
    """Start and stop the case's clocks for the service event ``name`` (an audit action)."""
    event = Event(
        report=report, name=name, cleaned=cleaned or {}, notification=notification, now=timezone.now()
    )
    for on in CLOCK_TABLE.get((ANY, name), []) + CLOCK_TABLE.get((report.type, name), []):
        if on.when is not None and not on.when(event.cleaned):
            continue
        if on.stop_all:
            stop_clocks(report, None, event.now)
        for stop in on.stops:
            stop_clocks(report, [stop.code], _stop_time(event, stop))
        for moment in on.starts:
            start_clocks(report, moment, MOMENTS[moment](event))


def _stop_time(event: Event, stop: Stop) -> Any:
    if stop.at and event.notification is not None and getattr(event.notification, stop.at, None):
        return getattr(event.notification, stop.at)
    return event.cleaned.get(stop.at) or event.now


# Reopening a closed case (``do_reopen_report``): what happens to each clock its closing
# stopped. The case goes back to the state before its closing step; the steps before it
# (a decision whether to notify IVO or IMY included) stand, so a clock one of them stopped stays
# stopped. A clock the closing stopped resumes towards its original deadline, which counts from
# the moment the law names, not from the reopening (``RESUME``) — except a clock of a duty
# towards a regulator whose deadline ran out meanwhile (``RESUME_IF_TIME_LEFT``): the late
# notification or supplement is made with its delay explained to the regulator, and the clock
# stays as the closing left it, so that it does not escalate a deadline nobody can meet any
# more. docs/clocks.md, "Reopening a case".
RESUME = "resume"
RESUME_IF_TIME_LEFT = "resume_if_time_left"
REOPEN = {
    "lex-sarah-ivo-notification": RESUME_IF_TIME_LEFT,
    "lex-sarah-investigation-to-ivo": RESUME_IF_TIME_LEFT,
    "breach-imy-notification": RESUME_IF_TIME_LEFT,
    "breach-imy-supplement": RESUME_IF_TIME_LEFT,
}


def reopen_policy(code: str) -> str:
    return REOPEN.get(code, RESUME)


def resume_clocks(report: Report, closed_at: datetime.datetime | None) -> tuple[list[str], list[str]]:
    """The clocks the closing at ``closed_at`` stopped, resumed by ``REOPEN``: (the codes
    resumed, the codes kept stopped). The closing stops every running clock at or after
    ``closed_at`` (the transition sets ``closed_at`` first), and nothing stops a clock of a
    closed case, so those are the clocks stopped at or after it."""
    if closed_at is None:
        return [], []
    now = timezone.now()
    resumed, kept = [], []
    for clock in report.clocks.filter(stopped_at__gte=closed_at).order_by("due_at", "id"):
        if reopen_policy(clock.code) == RESUME_IF_TIME_LEFT and clock.due_at <= now:
            kept.append(clock.code)
        else:
            resumed.append(clock.code)
    if resumed:
        report.clocks.filter(stopped_at__gte=closed_at, code__in=resumed).update(stopped_at=None)
    return resumed, kept


def recompute_clocks(report: Report, moment: str, at: datetime.datetime) -> int:
    """The moment ``moment`` of the case is now ``at``: move the running clocks that started
    from it, each under its own rule; warnings already sent concerned the old deadline."""
    moved = 0
    for clock in report.clocks.filter(stopped_at__isnull=True, rule__starts_at=moment).select_related("rule"):
        clock.started_at, clock.due_at = at, clock.rule.due(at)
        clock.save(update_fields=["started_at", "due_at"])
        clock.events.all().delete()
        moved += 1
    return moved


@service
def do_correct_key_time(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    """Correct when something happened or was discovered, with a reason; clocks follow."""
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, HANDLER_ROLES[report.type])
    require_open(report)
    cleaned = validated(forms.KeyTimeCorrectionForm(data=data, report=report, user=acting_user))
    name, value = cleaned["field"], cleaned["value"]
    before = getattr(report, name)
    setattr(report, name, value)
    report.save(update_fields=[name, "updated_at"])
    moment = KEY_TIMES[name]
    moved = recompute_clocks(report, moment, value) if moment else 0
    audit.record(
        "report.key_time_corrected",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={
            "field": name,
            "from": before,
            "to": value,
            "reason": cleaned["reason"],
            "clocks_moved": moved,
        },
    )
    emit("report.key_time_corrected", report=report, actor=acting_user, field=name)
    return report
