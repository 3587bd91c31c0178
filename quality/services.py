"""The only code that changes the quality room's state.

``raise_signals(board, today)`` (the scheduler's job, ``quality.jobs.signals``) charts the
board's last whole months and opens an analysis task for each signal that reaches the last
month charted and has no task yet (one per series, rule and first month: a run that goes on is
the same task). ``do_record_analysis`` is the SAS's analysis and conclusion. Each writes its
audit row in the same transaction; neither changes a case.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import audit, selectors
from cases.models import OrgUnit
from quality.models import SignalAnalysis, SignalRun, SignalSettings
from quality.selectors import analyses_for, charts, last_whole_month, may_analyse, month_after
from reporting.services.aggregates import local_bounds


class NotFound(Exception):
    """The analysis does not exist or the user may not see it: 404."""


class InvalidState(Exception):
    """The analysis is already concluded: 409."""


def boards():
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD).order_by("path")


def _case_ids(board, series, first, last):
    """The cases of the board behind the points ``first``..``last`` of ``series``."""
    low, high = local_bounds(series.months[first], month_after(series.months[last]))
    reports = selectors.compilation_reports(board).filter(
        unit_id=series.unit_id, reported_at__gte=low, reported_at__lt=high
    )
    if series.report_type:
        reports = reports.filter(type=series.report_type, category_id=series.category_id)
    return list(reports.order_by("reported_at", "pk").values_list("pk", flat=True))


def raise_signals(board, today, *, now=None, month=None):
    """Open an analysis task for every new signal of the board's charts up to the last whole
    month before ``today``; returns the tasks opened. With ``month`` (the scheduler), only once
    per board and month (``SignalRun``)."""
    now = now or timezone.now()
    last_month = last_whole_month(today)
    if month is not None and SignalRun.objects.filter(board=board, month=month).exists():
        return []
    rules = SignalSettings.in_force(board, last_month)
    months, series_list, clusters = charts(board, last_month, rules=rules)
    opened = []
    with transaction.atomic():
        if month is not None:
            _run, created = SignalRun.objects.get_or_create(
                board=board, month=month, defaults={"ran_at": now}
            )
            if not created:
                return []
        existing = set(
            SignalAnalysis.objects.filter(board=board, first_month__gte=months[0]).values_list(
                "series_key", "rule", "first_month"
            )
        )
        for series in [*series_list, *clusters]:
            for signal in series.signals:
                if signal.last != len(months) - 1:
                    continue  # not about the month just closed: raised then, or history
                first_month = months[signal.first]
                if (series.key, signal.rule, first_month) in existing:
                    continue
                chart = series.chart
                analysis = SignalAnalysis.objects.create(
                    board=board,
                    unit_id=series.unit_id,
                    report_type=series.report_type,
                    category_id=series.category_id,
                    series_key=series.key,
                    rule=signal.rule,
                    direction=signal.direction,
                    first_month=first_month,
                    last_month=months[signal.last],
                    series={
                        "months": [m.isoformat() for m in months],
                        "counts": list(series.counts),
                        "median": chart.median if chart else None,
                        "mean": chart.mean if chart else None,
                        "lower": chart.lower if chart else None,
                        "upper": chart.upper if chart else None,
                        "per_type": getattr(series, "per_type", None),
                    },
                    case_ids=_case_ids(board, series, signal.first, signal.last),
                    raised_at=now,
                    due_by=today + datetime.timedelta(days=rules.analysis_days),
                )
                audit.record(
                    "signal.raised",
                    obj=analysis,
                    payload={
                        "board": board.pk,
                        "unit": series.unit_id,
                        "series": series.key,
                        "rule": signal.rule,
                        "first_month": first_month.isoformat(),
                        "cases": len(analysis.case_ids),
                    },
                )
                opened.append(analysis)
        if month is not None:
            SignalRun.objects.filter(board=board, month=month).update(raised=len(opened))
    return opened


def do_record_analysis(analysis_id, *, acting_user, analysis, conclusion):
    """The board's SAS records the analysis of a signal and its conclusion; the task leaves
    the inbox and the conclusion goes into the board's compilation."""
    with transaction.atomic():
        found = (
            SignalAnalysis.objects.select_for_update().select_related("board").filter(pk=analysis_id).first()
        )
        if found is None or not acting_user.is_authenticated:
            raise NotFound(analysis_id)
        if not may_analyse(acting_user, found.board):
            if analyses_for(acting_user).filter(pk=found.pk).exists():
                raise PermissionDenied
            raise NotFound(analysis_id)
        if found.status != SignalAnalysis.Status.OPEN:
            raise InvalidState(_("The signal has already been analysed."))
        errors = {}
        text = (analysis or "").strip()
        if not text:
            errors["analysis"] = _("Write what the analysis found.")
        if conclusion not in SignalAnalysis.Conclusion.values:
            errors["conclusion"] = _("Choose a conclusion.")
        if errors:
            raise ValidationError(errors)
        found.analysis = text
        found.conclusion = conclusion
        found.status = SignalAnalysis.Status.CONCLUDED
        found.concluded_by = acting_user
        found.concluded_at = timezone.now()
        found.save(update_fields=["analysis", "conclusion", "status", "concluded_by", "concluded_at"])
        # The analysis text is kept on the row, not in the audit row: it may describe cases.
        audit.record(
            "signal.analysed",
            actor=acting_user,
            obj=found,
            payload={"board": found.board_id, "rule": found.rule, "conclusion": conclusion},
        )
    return found
