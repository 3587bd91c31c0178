"""What a locked-out sign-in is told (django-axes' AXES_LOCKOUT_CALLABLE): a page in the
browser, the API's error format on the API; both say when to try again and answer 429 with
``Retry-After``."""

import math

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from rest_framework import exceptions, status

API_PREFIX = "/api/"


def wait_message(minutes):
    return ngettext(
        "Too many failed sign-ins. Signing in is blocked for %(minutes)d minute; every new attempt before then "
        "starts the wait again.",
        "Too many failed sign-ins. Signing in is blocked for %(minutes)d minutes; every new attempt before then "
        "starts the wait again.",
        minutes,
    ) % {"minutes": minutes}


class LockedOut(exceptions.APIException):
    """A locked-out request to the token endpoint, answered by the API's exception handler."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, request):
        self.wait = cool_off_seconds(request)  # DRF's handler sends it as Retry-After
        super().__init__(wait_message(math.ceil(self.wait / 60)))


def cool_off_seconds(request):
    return int(get_cool_off(request).total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    seconds = cool_off_seconds(request)
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(
            {"detail": str(LockedOut(request).detail)}, status=status.HTTP_429_TOO_MANY_REQUESTS
        )
    else:
        until = timezone.localtime() + get_cool_off(request)
        response = render(
            request,
            "identity/locked_out.html",
            {"until": until, "minutes": math.ceil(seconds / 60)},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    response["Retry-After"] = str(seconds)
    return response
