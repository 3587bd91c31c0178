"""A whole compilation: its tables for a board and period (or the municipality and a year),
suppressed when public."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.suppression import suppress
from reporting.selectors.tables import BUILDERS, Scope, scope_threshold


@dataclass
class Compilation:
    title: str
    subtitle: str
    scope: Scope
    tables: list = field(default_factory=list)
    generated_at: datetime.datetime = None

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
        }


def compile_tables(scope, *, on_progress=None):
    threshold = scope_threshold(scope) if scope.public else None
    tables = []
    for i, builder in enumerate(BUILDERS, start=1):
        table = builder(scope)
        if threshold is not None:
            suppress(table, threshold)
        tables.append(table)
        if on_progress:
            on_progress(i, len(BUILDERS))
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


def quality_chapter(scope, *, on_progress=None):
    subtitle = _("%(municipality)s, %(year)s. %(kind)s") % {
        "municipality": scope.unit.name,
        "year": scope.start.year,
        "kind": _kind(scope),
    }
    return Compilation(
        title=_("Kvalitetsberättelse: reports, complaints and lex Sarah"),
        subtitle=subtitle,
        scope=scope,
        tables=compile_tables(scope, on_progress=on_progress),
        generated_at=timezone.now(),
    )


def year_scope(unit, year, public):
    return Scope(unit=unit, start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31), public=public)
