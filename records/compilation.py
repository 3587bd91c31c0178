"""The loggkontroll in the board's compilation: picks, questioned reads and their follow-ups.

Registered in apps.py with ``reporting.selectors.tables.register``. One row per board under the
compiled unit (a board, or the municipality for the kvalitetsberättelse), counting the picks
of the reviews whose period begins in the compiled period, then the total row.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit
from lib.table import Table
from records.models import LogPick
from reporting.selectors.tables import TOTAL


def questioned_reads(scope):
    boards = OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD, path__startswith=scope.unit.path).order_by(
        "path"
    )
    counted = {
        row["review__board"]: row
        for row in LogPick.objects.filter(
            review__board__in=boards,
            review__period_start__date__gte=scope.start,
            review__period_start__date__lte=scope.end,
        )
        .values("review__board")
        .annotate(
            picks=Count("pk"),
            questioned=Count("pk", filter=Q(verdict=LogPick.Verdict.QUESTIONED)),
            followed_up=Count(
                "pk", filter=Q(verdict=LogPick.Verdict.QUESTIONED, followed_up_at__isnull=False)
            ),
        )
    }
    rows = []
    for board in boards:
        row = counted.get(board.pk, {})
        rows.append([board.name, row.get("picks", 0), row.get("questioned", 0), row.get("followed_up", 0)])
    rows.append([TOTAL, *[sum(r[c] for r in rows) for c in (1, 2, 3)]])
    return Table(
        key="questioned_reads",
        title=_("Log review: picks, questioned reads and follow-ups"),
        columns=[_("Board"), _("Reads reviewed"), _("Questioned"), _("Followed up")],
        rows=rows,
        counts=[1, 2, 3],
        total_row=True,
        footnotes=[
            _(
                "The loggkontroll's picks (a random share and targeted reads) of the reviews whose period "
                "begins in the compilation's period; a questioned read is followed up by the reader's manager."
            )
        ],
    )
