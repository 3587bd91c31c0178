"""The few reads that every change of a case makes, written with the ORM and compiled once.

Django turns a queryset into SQL each time it runs it. For the reads that every transition
makes (the case with its unit, its workflow's process and open tasks, the named
investigators, the audit chain's head, the API token) that compilation cost more CPU than
PostgreSQL took to answer them (docs/performance.md, "Fifth round"). A ``Statement`` is such
a read, declared as an ordinary queryset whose varying values are parameters: the first run
on a database connection compiles it and keeps the SQL with Django's compiler; every later
run binds the new values into the same SQL and turns the rows into model instances (or
tuples) exactly as the queryset would have. The SQL stays the ORM's, so it is the same on
SQLite and PostgreSQL, and a changed model changes it on the next start.

Only plain reads qualify: no ``prefetch_related``, no known related objects (a queryset
reached through a related manager), no values that Django would rewrite before binding.
``_compile`` refuses anything else. A statement that locks (``select_for_update``) refuses
to run outside a transaction, as the queryset would.
"""

import operator
import uuid
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

# A marker value for each kind of parameter: distinctive, and inside the range Django lets an
# integer lookup keep (Django drops an out-of-range exact lookup as matching nothing).
_INT_MARKER_BASE = 2_047_000_000
_INT64 = (-(2**63), 2**63 - 1)


def _marker(kind, index):
    if kind is int:
        return _INT_MARKER_BASE + index * 7919
    if kind is str:
        return f"statement-parameter-{index}-{uuid.uuid4().hex}"
    raise TypeError(f"a Statement parameter is int or str, not {kind!r}")


def _bound(kind, value):
    """The value as the database driver should get it: an int as an int, a str (an enum's
    member too) as a plain str; anything else is a caller's error."""
    if kind is int:
        return operator.index(value)
    if not isinstance(value, str):
        raise TypeError(f"a str parameter, not {value!r}")
    return str(value)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    positions: tuple
    compiler: object
    locks: bool


class Statement:
    """A read declared as ``build(*parameters) -> QuerySet``, with one kind (``int`` or
    ``str``) per parameter; run it with ``objects``, ``first`` or ``rows``."""

    def __init__(self, build, *kinds):
        self.build = build
        self.kinds = kinds

    def _compile(self, connection):
        markers = [_marker(kind, index) for index, kind in enumerate(self.kinds)]
        queryset = self.build(*markers)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a Statement cannot prefetch or carry known related objects")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = []
        for marker in markers:
            found = [index for index, param in enumerate(params) if param == marker]
            if len(found) != 1:
                raise ValueError(
                    f"a Statement parameter must reach the SQL unchanged, once: {marker!r} in {sql}"
                )
            positions.append(found[0])
        locks = bool(queryset.query.select_for_update) and connection.features.has_select_for_update
        return _Compiled(sql, params, tuple(positions), compiler, locks)

    def _run(self, values, using):
        connection = connections[using]
        # Kept on the connection object: each thread has its own, the compiler belongs to the
        # connection it was made for, and both go when the connection object goes.
        kept = connection.__dict__.setdefault("_compiled_statements", {})
        compiled = kept.get(self)
        if compiled is None:
            compiled = kept[self] = self._compile(connection)
        if compiled.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        if len(values) != len(compiled.positions):
            raise TypeError(f"this statement takes {len(compiled.positions)} values, not {len(values)}")
        values = [_bound(kind, value) for kind, value in zip(self.kinds, values, strict=True)]
        if any(
            kind is int and not _INT64[0] <= value <= _INT64[1]
            for kind, value in zip(self.kinds, values, strict=True)
        ):
            return None, []  # no row has such a key: answered as Django answers it, without asking
        params = list(compiled.params)
        for position, value in zip(compiled.positions, values, strict=True):
            params[position] = value
        compiler = compiled.compiler
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        return compiler, list(compiler.results_iter([rows], tuple_expected=True))

    def rows(self, *values, using=DEFAULT_DB_ALIAS):
        """The rows as tuples of the selected columns (for a ``values_list`` queryset)."""
        return self._run(values, using)[1]

    def objects(self, *values, using=DEFAULT_DB_ALIAS):
        """The rows as model instances, with their ``select_related`` objects and
        annotations, as the queryset's own iteration makes them (``ModelIterable``)."""
        compiler, rows = self._run(values, using)
        if not rows:
            return []
        select, klass_info, annotation_col_map = (
            compiler.select,
            compiler.klass_info,
            compiler.annotation_col_map,
        )
        model_cls = klass_info["model"]
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        found = []
        for row in rows:
            obj = model_cls.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, *values, using=DEFAULT_DB_ALIAS):
        """The first instance, or None (declare the queryset with its order and ``[:1]``)."""
        found = self.objects(*values, using=using)
        return found[0] if found else None
