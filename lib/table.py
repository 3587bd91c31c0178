"""A compiled table: title, column headings, rows, footnotes; and which cells are counts
that add up to which totals, so that suppression knows what a reader could recompute."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

SUPPRESSED = "*"


def format_number(value, *, decimals=None, percent=False, grouping=True):
    """A number as the compilations write it for people, in the active language: Swedish
    ``1,6`` and ``1 234`` (Django's sv formats), English ``1.6`` and ``1,234``; a share with
    a space before the per cent sign in Swedish (``1,6 %``), none in English (``1.6%``).
    ``grouping=False`` leaves out the thousand separator (CSV, which spreadsheets read back)."""
    if isinstance(value, float) and decimals is None:
        decimals = 1
    if decimals is not None:
        # Django's number_format cuts off further digits; round half up first (0.25 -> 0.3).
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=grouping)
    if percent:
        # Translators: a share in per cent; Swedish puts a space before the sign (1,6 %).
        return _("%(number)s%%") % {"number": text}
    return text


@dataclass
class Table:
    key: str
    title: str
    columns: list
    rows: list
    footnotes: list = field(default_factory=list)
    # How many leading columns are labels rather than numbers.
    stub: int = 1
    # Count columns (indexes into ``columns``); only these are ever suppressed.
    counts: list = field(default_factory=list)
    # The last row is the sum of the rows above it, column by column (count columns).
    total_row: bool = False
    # Index of a column that is the sum of ``row_parts`` in each row, or None.
    total_column: int | None = None
    row_parts: list = field(default_factory=list)
    # Columns derived from a count column ({derived: source}); hidden with their source.
    derived: dict = field(default_factory=dict)
    # Columns holding a share in per cent (written ``1,6 %`` in Swedish, ``1.6%`` in English).
    percent: list = field(default_factory=list)
    # (row, column) cells hidden by suppression.
    suppressed: set = field(default_factory=set)

    def value(self, r, c):
        return None if (r, c) in self.suppressed else self.rows[r][c]

    def display(self, r, c, *, grouping=True):
        """The cell as text in the active language (``format_number``); a hidden cell is ``*``."""
        if (r, c) in self.suppressed:
            return SUPPRESSED
        value = self.rows[r][c]
        if value is None:
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_number(value, percent=c in self.percent, grouping=grouping)
        return str(value)

    def display_rows(self, *, grouping=True):
        return [
            [self.display(r, c, grouping=grouping) for c in range(len(self.columns))]
            for r in range(len(self.rows))
        ]

    def as_json(self):
        return {
            "key": self.key,
            "title": str(self.title),
            "columns": [str(c) for c in self.columns],
            "rows": [[self.value(r, c) for c in range(len(self.columns))] for r in range(len(self.rows))],
            "suppressed": sorted([r, c] for r, c in self.suppressed),
            "footnotes": [str(f) for f in self.footnotes],
        }


def with_totals(labels, matrix, *, width, total_label, totals_column=True, totals_row=True):
    """Rows of ``[label, v1, …, vwidth, total]`` plus a total row, from a plain matrix of
    ``width`` columns. The width is given, not read from the first row, so that a period
    without rows still has a total row as wide as the headings (zeros)."""
    rows = []
    for label, values in zip(labels, matrix, strict=True):
        row = [label, *values]
        if totals_column:
            row.append(sum(values))
        rows.append(row)
    if totals_row:
        cells = width + (1 if totals_column else 0)
        rows.append([total_label, *[sum(row[c] for row in rows) for c in range(1, cells + 1)]])
    return rows


def csv_delimiter(language=None):
    """The CSV separator of the reader's language: ``;`` for Swedish, whose spreadsheets take the
    comma as the decimal sign (Excel with Swedish settings splits a file at semicolons), ``,``
    for English. The import reads both (``cases.importer.parse``)."""
    language = language or translation.get_language() or ""
    return ";" if language.split("-")[0] == "sv" else ","
