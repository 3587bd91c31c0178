"""A compiled table: title, column headings, rows, footnotes; and which cells are counts
that add up to which totals, so that suppression knows what a reader could recompute."""

from dataclasses import dataclass, field

SUPPRESSED = "*"


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
    # (row, column) cells hidden by suppression.
    suppressed: set = field(default_factory=set)

    def value(self, r, c):
        return None if (r, c) in self.suppressed else self.rows[r][c]

    def display(self, r, c):
        if (r, c) in self.suppressed:
            return SUPPRESSED
        value = self.rows[r][c]
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.1f}"
        return str(value)

    def display_rows(self):
        return [[self.display(r, c) for c in range(len(self.columns))] for r in range(len(self.rows))]

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
