"""The one way the tests write a permission matrix (docs/testing.md, "Permission matrices").

A ``Matrix`` holds, for each row (an endpoint, a page, a step), the outcome each actor of the
cast (tests/cast.py) meets: a status code, a set of cases seen, whatever the test compares.
A row is written as a tuple in the order of the actors (a table one reads across) or as a
mapping actor → outcome with a ``default`` for everyone not named. Every actor gets exactly one
outcome: a tuple of the wrong length, an actor not in the list or one left without an outcome
and no default is an error when the module is imported, not a test that passes unasked.

The matrix parametrizes the test that checks it, with ids that name the row and the actor::

    TRANSITION = Matrix.of(EVERYONE, {"manager_a": 200, "sas": 200, "reporter": 403}, default=404)

    @TRANSITION.per_actor("name, expected")           # ids: reporter, manager_a, …
    def test_…(name, expected, …): …

    @WHO_MAY.per_row("endpoint, expected")            # ids: the rows; expected: {actor: outcome}
    @WHO_MAY.per_actor("endpoint, name, expected")    # ids: "<row>-<actor>"

A row may be named by a tuple, ``("deviation", "assess")``: its parts are then arguments of
their own (``"report_type, name, expected"``) and its id joins them (``deviation-assess``).
"""

import pytest

_REQUIRED = object()


def _row_values(row):
    return row if isinstance(row, tuple) else (row,)


def _row_id(row):
    return "-".join(str(part) for part in _row_values(row))


def _outcomes(actors, row, written, default):
    if isinstance(written, tuple | list):
        if len(written) != len(actors):
            raise ValueError(f"row {row!r}: {len(written)} outcomes for {len(actors)} actors")
        return dict(zip(actors, written, strict=True))
    unknown = set(written) - set(actors)
    if unknown:
        raise ValueError(f"row {row!r}: actors not in the matrix: {sorted(unknown)}")
    missing = [actor for actor in actors if actor not in written]
    if missing and default is _REQUIRED:
        raise ValueError(f"row {row!r}: no outcome for {missing} and no default")
    return {actor: written.get(actor, default) for actor in actors}


class Matrix:
    """Rows × actors → the expected outcome."""

    def __init__(self, actors, rows, *, default=_REQUIRED):
        self.actors = tuple(actors)
        if len(set(self.actors)) != len(self.actors):
            raise ValueError(f"an actor is listed twice: {self.actors}")
        self.rows = {row: _outcomes(self.actors, row, written, default) for row, written in rows.items()}

    @classmethod
    def of(cls, actors, outcomes, *, default=_REQUIRED):
        """A matrix of one row: the outcome of each actor at one place."""
        return cls(actors, {None: outcomes}, default=default)

    @classmethod
    def of_groups(cls, actors, groups, *, default=_REQUIRED):
        """One row from ``[(actors, outcome), …]``: each actor meets the outcome of the first
        group that holds them (``[(MAY, 302), (SEES, 403)]`` with ``default=404``)."""
        outcomes = {}
        for members, outcome in groups:
            for actor in members:
                outcomes.setdefault(actor, outcome)
        return cls.of(actors, outcomes, default=default)

    def expected(self, row=None):
        """{actor: outcome} of one row (of the only row when the matrix has one)."""
        return dict(self.rows[row])

    def __getitem__(self, actor):
        """The outcome of ``actor`` in a matrix of one row."""
        (row,) = self.rows.values()
        return row[actor]

    def per_actor(self, argnames):
        """One test per actor (and row): ``"actor, expected"`` for a matrix of one row,
        ``"row, actor, expected"`` for more; ids ``actor`` or ``row-actor``."""
        single = list(self.rows) == [None]
        params = [
            pytest.param(
                *(() if single else _row_values(row)),
                actor,
                outcome,
                id=actor if single else f"{_row_id(row)}-{actor}",
            )
            for row, outcomes in self.rows.items()
            for actor, outcome in outcomes.items()
        ]
        return pytest.mark.parametrize(argnames, params)

    def per_row(self, argnames):
        """One test per row, ``"row, expected"`` with ``expected`` the row's {actor: outcome}
        (for a test that builds its case once and asks as every actor); ids: the rows."""
        params = [
            pytest.param(*_row_values(row), dict(outcomes), id=_row_id(row))
            for row, outcomes in self.rows.items()
        ]
        return pytest.mark.parametrize(argnames, params)
