"""Correcting a case on the web: reopening, withdrawing, merging a duplicate, editing the
description. Plain forms that work without JavaScript, each through its
``cases.services.corrections`` function. Out of scope 404; in scope without the right 403; a
case no longer where the correction can be made goes back to the case with the reason."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import forms as case_forms
from cases import selectors, services
from cases.access import CORRECTING_ROLES, HANDLER_ROLES
from cases.models import CLOSED_STATES
from cases.models.lifecycles import case_roles
from cases.services import InvalidState
from cases.services.reports import transition_meta
from cases.web.case import _form_page
from cases.web.common import case_errors

# name → (service, title, what the page explains)
CORRECTIONS = {
    "reopen": (
        services.do_reopen_report,
        gettext_lazy("Reopen the case"),
        gettext_lazy(
            "The case goes back to the state before it was closed and can be closed again. The "
            "deadlines its closing stopped run again where the law says; the reason is kept in "
            "the case's history."
        ),
    ),
    "withdraw": (
        services.do_withdraw_report,
        gettext_lazy("Withdraw the report"),
        gettext_lazy(
            "For a report filed by mistake. It is kept, marked as withdrawn, and no longer counted "
            "in statistics and compilations. Its open tasks and deadlines end."
        ),
    ),
    "merge": (
        services.do_merge_reports,
        gettext_lazy("Merge into another case"),
        gettext_lazy(
            "For a duplicate. The other case stays and this one points to it, is closed as merged "
            "and counted once, as the other case. Both keep their own history."
        ),
    ),
}


def corrections_for(user, report):
    """The corrections this user may make on the case now: [(name, title)]."""
    if not case_roles(user, report) & CORRECTING_ROLES[report.type]:
        return []
    found = []
    for name, (_service, title, _intro) in CORRECTIONS.items():
        _method, meta, _custom = transition_meta(report, name, correction=True)
        if meta.has_transition(report.state):
            found.append((name, title))
    return found


def may_edit_description(user, report):
    """What ``do_edit_description`` allows: a handler of the case, while it is open."""
    return bool(case_roles(user, report) & HANDLER_ROLES[report.type]) and report.state not in CLOSED_STATES


@login_required
@case_errors
def correct(request, report_id, name):
    if name not in CORRECTIONS:
        raise Http404()
    service, title, intro = CORRECTIONS[name]
    user = request.user
    report = selectors.access_report(user, report_id)
    if not case_roles(user, report) & CORRECTING_ROLES[report.type]:
        raise PermissionDenied()
    if name not in {n for n, _t in corrections_for(user, report)}:
        raise InvalidState(_("The case is not in a state where this can be done."))
    _method, _meta, custom = transition_meta(report, name, correction=True)
    data = request.POST if request.method == "POST" else None
    form = getattr(case_forms, custom["form"])(data=data, report=report, user=user)
    return _form_page(
        request,
        report,
        title=title,
        intro=intro,
        form=form,
        anchor="",
        perform=lambda: service(report.pk, acting_user=user, data=data),
    )


@login_required
@case_errors
def edit_description(request, report_id):
    user = request.user
    report = selectors.access_report(user, report_id)
    if not may_edit_description(user, report):
        raise PermissionDenied()
    data = request.POST if request.method == "POST" else None
    form = case_forms.DescriptionForm(data=data, report=report, user=user)
    if data is None:
        form.initial["description"] = report.description
    return _form_page(
        request,
        report,
        title=_("Edit the description"),
        intro=_("The earlier text is kept in the case's history, for everyone who may read the case."),
        form=form,
        anchor="description",
        perform=lambda: services.do_edit_description(report.pk, acting_user=user, data=data),
    )
