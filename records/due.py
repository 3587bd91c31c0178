"""Which closed cases of a board are due for gallring on a day, and under which rule.

A case is due when it is closed, the rule in force for its type and outcome disposes of it,
the rule's years have passed since it closed, and no open matter hangs on it: no action not
done, no linked case still open, no regulator notification not done, no document sent to a
regulator (those are frozen by database triggers and kept), not already disposed of or listed
in a run not yet finished.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases.models import CLOSED_STATES, Action, RegulatorNotification, Report, ReportLink, ReportType
from records.models import DisposalItem, DisposalRun, DisposedCase, RetentionRule
from reporting.models.compilations import RegulatorDocument

Outcome = RetentionRule.Outcome


def years_before(moment, years):
    """``moment`` moved back ``years`` calendar years (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def rules_in_force(board, day):
    return RetentionRule.objects.filter(board=board, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def choose_rule(rules, report_type, outcome):
    """The rule for the outcome before the rule for any outcome; of several in force, the one
    in force most recently."""
    for wanted in (outcome, Outcome.ANY):
        matching = [r for r in rules if r.report_type == report_type and r.outcome == wanted]
        if matching:
            return max(matching, key=lambda r: (r.valid_from, r.pk))
    return None


def notified_q():
    return Exists(RegulatorNotification.objects.filter(report=OuterRef("pk"), submitted_at__isnull=False))


def open_matter_q():
    """A case something still hangs on (the reasons a due case is held back automatically)."""
    return (
        Exists(Action.objects.filter(report=OuterRef("pk")).exclude(status=Action.Status.DONE))
        | Exists(ReportLink.objects.filter(source=OuterRef("pk")).exclude(target__state__in=CLOSED_STATES))
        | Exists(ReportLink.objects.filter(target=OuterRef("pk")).exclude(source__state__in=CLOSED_STATES))
        | Exists(RegulatorNotification.objects.filter(report=OuterRef("pk")).exclude(state="done"))
        | Exists(RegulatorDocument.objects.filter(notification__report=OuterRef("pk")))
    )


def already_handled_q():
    return Exists(DisposedCase.objects.filter(report=OuterRef("pk"))) | Exists(
        DisposalItem.objects.filter(
            report=OuterRef("pk"),
            disposed_at__isnull=True,
            held_back=False,
            run__status__in=[DisposalRun.Status.OPEN, DisposalRun.Status.APPROVED],
        )
    )


def due_cases(board, now):
    """``[(report_id, rule)]`` of the board's cases due at ``now``: one query per case type and
    outcome whose rule disposes."""
    day = timezone.localdate(now)
    rules = list(rules_in_force(board, day))
    due = []
    for report_type in ReportType.values:
        for outcome in (Outcome.NOTIFIED, Outcome.NOT_NOTIFIED):
            rule = choose_rule(rules, report_type, outcome)
            if rule is None or rule.disposition != RetentionRule.Disposition.DISPOSE:
                continue
            cases = (
                Report.objects.filter(
                    namnd=board,
                    type=report_type,
                    state__in=CLOSED_STATES,
                    closed_at__lte=years_before(now, rule.years),
                )
                .filter(notified_q() if outcome == Outcome.NOTIFIED else ~notified_q())
                .exclude(open_matter_q())
                .exclude(already_handled_q())
                .order_by("closed_at", "pk")
                .values_list("pk", flat=True)
            )
            due += [(pk, rule) for pk in cases.iterator(chunk_size=2000)]
    return due


def still_due(report_id, rule, now):
    """Whether the case is still due under ``rule`` at disposal time (something may have been
    reopened or linked since the run was listed)."""
    return (
        Report.objects.filter(
            pk=report_id,
            state__in=CLOSED_STATES,
            closed_at__lte=years_before(now, rule.years or 0),
        )
        .exclude(open_matter_q())
        .exclude(Exists(DisposedCase.objects.filter(report=OuterRef("pk"))))
        .exists()
    )


def still_due_ids(report_ids, rule, now):
    """Of ``report_ids``, the set still due under ``rule`` at disposal time: ``still_due`` in
    one query for a batch."""
    return set(
        Report.objects.filter(
            pk__in=list(report_ids),
            state__in=CLOSED_STATES,
            closed_at__lte=years_before(now, rule.years or 0),
        )
        .exclude(open_matter_q())
        .exclude(Exists(DisposedCase.objects.filter(report=OuterRef("pk"))))
        .order_by()
        .values_list("pk", flat=True)
    )


def review_due_by(now, days):
    return timezone.localdate(now) + datetime.timedelta(days=days)
