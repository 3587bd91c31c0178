"""The decorator every public ``do_*`` carries: its transaction, and a guard against one
public service calling another (docs/architecture.md, "The domain floor").

A public ``do_*`` is one unit of change: one permission check on the case it loads, one audit
context, one set of side effects. One called from inside another would check permission a
second time for another purpose, and its transaction would only be a savepoint of the outer
one. So services share private helpers instead, and ``service`` raises
``NestedServiceCall`` when a public ``do_*`` is entered while another is running in the same
thread or task (a ``ContextVar``).

Why not ``transaction.atomic(durable=True)``: every changing request already runs in one
transaction (``cases.request_transactions``), so a durable block inside it would always fail.
The guard gives the property durable would have given between services (no service inside
another) without forbidding the request's own transaction.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import transaction

from cases.services.exceptions import NestedServiceCall

P = ParamSpec("P")
R = TypeVar("R")

_running: contextvars.ContextVar[str | None] = contextvars.ContextVar("cases_service_running", default=None)


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` in a transaction (a savepoint inside the request's), refusing to start
    while another public service is running. The mark is cleared before the transaction
    ends, so what runs on commit (the outbox's fast path) may call services again."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        outer = _running.get()
        if outer is not None:
            raise NestedServiceCall(
                f"{func.__qualname__} was called inside {outer}: share a private helper instead."
            )
        with transaction.atomic():
            token = _running.set(func.__qualname__)
            try:
                return func(*args, **kwargs)
            finally:
                _running.reset(token)

    wrapper.is_service = True  # type: ignore[attr-defined]
    return wrapper


def running() -> str | None:
    """The public service running now, if any."""
    return _running.get()
