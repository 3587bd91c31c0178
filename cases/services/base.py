from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.access import allowed_roles, begin_action


class CaseNotFound(Exception):
    """The case does not exist or the user may not see it: both answer 404."""


class UnknownTransition(Exception):
    pass


class InvalidState(Exception):
    """The case is not in a state that allows this (or it changed underneath): 409."""


CLOSED_STATES = {"closed", "outside_scope"}


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
