"""What every service shares: loading the case for a change (404 when the user may not see
it), the permission and state checks, and a form's cleaned data or its errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.access import allowed_roles, begin_action
from cases.models import CLOSED_STATES
from cases.services.exceptions import CaseNotFound, InvalidState, UnknownTransition

if TYPE_CHECKING:
    from cases.models import Report
    from cases.models.organisation import AnyUser


__all__ = [
    "CLOSED_STATES",
    "CaseNotFound",
    "InvalidState",
    "UnknownTransition",
    "load_report",
    "require_open",
    "require_roles",
    "validated",
]


def load_report(report_id: int, user: AnyUser) -> Report:
    report = selectors.report_for_change(user, report_id)
    if report is None:
        raise CaseNotFound(report_id)
    begin_action(user, report.pk)
    return report


def require_roles(user: AnyUser, report: Report, roles: Iterable[str]) -> None:
    if not allowed_roles(user, report, roles):
        raise PermissionDenied(_("You may not do this on this case."))


def require_open(report: Report) -> None:
    if report.state in CLOSED_STATES:
        raise InvalidState(_("The case is closed."))


def validated(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data
