"""One transaction per changing request, and 503 instead of a server error when the
database does not answer.

A POST, PUT, PATCH or DELETE runs in one transaction, from the first middleware to the last:
the change, the answer built from it (the case read back, the read logged, the idempotency
key's row, the session) commit together or not at all, and an answer of 5xx rolls the
transaction back. So a client told 503 (or 500) knows that nothing was committed; the one
exception is a COMMIT whose connection is lost on the way, which no server can know the
outcome of, and which a filing's ``Idempotency-Key`` makes safe to retry (docs/api.md).

Side effects registered with ``transaction.on_commit`` run after the COMMIT; one that fails
then (the outbox's fast path never does; an e-mail task that cannot be queued might) no longer
changes the answer: the change is made and the client is told so.

``OperationalError`` and ``InterfaceError`` (the database is gone, restarting, refusing
connections, or SQLite is locked for longer than its timeout) answer 503 with ``Retry-After``
and a short message in the request's language, as JSON under ``/api/`` and as a page
elsewhere, never a traceback. Django drops the broken connection at the end of the request
and, with ``CONN_HEALTH_CHECKS``, checks a kept one before the next request uses it, so the
first request after the database is back succeeds.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
RETRY_AFTER_SECONDS = 5


def unavailable(request, error, outcome_unknown=False):
    logger.warning(
        "%s %s answered 503: the database did not answer (%s)%s",
        request.method,
        request.path,
        type(error).__name__,
        ", in the COMMIT" if outcome_unknown else "",
    )
    # In the request's language also when this middleware answers before LocaleMiddleware ran.
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = _answer(request, outcome_unknown)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = language
    return response


def _answer(request, outcome_unknown):
    if outcome_unknown:
        message = _(
            "The service lost its database while saving, and cannot tell whether it was saved. Please try "
            "again in a moment: a report sent again with the same form or key is filed only once."
        )
    else:
        message = _(
            "The service cannot reach its database just now. Nothing was saved. Please try again in a moment."
        )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=503)
    return HttpResponse(render_to_string("503.html", {"message": message}), status=503)


def _note_unavailable(sender, request=None, **kwargs):
    """An exception raised outside the view (in another middleware) becomes Django's 500 page
    before this middleware sees it; the 500 is turned into a 503 when the cause was this."""
    if request is not None and isinstance(sys.exc_info()[1], UNAVAILABLE):
        request.database_unavailable = sys.exc_info()[1]


got_request_exception.connect(_note_unavailable, dispatch_uid="cases.request_transactions")


class RequestTransactionMiddleware:
    """The first middleware, so that everything after it is inside the transaction."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS:
            response = self.get_response(request)
        else:
            response = self._in_one_transaction(request)
        error = getattr(request, "database_unavailable", None)
        if error is not None and response.status_code == 500:
            response = unavailable(request, error)
        return response

    def _in_one_transaction(self, request):
        committed = []
        response = None
        try:
            with transaction.atomic():
                transaction.on_commit(
                    lambda: committed.append(True)
                )  # the first callback: the COMMIT is done
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
        except Exception as error:
            if committed:
                logger.warning(
                    "%s %s: a side effect after the commit failed (%s); the change is made",
                    request.method,
                    request.path,
                    type(error).__name__,
                )
                return response
            if isinstance(error, UNAVAILABLE):
                # No answer yet: the transaction never began. An answer: its COMMIT failed, with
                # an outcome no one can know.
                return unavailable(request, error, outcome_unknown=response is not None)
            raise
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return unavailable(request, exception)
        return None
