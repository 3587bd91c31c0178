"""Small-count protection: hidden cells cannot be worked out again from what is shown.

The check here is independent of the code's own linear algebra: it enumerates every
non-negative integer filling of the hidden cells that agrees with the shown cells and
totals, and asserts that each hidden cell can take more than one value."""

import itertools

import pytest

from lib.suppression import determined_cells, suppress
from lib.table import Table, with_totals
from reporting.models import SuppressionRule


def matrix_table(matrix):
    width = len(matrix[0])
    return Table(
        key="t",
        title="t",
        columns=["", *map(str, range(width)), "Total"],
        rows=with_totals([f"r{i}" for i in range(len(matrix))], matrix, width=width, total_label="Total"),
        counts=list(range(1, width + 2)),
        total_row=True,
        total_column=width + 1,
        row_parts=list(range(1, width + 1)),
    )


def consistent_fillings(table, limit):
    """Every assignment of 0..limit to the hidden cells that satisfies all row and column sums."""
    hidden = sorted(table.suppressed)
    rows = [list(r) for r in table.rows]
    last_row, total_col = len(rows) - 1, table.total_column
    for values in itertools.product(range(limit + 1), repeat=len(hidden)):
        grid = [list(r) for r in rows]
        for (r, c), v in zip(hidden, values, strict=True):
            grid[r][c] = v
        if all(
            sum(grid[r][c] for c in table.row_parts) == grid[r][total_col] for r in range(len(grid))
        ) and all(sum(grid[r][c] for r in range(last_row)) == grid[last_row][c] for c in table.counts):
            yield dict(zip(hidden, values, strict=True))


def assert_not_recoverable(table, limit):
    fillings = list(consistent_fillings(table, limit))
    assert fillings, "the true values must be among the fillings"
    for cell in table.suppressed:
        assert len({f[cell] for f in fillings}) > 1, f"{cell} can be worked out"


@pytest.mark.parametrize(
    "matrix",
    [
        [[3, 10], [12, 9]],  # one small cell: its row and column partners must go too
        [[1, 0, 7], [6, 8, 9]],  # a small cell beside a zero
        [[2, 6, 9], [7, 4, 8], [9, 9, 6]],  # two small cells in different rows and columns
    ],
)
def test_hidden_cells_cannot_be_recovered_from_totals(matrix):
    table = suppress(matrix_table(matrix), threshold=5)
    assert table.suppressed, "small counts must be hidden"
    for r, row in enumerate(matrix):
        for c, value in enumerate(row, start=1):
            if 0 < value < 5:
                assert (r, c) in table.suppressed
    assert determined_cells(table) == []
    # Any range holding the true values will do: two consistent values in it are enough.
    assert_not_recoverable(table, limit=max(table.rows[r][c] for r, c in table.suppressed) + 2)
    assert "*" in str(table.footnotes[-1])


def test_primary_suppression_alone_would_be_recoverable():
    table = matrix_table([[3, 10], [12, 9]])
    table.suppressed = {(0, 1)}
    assert determined_cells(table) == [(0, 1)]  # 13 - 10 = 3: why secondary suppression is needed


def test_nothing_hidden_when_every_count_is_large_or_zero():
    table = suppress(matrix_table([[0, 10], [12, 9]]), threshold=5)
    assert table.suppressed == set()
    assert table.footnotes == []


def test_small_totals_are_hidden_and_shares_go_with_their_count():
    table = Table(
        key="d",
        title="d",
        columns=["", "n", "%"],
        rows=[["a", 2, 20.0], ["b", 8, 80.0], ["Total", 10, 100.0]],
        counts=[1],
        derived={2: 1},
        total_row=True,
    )
    suppress(table, threshold=5)
    assert {(0, 1), (1, 1), (0, 2), (1, 2)} <= table.suppressed
    assert table.display_rows()[0] == ["a", "*", "*"]


def test_internal_version_shows_everything(world):
    import datetime

    from reporting.selectors.compilation import board_compilation
    from reporting.selectors.tables import Scope

    compilation = board_compilation(
        Scope(world.org.sn, datetime.date(2025, 3, 1), datetime.date(2025, 10, 31), public=False)
    )
    assert all(not t.suppressed for t in compilation.tables)


@pytest.mark.django_db
def test_the_threshold_is_data():
    assert SuppressionRule.threshold_on() == 5
    SuppressionRule.objects.update(threshold=3)
    assert SuppressionRule.threshold_on() == 3
    table = suppress(matrix_table([[3, 10], [12, 9]]), threshold=SuppressionRule.threshold_on())
    assert table.suppressed == set()
