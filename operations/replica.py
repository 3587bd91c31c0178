"""Reads that tolerate a little lag go to a PostgreSQL streaming replica
(``DATABASE_REPLICA_URL``); everything else stays on the primary (docs/operations.md, Scale-out).

The rule is the other way round from "every read on the replica": a read is served by the
replica **only** inside ``lag_tolerant(name)``, and the names are listed here (``LAG_TOLERANT``):
the statistics, the compilations and the kvalitetsberättelse chapter (pages and API). Every other
read — the services' loads and permission checks, a case page, the inbox, the audit trail —
is fresh because it is not named. Even inside a named block a read goes to the primary when

* the primary's connection is inside a transaction (a service changing a case, an audit row
  being chained): what it reads must be what it writes on;
* the user wrote within ``REPLICA_STICKY_SECONDS`` (read-your-writes: a changing request sets
  a cookie that keeps that browser's reads on the primary for a short window, longer than the
  replica's usual lag), or this request wrote;
* the model is one whose rows decide who may see what (``FRESH_MODELS``: users, groups,
  permissions, the object permissions that hold the roles): a role taken away is taken away
  at once, also on a statistics page;
* the replica does not answer: it is marked down for ``REPLICA_RETRY_SECONDS`` and the
  primary serves (the application keeps working when the replica stops).

Writes always go to the primary; the replica refuses them anyway (a hot standby is read-only).
"""

import contextlib
import contextvars
import functools
import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
COOKIE = "primary_until"

# The reads that may be a little behind, by name: where they are read.
LAG_TOLERANT = {
    "statistics": "reporting.web.views.statistics_page, the statistics API",
    "compilation": "the board's compilation and the kvalitetsberättelse chapter (page, API, exports)",
}
# Models whose rows decide access: always read fresh.
FRESH_MODELS = {
    "cases.user",
    "auth.group",
    "auth.permission",
    "contenttypes.contenttype",
    "cases.orgunituserobjectpermission",
    "cases.orgunitgroupobjectpermission",
    "cases.reportuserobjectpermission",
    "cases.reportgroupobjectpermission",
    "guardian.userobjectpermission",
    "guardian.groupobjectpermission",
    "sessions.session",
}

_tolerant: contextvars.ContextVar[str | None] = contextvars.ContextVar("replica_tolerant", default=None)
_sticky: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_sticky", default=False)
_down_until = 0.0
_checked_at = 0.0
CHECK_EVERY = 1.0  # seconds between checks that the replica's open connection still answers


def configured():
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def lag_tolerant(name):
    """Reads in this block may come from the replica. ``name`` must be one of ``LAG_TOLERANT``."""
    if name not in LAG_TOLERANT:
        raise ValueError(f"{name!r} is not a read named as lag-tolerant (operations.replica.LAG_TOLERANT)")
    token = _tolerant.set(name)
    try:
        yield
    finally:
        _tolerant.reset(token)


def tolerant_view(name):
    """``lag_tolerant(name)`` around a view."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            with lag_tolerant(name):
                return view(*args, **kwargs)

        return wrapped

    return decorate


def mark_written():
    """This request wrote: its further reads, and the user's for a short window, are fresh."""
    _sticky.set(True)


def _replica_up():
    global _down_until, _checked_at
    now = time.monotonic()
    if now < _down_until:
        return False
    replica = connections[REPLICA]
    try:
        if replica.connection is None:
            replica.ensure_connection()
        elif now - _checked_at > CHECK_EVERY:
            if not replica.is_usable():
                _close(replica)
                replica.ensure_connection()
        _checked_at = now
        return True
    except OperationalError:
        _close(replica)
        _down_until = now + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "The read replica does not answer; the primary serves for %s s", settings.REPLICA_RETRY_SECONDS
        )
        return False


def _close(connection):
    with contextlib.suppress(Exception):
        connection.close()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            not configured()
            or _tolerant.get() is None
            or _sticky.get()
            or model._meta.label_lower in FRESH_MODELS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not _replica_up()
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class StickinessMiddleware:
    """Read-your-writes across requests: a changing request sets ``primary_until``; a request
    that carries it, unexpired, reads from the primary only."""

    SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        now = time.time()
        try:
            fresh = float(request.COOKIES.get(COOKIE, "0")) > now
        except ValueError:
            fresh = False
        token = _sticky.set(fresh or request.method not in self.SAFE)
        try:
            response = self.get_response(request)
        finally:
            _sticky.reset(token)
        if request.method not in self.SAFE:
            window = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(
                COOKIE,
                f"{now + window:.0f}",
                max_age=window,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
