"""Reference data read once per process: risk levels, routing rules, terms, and the
notification rules (``notifications.rules``).

Every assessment checks its risk score against the risk levels and routing rules and its
category against the vocabulary, and every event looks up the rules that listen to it;
reading those anew for each request cost statements on every change of a case
(docs/performance.md, "Third round" and "Fourth round"). A process keeps what it read and
decides validity per call, so a date still selects the rows valid on it. A row saved or
deleted in this process (the admin) is seen at once and again after its commit; one edited
through another process within ``CACHE_SECONDS``.
"""

import time

from django.db import transaction
from django.db.models import signals

#: How long a process trusts what it read, for changes made by another process.
CACHE_SECONDS = 60

_kept = {}  # key -> (time.monotonic() when read, value)


def kept(key, load):
    """``load()``'s value, read once per ``key`` and process and at most ``CACHE_SECONDS`` old
    (shared: do not change it)."""
    cached = _kept.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    read_at = time.monotonic()
    value = load()
    _kept[key] = (read_at, value)
    return value


def rows(model):
    """Every row of ``model`` in its default order."""
    return kept(model, lambda: list(model.objects.all()))


def valid(model, day):
    """The rows of ``model`` valid on ``day``, as ``Validity.objects.valid_on(day)`` selects."""
    return [
        row for row in rows(model) if row.valid_from <= day and (row.valid_to is None or day <= row.valid_to)
    ]


def forget(**kwargs):
    """Drop everything kept: a reference row was saved or deleted. At once and again when the
    transaction commits, so that nothing read before the commit survives it."""
    _kept.clear()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_kept.clear)


def connect(*models):
    """Forget what is kept whenever a row of one of ``models`` is saved or deleted."""
    for model in models:
        signals.post_save.connect(
            forget, sender=model, dispatch_uid=f"reference-cache-save-{model._meta.label}"
        )
        signals.post_delete.connect(
            forget, sender=model, dispatch_uid=f"reference-cache-delete-{model._meta.label}"
        )
