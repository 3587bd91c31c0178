"""How the domain's exceptions answer over HTTP.

A case the user may not see answers exactly like one that does not exist (404), so that a
refusal never confirms that a case is there.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from cases.services import CaseNotFound, InvalidState, UnknownTransition


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The case is not in a state where this can be done.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "too_large"


def field_errors(exc):
    """``{field: [messages]}``, with errors about the whole input under ``non_field_errors``."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field: messages
        for field, messages in exc.message_dict.items()
    }


def _first_arg(exc):
    return exc.args[0] if exc.args else None


def exception_handler(exc, context):
    if isinstance(exc, (CaseNotFound, UnknownTransition)):
        exc = exceptions.NotFound()
    elif isinstance(exc, InvalidState):
        exc = Conflict(_first_arg(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_first_arg(exc))
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, OverflowError):
        # SQLite cannot bind an integer beyond 64 bits, which only input can bring, e.g. an
        # absurd id among a list of ids that a form looks up with IN (...).
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("A number in the request is too large.")]}
        )
    return drf_exception_handler(exc, context)
