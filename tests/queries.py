"""The one way the tests count SQL statements (docs/testing.md, "Query counts").

``assert_num_queries(n)`` pins how many statements a block runs and, when the number is wrong,
fails with the statements listed; ``captured_queries()`` records them for a test that compares
two counts, counts only some statements or reads their SQL. Both watch the default database,
where every pinned number in the suite is taken, on SQLite and PostgreSQL alike.
"""

import contextlib

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext


class Queries:
    """The statements a block ran, in order; complete once the block has ended."""

    def __init__(self, context):
        self._context = context

    def __len__(self):
        return len(self._context)

    @property
    def sql(self):
        return [query["sql"] for query in self._context.captured_queries]

    def containing(self, fragment):
        """The statements whose SQL contains ``fragment`` (a table's name, say)."""
        return [sql for sql in self.sql if fragment in sql]

    def __str__(self):
        return "\n".join(f"{number}. {sql}" for number, sql in enumerate(self.sql, start=1))


@contextlib.contextmanager
def captured_queries(using=DEFAULT_DB_ALIAS):
    """Record the statements the block runs: ``with captured_queries() as queries: …``."""
    context = CaptureQueriesContext(connections[using])
    with context:
        yield Queries(context)


@contextlib.contextmanager
def assert_num_queries(expected, using=DEFAULT_DB_ALIAS):
    """Fail unless the block runs exactly ``expected`` statements."""
    with captured_queries(using) as queries:
        yield queries
    assert len(queries) == expected, f"{len(queries)} statements where {expected} are pinned:\n{queries}"
