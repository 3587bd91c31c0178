"""What every service shares: loading the case for a change (404 when the user may not see
it), the permission and state checks, and a form's cleaned data or its errors."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.access import allowed_roles, begin_action
from cases.models import CLOSED_STATES
from cases.services.exceptions import CaseNotFound, InvalidState, UnknownTransition

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


def load_report(report_id, user):
    report = selectors.report_for_change(user, report_id)
    if report is None:
        raise CaseNotFound(report_id)
    begin_action(user, report.pk)
    return report


def require_roles(user, report, roles):
    if not allowed_roles(user, report, roles):
        raise PermissionDenied(_("You may not do this on this case."))


def require_open(report):
    if report.state in CLOSED_STATES:
        raise InvalidState(_("The case is closed."))


def validated(form):
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data
