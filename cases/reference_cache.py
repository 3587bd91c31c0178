"""Small reference tables read once per process: risk levels, routing rules and terms.

Every assessment checks its risk score against the risk levels and routing rules and its
category against the vocabulary; reading those tables anew for each request cost three
statements per transition (docs/performance.md, "Fourth round"). A process keeps each table
whole and decides validity per call, so a date still selects the rows valid on it. A row
saved or deleted in this process (the admin) is seen at once and again after its commit;
one edited through another process within ``CACHE_SECONDS``.
"""

import time

from django.db import transaction
from django.db.models import signals

#: How long a process trusts a table it read, for changes made by another process.
CACHE_SECONDS = 60

_tables = {}  # model -> (time.monotonic() when read, [rows])


def rows(model):
    """Every row of ``model`` in its default order (shared instances: do not change them)."""
    cached = _tables.get(model)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    read_at = time.monotonic()
    table = list(model.objects.all())
    _tables[model] = (read_at, table)
    return table


def valid(model, day):
    """The rows of ``model`` valid on ``day``, as ``Validity.objects.valid_on(day)`` selects."""
    return [row for row in rows(model) if row.valid_from <= day and (row.valid_to is None or day <= row.valid_to)]


def forget(**kwargs):
    """Drop every kept table: a reference row was saved or deleted. At once and again when the
    transaction commits, so that no table read before the commit survives it."""
    _tables.clear()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_tables.clear)


def connect(*models):
    for model in models:
        signals.post_save.connect(forget, sender=model, dispatch_uid=f"reference-cache-save-{model._meta.label}")
        signals.post_delete.connect(forget, sender=model, dispatch_uid=f"reference-cache-delete-{model._meta.label}")
