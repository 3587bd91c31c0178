"""The exceptions the domain floor raises, in one place (docs/architecture.md, "The domain
floor"). Each is re-exported where it was defined before (``cases.services``,
``cases.services.base``, ``cases.services.imports``, ``cases.idempotency``), so callers keep
their imports; the web and API layers translate them into answers (404, 409, 400)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cases.models import Report


class CaseNotFound(Exception):
    """The case does not exist or the user may not see it: both answer 404."""


class UnknownTransition(Exception):
    """No such transition (or notification step) for this case: 404 or 400 by the caller."""


class InvalidState(Exception):
    """The case is not in a state that allows this (or it changed underneath): 409."""


class ImportRejected(ValidationError):
    """The file was not imported; ``rows`` lists every error with its line and column."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        super().__init__([f"{_('line')} {e['line']}, {e['column'] or '-'}: {e['message']}" for e in rows])


class KeyReused(Exception):
    """The key was used before for another request; ``report`` is what that one filed."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.pk)
        self.report = report


class NestedServiceCall(RuntimeError):
    """A public ``do_*`` was called while another one was running (``cases.services.guard``):
    two services would share one audit context and one permission check. Share a private
    helper instead."""
