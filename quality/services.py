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
from cases.services.guard import service
from quality.models import (
    Risk,
    RiskAnalysis,
    RiskMeasure,
    RiskScore,
    SignalAnalysis,
    SignalRun,
    SignalSettings,
)
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


@service
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


# --- Risk analyses ---------------------------------------------------------------------------


def _analysis_for(user, analysis_id, *, manage=True):
    from quality.risks import analyses_for, is_assessor, may_manage

    analysis = analyses_for(user).filter(pk=analysis_id).select_for_update(of=("self",)).first()
    if analysis is None:
        raise NotFound(analysis_id)
    if manage and not may_manage(user, analysis):
        raise PermissionDenied
    if not manage and not (may_manage(user, analysis) or is_assessor(user, analysis)):
        raise PermissionDenied
    return analysis


@service
def do_create_risk_analysis(*, acting_user, unit, title, description, analysed_on, assessors):
    from quality.risks import may_manage

    if not may_manage(acting_user, unit=unit):
        raise NotFound(unit.pk)
    if not (title or "").strip():
        raise ValidationError({"title": _("Say what is analysed.")})
    with transaction.atomic():
        analysis = RiskAnalysis.objects.create(
            board=unit.namnd if unit.kind != OrgUnit.Kind.BOARD else unit,
            unit=unit,
            title=title.strip(),
            description=(description or "").strip(),
            analysed_on=analysed_on,
            created_by=acting_user,
        )
        analysis.assessors.set(assessors)
        audit.record(
            "riskanalysis.created",
            actor=acting_user,
            obj=analysis,
            payload={
                "board": analysis.board_id,
                "unit": unit.pk,
                "assessors": sorted(u.pk for u in assessors),
            },
        )
    return analysis


@service
def do_add_risk(analysis_id, *, acting_user, description):
    with transaction.atomic():
        analysis = _analysis_for(acting_user, analysis_id)
        if not (description or "").strip():
            raise ValidationError({"description": _("Describe the risk.")})
        risk = Risk.objects.create(analysis=analysis, description=description.strip())
        audit.record("riskanalysis.risk_added", actor=acting_user, obj=analysis, payload={"risk": risk.pk})
    return risk


@service
def do_score_risk(risk_id, *, acting_user, probability, severity):
    """An assessor's score of a risk (again: replaces their earlier one); the risk's means and
    level follow."""
    from quality.risks import level_for, mean

    with transaction.atomic():
        risk = Risk.objects.select_related("analysis").filter(pk=risk_id).first()
        if risk is None:
            raise NotFound(risk_id)
        analysis = _analysis_for(acting_user, risk.analysis_id, manage=False)
        errors = {}
        for name, value in (("probability", probability), ("severity", severity)):
            if value not in (1, 2, 3, 4):
                errors[name] = _("Choose a value from 1 to 4.")
        if errors:
            raise ValidationError(errors)
        RiskScore.objects.update_or_create(
            risk=risk, assessor=acting_user, defaults={"probability": probability, "severity": severity}
        )
        scores = list(risk.scores.values_list("probability", "severity"))
        risk.probability = mean(p for p, _s in scores)
        risk.severity = mean(s for _p, s in scores)
        risk.level = level_for(risk.score, analysis.analysed_on)
        risk.save(update_fields=["probability", "severity", "level"])
        audit.record(
            "riskanalysis.scored",
            actor=acting_user,
            obj=analysis,
            payload={
                "risk": risk.pk,
                "probability": str(risk.probability),
                "severity": str(risk.severity),
                "level": risk.level_id,
                "assessors": len(scores),
            },
        )
    return risk


@service
def do_add_measure(risk_id, *, acting_user, description, owner, follow_up_on):
    with transaction.atomic():
        risk = Risk.objects.filter(pk=risk_id).first()
        if risk is None:
            raise NotFound(risk_id)
        analysis = _analysis_for(acting_user, risk.analysis_id)
        if not (description or "").strip():
            raise ValidationError({"description": _("Describe the measure.")})
        measure = RiskMeasure.objects.create(
            risk=risk, description=description.strip(), owner=owner, follow_up_on=follow_up_on
        )
        audit.record(
            "riskanalysis.measure_added",
            actor=acting_user,
            obj=analysis,
            payload={
                "risk": risk.pk,
                "measure": measure.pk,
                "owner": owner.pk,
                "follow_up_on": follow_up_on.isoformat(),
            },
        )
    return measure


@service
def do_finish_measure(measure_id, *, acting_user):
    with transaction.atomic():
        measure = RiskMeasure.objects.select_related("risk").filter(pk=measure_id).first()
        if measure is None:
            raise NotFound(measure_id)
        analysis = _analysis_for(acting_user, measure.risk.analysis_id, manage=False)
        from quality.risks import may_manage

        if measure.owner_id != acting_user.pk and not may_manage(acting_user, analysis):
            raise PermissionDenied
        if measure.done_at is None:
            measure.done_at = timezone.now()
            measure.save(update_fields=["done_at"])
            audit.record(
                "riskanalysis.measure_done", actor=acting_user, obj=analysis, payload={"measure": measure.pk}
            )
    return measure


@service
def do_link_materialised(risk_id, *, acting_user, case_number):
    """Link a deviation of the board that shows the risk materialised (one the user may see)."""
    with transaction.atomic():
        risk = Risk.objects.filter(pk=risk_id).first()
        if risk is None:
            raise NotFound(risk_id)
        analysis = _analysis_for(acting_user, risk.analysis_id)
        report = (
            selectors.visible_reports(acting_user)
            .filter(case_number=(case_number or "").strip(), namnd=analysis.board, type="deviation")
            .first()
        )
        if report is None:
            raise ValidationError(
                {"case_number": _("No deviation of the board with that case number that you may see.")}
            )
        risk.materialised_in.add(report)
        audit.record(
            "riskanalysis.linked",
            actor=acting_user,
            obj=analysis,
            report_id=report.pk,
            payload={"risk": risk.pk, "case_number": report.case_number},
        )
    return risk
