"""The case register: every case the user may see, open and closed, with search, filters,
sort, pages and the list as CSV or XLSX (``cases.register``; docs/register.md).

For those who read cases by a role (``cases.access.REGISTER_ROLES``); everyone else is refused
(403) and follows their own reports in My reports. What each user finds is
``cases.selectors.case_register``: their scope and nothing more."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases import selectors
from cases.access import REGISTER_ROLES, role_scope
from cases.register import (
    COUNT_LIMIT,
    EXPORT_LIMIT,
    FORMATS,
    PAGE_SIZE,
    RegisterForm,
    export,
    log_listed,
    register_query,
    with_notifications,
)
from cases.web.work import Page
from lib.table import format_number


def may_use_register(user):
    return bool(role_scope(user).roles & REGISTER_ROLES)


class RegisterPage(Page):
    SIZE = PAGE_SIZE


def _form(request):
    if not may_use_register(request.user):
        raise PermissionDenied
    return RegisterForm(request.GET or None, user=request.user)


@login_required
@require_GET
def register(request):
    user = request.user
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "web/register.html", {"form": form, "rows": []}, status=400)
    if not form.is_bound:
        form = RegisterForm({}, user=user)
        form.is_valid()
    reports = register_query(user, form)
    page = RegisterPage(
        reports,
        request.GET.get("page"),
        rows_for=lambda ids: with_notifications(reports.filter(pk__in=ids).order_by()),
    )
    rows = page.object_list
    # A count as far as COUNT_LIMIT; only when there is more than one page (else the page says it).
    total = None
    if page.has_other_pages:
        total = selectors.count_up_to(reports, COUNT_LIMIT + 1)
    log_listed(user, rows, form)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/register.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "total": total,
            "count_limit": format_number(COUNT_LIMIT),
            "export_limit": format_number(EXPORT_LIMIT),
            "more_than_limit": total is not None and total > COUNT_LIMIT,
            "query": query.urlencode(),
            "formats": FORMATS,
        },
    )


@login_required
@require_GET
def register_export(request, file_format):
    if file_format not in FORMATS:
        raise Http404()
    form = _form(request)
    if not form.is_bound:
        form = RegisterForm({}, user=request.user)
    if not form.is_valid():
        return render(request, "web/register.html", {"form": form, "rows": []}, status=400)
    content, content_type, filename = export(request.user, form, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
