"""Other rooms' tasks in the inbox, without the floor importing those rooms.

An app above ``cases`` (records: the gallring review and the loggkontroll) registers a
provider in its ``AppConfig.ready()``; the inbox calls every provider with the user and lists
what they return beside the workflow tasks: a title, where to go, the due date and whether it
is overdue. A provider returns only what the user may act on (its own permission checks).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InboxItem:
    """One task of another room: what, where, by when."""

    title: str
    url: str
    board: str
    due_by: datetime.date | None
    overdue: bool


Provider = Callable[[Any, datetime.date], Iterable[InboxItem]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider once (registering it again is harmless)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def items_for(user: Any, today: datetime.date) -> list[InboxItem]:
    """Every provider's items for ``user``, the earliest due first."""
    items = [item for provider in _PROVIDERS for item in provider(user, today)]
    return sorted(items, key=lambda item: (item.due_by is None, item.due_by or today, item.title))
