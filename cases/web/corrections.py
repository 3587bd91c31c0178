"""Correcting a case on the web: reopening, withdrawing, merging a duplicate, editing the
description. Plain forms that work without JavaScript, each through its
``cases.services.corrections`` function. Out of scope 404; in scope without the right 403; a
case no longer where the correction can be made goes back to the case with the reason."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cases import forms as case_forms
from cases import selectors, services
from cases.access import CORRECTING_ROLES
from cases.models.lifecycles import case_roles
from cases.services import InvalidState
from cases.services.reports import transition_meta
from cases.web.case import _form_page
from cases.web.common import case_errors
from cases.web.correcting import CORRECTIONS, corrections_for, may_edit_description


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
