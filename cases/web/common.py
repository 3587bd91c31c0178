"""What the web views share: service errors onto forms, service exceptions as HTTP answers,
a cache-based rate limit, and the clocks of a case."""

import functools

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from cases.middleware import client_address
from cases.models import DeadlineRule, ReportType
from cases.services import CaseNotFound, InvalidState, UnknownTransition

NON_FIELD = forms.forms.NON_FIELD_ERRORS


def attach_errors(form, exc, field_map=None):
    """Put a service's ValidationError on the form that shows the user's input, so that every
    message appears beside its field and in the error summary."""
    form.is_valid()
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        items = exc.error_dict.items()
    else:
        items = [(NON_FIELD, exc.error_list)]
    for name, errors in items:
        name = field_map.get(name, name)
        target = name if name in form.fields else None
        existing = set(form.errors.get(name if target else NON_FIELD, []))
        for message in ValidationError(errors).messages:
            if message not in existing:
                form.add_error(target, message)


def case_errors(view):
    """Service exceptions as the house rules want them: out of scope 404, not allowed 403,
    a state that moved on a message and back to the case."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (CaseNotFound, UnknownTransition):
            raise Http404() from None
        except InvalidState as exc:
            messages.error(request, str(exc))
            return redirect("web:case", report_id=kwargs["report_id"])

    return wrapper


def rate_limited(request, bucket, limit, window):
    """True when this client has used up ``limit`` requests in ``window`` seconds."""
    return limit_reached(f"ui-rate:{bucket}:{client_address(request) or ''}", limit, window)


def limit_reached(key, limit, window):
    """Count one more use of ``key`` in the shared cache; True once more than ``limit`` uses
    fall in the window of ``window`` seconds that the first of them opened."""
    if cache.add(key, 1, window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between the two calls
        cache.add(key, 1, window)
        return False
    return count > limit


def next_url(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def case_clocks(report):
    """The case's clocks; a breach whose 72-hour clock is not stored yet gets it computed from
    the rule valid now and the moment of discovery, so it is never invisible."""
    clocks = [
        {
            "name": c.rule.name,
            "code": c.code,
            "due_at": c.due_at,
            "stopped_at": c.stopped_at,
            "computed": False,
        }
        for c in report.clocks.select_related("rule")
    ]
    imy = "breach-imy-notification"
    if (
        report.type == ReportType.DATA_BREACH
        and report.discovered_at
        and not any(c["code"] == imy for c in clocks)
    ):
        rule = DeadlineRule.current(imy)
        if rule:
            submitted = (
                report.regulator_notifications.filter(submitted_at__isnull=False)
                .values_list("submitted_at", flat=True)
                .first()
            )
            clocks.append(
                {
                    "name": rule.name,
                    "code": imy,
                    "due_at": rule.due(report.discovered_at),
                    "stopped_at": submitted,
                    "computed": True,
                }
            )
    return clocks


def public_limits():
    return (
        getattr(settings, "PUBLIC_SUBMISSIONS_PER_HOUR", 10),
        getattr(settings, "RECEIPT_LOOKUPS_PER_HOUR", 30),
    )
