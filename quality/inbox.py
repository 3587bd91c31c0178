"""The quality room's tasks in the inbox (``cases.inbox_extras``, registered in apps.py): the
signals awaiting the SAS's analysis, due by ``due_by``."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.inbox_extras import InboxItem
from quality.models import SignalAnalysis
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
    return items
