"""Correcting a case's key time (when it happened, was discovered or was reported) on the web.

A plain form that works without JavaScript: GET shows the case's current key times and the
deadlines that run from them; POST calls ``do_correct_key_time``, which checks permission,
moves the running clocks and writes the audit row. Errors show the form again with every
value as typed. Out of scope answers 404; in scope without a handler's role 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import forms as case_forms
from cases import selectors, services
from cases.access import HANDLER_ROLES
from cases.models.lifecycles import case_roles
from cases.services.base import CLOSED_STATES
from cases.web.common import attach_errors, case_clocks, case_errors


def may_correct_key_time(user, report):
    """What ``do_correct_key_time`` allows: a handler of the case, while it is open."""
    return bool(case_roles(user, report) & HANDLER_ROLES[report.type]) and report.state not in CLOSED_STATES


@login_required
@case_errors
def key_time(request, report_id):
    user = request.user
    report = selectors.access_report(user, report_id)
    if not may_correct_key_time(user, report):
        raise PermissionDenied()
    data = request.POST if request.method == "POST" else None
    form = case_forms.KeyTimeCorrectionForm(data=data, report=report, user=user, auto_id="key_time_%s")
    if data is not None:
        try:
            services.do_correct_key_time(report.pk, acting_user=user, data=data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The time was corrected; the deadlines that run from it have moved."))
            return redirect(reverse("web:case", args=[report.pk]))
    current = [
        {"label": label, "value": getattr(report, name)}
        for name, label in case_forms.KeyTimeCorrectionForm.FIELDS
    ]
    return render(
        request,
        "web/key_time.html",
        {
            "report": report,
            "form": form,
            "current": current,
            "clocks": case_clocks(report),
            "back": reverse("web:case", args=[report.pk]),
        },
    )
