"""The project's own error pages (400, 403, 404, 500 and the CSRF failure), in the page's
language, used for every page: Django renders ``403.html`` and friends by name, and the
installed viewflow ships English ones under those names, which ours in ``templates/`` shadow.

A 404 never says whether the thing exists (a case out of scope answers exactly like a missing
one). Paths under ``/api/`` are answered in JSON, as the API answers everything else. The
500 page gives the request's id as a reference for the operator, whose log has the traceback;
it is rendered without the database, which may be what failed."""

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _is_api(request):
    return request.path.startswith("/api/")


def _json(detail, status, **extra):
    return JsonResponse({"detail": detail, **extra}, status=status)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json(_("The request could not be understood."), 400)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json(_("You do not have permission to do this."), 403)
    # Our PermissionDenied messages are written for the user ("You may not take this task.").
    reason = str(exception) if exception is not None and exception.args else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _json(_("Not found."), 404)
    return render(request, "404.html", status=404)


def server_error(request):
    reference = getattr(request, "request_id", "")
    logger.error(
        "Server error shown to the user with reference %s (%s %s)", reference, request.method, request.path
    )
    if _is_api(request):
        return _json(
            _("A server error occurred. It has been logged for the operator."), 500, reference=reference
        )
    return HttpResponseServerError(loader.get_template("500.html").render({"reference": reference}))


def csrf_failure(request, reason=""):
    """A form sent from a page that had gone stale: signed out or in again meanwhile, another
    tab, or a page restored by the back button. Django's reason is for developers, not users."""
    return render(request, "403_csrf.html", status=403)
