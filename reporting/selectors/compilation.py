"""A whole compilation: its tables for a board and period (or the municipality and a year),
suppressed when public."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.suppression import suppress
from reporting.selectors.tables import (
    LISTS,
    OWN,
    PRIVATE,
    TOTAL,
    Scope,
    beside_the_total,
    builders,
    scope_threshold,
)


@dataclass
class Compilation:
    title: str
    subtitle: str
    scope: Scope
    tables: list = field(default_factory=list)
    generated_at: datetime.datetime = None
    # Text sections [(heading, [paragraph, …])] before and after the tables (the chapter's).
    before: list = field(default_factory=list)
    after: list = field(default_factory=list)

    def as_json(self):
        return {
            "title": str(self.title),
            "subtitle": str(self.subtitle),
            "unit": {"id": self.scope.unit.pk, "name": self.scope.unit.name, "kind": self.scope.unit.kind},
            "from": self.scope.start.isoformat(),
            "to": self.scope.end.isoformat(),
            "public": self.scope.public,
            "threshold": scope_threshold(self.scope) if self.scope.public else None,
            "generated_at": self.generated_at.isoformat(),
            "tables": [table.as_json() for table in self.tables],
            "sections": [
                {"heading": str(heading), "paragraphs": [str(p) for p in paragraphs]}
                for heading, paragraphs in [*self.before, *self.after]
            ],
        }


def compile_tables(scope, *, on_progress=None):
    """Every table, suppressed when public. Where the compiled boards have private providers,
    each count table is made for the boards' own provision, with the private providers beside
    its total (``tables.beside_the_total``), each part suppressed on its own."""
    threshold = scope_threshold(scope) if scope.public else None

    def finished(table):
        if threshold is not None:
            suppress(table, threshold)
        return table

    private = scope.has_private_provision()
    tables = []
    every = builders()
    for i, builder in enumerate(every, start=1):
        split = private and builder.__name__ not in LISTS
        table = finished(builder(scope.with_provision(OWN) if split else scope))
        if split:
            table = beside_the_total(table, finished(builder(scope.with_provision(PRIVATE))))
        tables.append(table)
        if on_progress:
            on_progress(i, len(every))
    return tables


def _kind(scope):
    return _("Public version") if scope.public else _("Internal version: not for publication")


def board_compilation(scope, *, on_progress=None):
    subtitle = _("%(board)s, %(start)s – %(end)s. %(kind)s") % {
        "board": scope.unit.name,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "kind": _kind(scope),
    }
    return Compilation(
        title=_("Compilation of reports for the board"),
        subtitle=subtitle,
        scope=scope,
        tables=compile_tables(scope, on_progress=on_progress),
        generated_at=timezone.now(),
    )


def risk_summary(tables):
    """The risk summary of the chapter, in words, from the risks table as published (a hidden
    count stays hidden: ``*``): how many reports, how many risk-assessed, and how many at
    each level."""
    risks = next(t for t in tables if t.key == "risks")
    labels = [str(row[0]) for row in risks.rows]
    total_row = labels.index(str(TOTAL))
    last = len(risks.columns) - 1
    not_assessed = str(_("Not assessed"))
    levels = [
        _("%(level)s: %(count)s") % {"level": labels[r], "count": risks.display(r, last)}
        for r in range(total_row)
        if labels[r] != not_assessed
    ]
    paragraphs = [
        _("Reports received in the year: %(total)s. Not risk-assessed: %(not_assessed)s.")
        % {
            "total": risks.display(total_row, last),
            "not_assessed": risks.display(labels.index(not_assessed), last)
            if not_assessed in labels
            else "0",
        },
        _("By risk level: %(levels)s.") % {"levels": "; ".join(str(level) for level in levels)},
    ]
    if risks.suppressed:
        paragraphs.append(_("* Hidden so that no individual can be identified; see the table's footnote."))
    return paragraphs


def quality_chapter(scope, *, on_progress=None, texts=None):
    """The chapter the board (or municipality) publishes in its kvalitetsberättelse: the SAS's
    introduction, the risk summary, every table (the summaries as the SAS approved them in the
    public version), and the SAS's analysis and conclusions. The texts are the SAS's
    ``ChapterText`` of the unit and year, unless given."""
    if texts is None:
        from cases.models import ChapterText

        stored = ChapterText.objects.filter(unit=scope.unit, year=scope.start.year).first()
        texts = stored.blocks() if stored else {}
    subtitle = _("%(municipality)s, %(year)s. %(kind)s") % {
        "municipality": scope.unit.name,
        "year": scope.start.year,
        "kind": _kind(scope),
    }
    tables = compile_tables(scope, on_progress=on_progress)
    before, after = [], []
    if texts.get("introduction"):
        before.append((_("Introduction"), _paragraphs(texts["introduction"])))
    before.append((_("Risk summary"), risk_summary(tables)))
    if texts.get("analysis"):
        after.append((_("Analysis"), _paragraphs(texts["analysis"])))
    if texts.get("conclusions"):
        after.append((_("Conclusions"), _paragraphs(texts["conclusions"])))
    return Compilation(
        title=_("Kvalitetsberättelse: reports, complaints and lex Sarah"),
        subtitle=subtitle,
        scope=scope,
        tables=tables,
        generated_at=timezone.now(),
        before=before,
        after=after,
    )


def _paragraphs(text):
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def year_scope(unit, year, public):
    return Scope(unit=unit, start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31), public=public)
