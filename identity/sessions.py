"""How long a signed-in session lasts (docs/identity.md, "Sessions"):

- ``SESSION_IDLE_TIMEOUT`` minutes without a request end it (0: no idle limit);
- ``SESSION_COOKIE_AGE`` seconds after signing in end it, however busy it is (Django's cookie
  and session row expire then too, but a session that is saved on every request would otherwise
  be carried forward, so the sign-in time counts here).

The session ends as a sign-out does (``logout``: the row is deleted, the cookie cleared) and is
audited; the browser is sent to the login page with the reason, the API answers 401.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases import audit
from identity.adapters import SIGNED_IN_AT

LAST_REQUEST = "identity.last_request"


def ended(session, now):
    """Why the session is over, or None: "idle" or "lifetime"."""
    idle = settings.SESSION_IDLE_TIMEOUT * 60
    last = session.get(LAST_REQUEST)
    if idle and last is not None and now - last > idle:
        return "idle"
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is not None and now - signed_in_at > settings.SESSION_COOKIE_AGE:
        return "lifetime"
    return None


def _touch(session, now):
    """The time of this request, written at most every minute (or every tenth of the idle
    limit), so a busy session is not saved on every request."""
    idle = settings.SESSION_IDLE_TIMEOUT * 60
    if not idle:
        return
    last = session.get(LAST_REQUEST)
    if last is None or now - last >= min(60, idle / 10):
        session[LAST_REQUEST] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = time.time()
            reason = ended(session, now)
            if reason:
                return self._end(request, reason)
            _touch(session, now)
        return self.get_response(request)

    @staticmethod
    def _end(request, reason):
        user = request.user
        audit.record("identity.session_ended", actor=user, obj=user, payload={"reason": reason})
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Your session has ended. Sign in again.")}, status=401)
        if reason == "idle":
            text = _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": settings.SESSION_IDLE_TIMEOUT
            }
        else:
            text = _("Your session has reached its longest length. Sign in again.")
        messages.info(request, text)
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
