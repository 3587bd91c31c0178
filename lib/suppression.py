"""Small-count protection for public compilations.

Primary suppression hides every count from 1 to ``threshold - 1`` (zero is shown: it
identifies nobody). Secondary suppression then hides further cells until no hidden value
can be recomputed from what is shown: first so that no row or column sum has exactly one
hidden cell, then by solving the table's sums as a linear system and hiding more wherever a
hidden cell is still determined. Values derived from a count (a share) are hidden with it.
"""

from fractions import Fraction

from django.utils.translation import gettext_lazy as _


def lines(table):
    """Each sum a reader can check: a set of cells whose first ones add up to the last."""
    result = []
    count_rows = range(len(table.rows))
    if table.total_column is not None:
        for r in count_rows:
            result.append([(r, c) for c in table.row_parts] + [(r, table.total_column)])
    if table.total_row and len(table.rows) > 1:
        last = len(table.rows) - 1
        for c in table.counts:
            result.append([(r, c) for r in range(last)] + [(last, c)])
    return result


def _is_total(table, cell):
    r, c = cell
    return c == table.total_column or (table.total_row and r == len(table.rows) - 1)


def _candidate(table, line):
    """The cell to hide next in ``line``: the smallest shown count, interior cells first."""
    shown = [cell for cell in line if cell not in table.suppressed]
    if not shown:
        return None

    def cost(cell):
        value = table.rows[cell[0]][cell[1]]
        return (_is_total(table, cell), value == 0, value)

    return min(shown, key=cost)


def determined_cells(table, sums=None):
    """Hidden cells whose value follows from the shown cells and the sums, by elimination."""
    sums = lines(table) if sums is None else sums
    unknowns = sorted(table.suppressed & {cell for line in sums for cell in line})
    if not unknowns:
        return []
    index = {cell: i for i, cell in enumerate(unknowns)}
    matrix = []
    for line in sums:
        *parts, total = line
        row = [Fraction(0)] * len(unknowns)
        for cell in parts:
            if cell in index:
                row[index[cell]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    basis = _row_echelon(matrix)
    determined = []
    for cell, i in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[i] = Fraction(1)
        if _in_span(basis, unit):
            determined.append(cell)
    return determined


def _row_echelon(matrix):
    rows = [list(r) for r in matrix]
    basis: list[list[Fraction]] = []
    pivots: list[int] = []
    for row in rows:
        row = _reduce(basis, pivots, row)
        pivot = next((i for i, v in enumerate(row) if v), None)
        if pivot is None:
            continue
        factor = row[pivot]
        row = [v / factor for v in row]
        basis.append(row)
        pivots.append(pivot)
    return basis, pivots


def _reduce(basis, pivots, row):
    row = list(row)
    for base, pivot in zip(basis, pivots, strict=True):
        if row[pivot]:
            factor = row[pivot]
            row = [a - factor * b for a, b in zip(row, base, strict=True)]
    return row


def _in_span(echelon, vector):
    # Each basis row is zero at the pivots of the rows before it, so one pass in order
    # clears every pivot; what is left is zero exactly when the vector is in the span.
    basis, pivots = echelon
    return not any(_reduce(basis, pivots, vector))


def suppress(table, threshold):
    """Hide small counts in ``table`` (in place) and add the footnote when anything is hidden."""
    for r, row in enumerate(table.rows):
        for c in table.counts:
            value = row[c]
            if isinstance(value, int) and 0 < value < threshold:
                table.suppressed.add((r, c))
    sums = lines(table)
    while True:
        changed = False
        for line in sums:
            hidden = [cell for cell in line if cell in table.suppressed]
            if len(hidden) == 1:
                cell = _candidate(table, line)
                if cell is not None:
                    table.suppressed.add(cell)
                    changed = True
        if changed:
            continue
        determined = determined_cells(table, sums)
        if not determined:
            break
        for line in sums:
            if determined[0] in line:
                cell = _candidate(table, line)
                if cell is not None:
                    table.suppressed.add(cell)
                    changed = True
                    break
        if not changed:
            break
    for derived, source in table.derived.items():
        for r in range(len(table.rows)):
            if (r, source) in table.suppressed:
                table.suppressed.add((r, derived))
    if table.suppressed:
        table.footnotes.append(
            _(
                "* Hidden: fewer than %(threshold)d, or hidden so that such a number cannot be worked out "
                "from the totals."
            )
            % {"threshold": threshold}
        )
    return table
