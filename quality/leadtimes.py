"""Lead times of cases and the share handled within each legal clock, per unit and type.

For the cases reported in a period (local days ``start``..``end``):

* **to assessment**: from ``reported_at`` to the first audited assessment step of the case
  (``report.assess`` for deviations, lex Sarah and breaches; ``report.register`` for complaints,
  whose first step after receipt is the registration);
* **to decision**: to ``decided_at``; **to closure**: to ``closed_at``.

Each is the median in days (one decimal) of the cases that have reached the step; a case that
has not is not counted in that column. The **clocks**: every legal clock of those cases
(``CaseClock``) that is settled, that is stopped, or still running past its deadline (late
already); within = stopped no later than its deadline. A clock still running before its
deadline is not counted yet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone

from cases.models import AuditEvent, CaseClock, ReportType
from lib import periods

ASSESSMENT = {
    ReportType.DEVIATION: "report.assess",
    ReportType.COMPLAINT: "report.register",
    ReportType.LEX_SARAH: "report.assess",
    ReportType.DATA_BREACH: "report.assess",
    ReportType.LEX_MARIA: "report.assess",
}


@dataclass
class LeadTimes:
    unit_id: int
    report_type: str
    cases: int = 0
    to_assessment: list[float] = field(default_factory=list)
    to_decision: list[float] = field(default_factory=list)
    to_closure: list[float] = field(default_factory=list)

    @staticmethod
    def median(values):
        return round(statistics.median(values), 1) if values else None


@dataclass
class ClockShare:
    unit_id: int
    code: str
    name: str
    settled: int = 0
    within: int = 0

    @property
    def share(self):
        return round(100 * self.within / self.settled, 1) if self.settled else None


def _days(start, end):
    return (end - start).total_seconds() / 86400


def lead_times(reports, start, end, *, now=None):
    """({(unit id, type): LeadTimes}, {(unit id, clock code): ClockShare}) of ``reports`` (a
    queryset of cases already scoped) reported on the local days ``start``..``end``."""
    low, high = periods.local_range(start, end)
    now = now or timezone.now()
    cases = reports.filter(reported_at__gte=low, reported_at__lt=high)
    rows = list(cases.values_list("pk", "unit_id", "type", "reported_at", "decided_at", "closed_at"))
    ids = [row[0] for row in rows]
    assessed = {}
    for action in set(ASSESSMENT.values()):
        types = [t for t, a in ASSESSMENT.items() if a == action]
        assessed.update(
            AuditEvent.objects.filter(
                chain=AuditEvent.Chain.CHANGE,
                action=action,
                report_id__in=cases.filter(type__in=types).values("pk"),
            )
            .values("report_id")
            .annotate(first=Min("occurred_at"))
            .values_list("report_id", "first")
        )
    times: dict[tuple[int, str], LeadTimes] = {}
    for pk, unit_id, type_, reported_at, decided_at, closed_at in rows:
        entry = times.setdefault((unit_id, type_), LeadTimes(unit_id, type_))
        entry.cases += 1
        if pk in assessed:
            entry.to_assessment.append(_days(reported_at, assessed[pk]))
        if decided_at:
            entry.to_decision.append(_days(reported_at, decided_at))
        if closed_at:
            entry.to_closure.append(_days(reported_at, closed_at))
    shares: dict[tuple[int, str], ClockShare] = {}
    clocks = (
        CaseClock.objects.filter(report_id__in=ids)
        if len(ids) < 5000
        else CaseClock.objects.filter(report__in=cases)
    )
    for unit_id, code, name, due_at, stopped_at in clocks.values_list(
        "report__unit_id", "code", "rule__name", "due_at", "stopped_at"
    ):
        if stopped_at is None and due_at >= now:
            continue  # running, not yet due: not settled
        share = shares.setdefault((unit_id, code), ClockShare(unit_id, code, name))
        share.settled += 1
        if stopped_at is not None and stopped_at <= due_at:
            share.within += 1
    return times, shares


def by_unit(times, shares):
    """{unit id: ([LeadTimes by type], [ClockShare by code])}."""
    result: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    order = {t: i for i, t in enumerate(ReportType.values)}
    for entry in sorted(times.values(), key=lambda e: order.get(e.report_type, 99)):
        result[entry.unit_id][0].append(entry)
    for share in sorted(shares.values(), key=lambda s: s.code):
        result[share.unit_id][1].append(share)
    return dict(result)
