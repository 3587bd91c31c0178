"""The quality room's tasks in the inbox (``cases.inbox_extras``, registered in apps.py): the
signals awaiting the SAS's analysis, due by ``due_by``."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.inbox_extras import InboxItem
from quality.models import RiskAnalysis, RiskMeasure, SignalAnalysis
from quality.selectors import analyses_for, may_analyse


def quality_items(user, today):
    if not user.is_authenticated:
        return []
    items = []
    open_ = analyses_for(user).filter(status=SignalAnalysis.Status.OPEN).order_by("due_by", "pk")
    for analysis in open_:
        if not may_analyse(user, analysis.board):
            continue
        items.append(
            InboxItem(
                title=_("Analyse a signal: %(rule)s, %(unit)s")
                % {"rule": analysis.get_rule_display(), "unit": analysis.unit.name},
                url=reverse("quality:analysis", args=[analysis.pk]),
                board=analysis.board.name,
                due_by=analysis.due_by,
                overdue=analysis.due_by < today,
            )
        )
    items += _risk_items(user, today)
    return items


def _risk_items(user, today):
    """An assessor's risks still to score, and a measure's owner's follow-ups."""
    items = []
    open_analyses = RiskAnalysis.objects.filter(
        assessors=user, status=RiskAnalysis.Status.OPEN
    ).select_related("board")
    for analysis in open_analyses:
        unscored = analysis.risks.exclude(scores__assessor=user).count()
        if unscored:
            items.append(
                InboxItem(
                    title=_("Score %(count)s risks: %(title)s")
                    % {"count": unscored, "title": analysis.title},
                    url=reverse("quality:risk_analysis", args=[analysis.pk]),
                    board=analysis.board.name,
                    due_by=None,
                    overdue=False,
                )
            )
    measures = RiskMeasure.objects.filter(owner=user, done_at__isnull=True).select_related(
        "risk__analysis__board"
    )
    for measure in measures:
        analysis = measure.risk.analysis
        items.append(
            InboxItem(
                title=_("Follow up a measure: %(title)s") % {"title": analysis.title},
                url=reverse("quality:risk_analysis", args=[analysis.pk]),
                board=analysis.board.name,
                due_by=measure.follow_up_on,
                overdue=measure.follow_up_on < today,
            )
        )
    return items
