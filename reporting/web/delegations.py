"""The register of delegation decisions (delegationsbeslut) per board and period: every
decision taken under delegation on the board's cases, marked "anmäld till nämnden" in a batch
on the date of the board's meeting, printable (a print stylesheet, and a PDF) for the meeting.

Who reads it is ``cases.access.DELEGATION_REGISTER_ROLES`` (each sees the decisions of the cases
they may read); who marks, ``DELEGATION_REPORTING_ROLES``. Anyone else gets 404: the page does
not exist for them. A board that is not one of the user's is 404 too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases import audit, selectors, services
from cases import forms as case_forms
from cases.access import DELEGATION_REPORTING_ROLES, role_scope
from cases.web.common import attach_errors
from reporting.forms import DelegationRegisterForm, query_data
from reporting.services import delegations as register_pdf


def may_mark(user, board):
    return bool(role_scope(user).roles_on(board) & DELEGATION_REPORTING_ROLES)


def _title(board, start, end):
    return (
        _("Delegation decisions of %(board)s") % {"board": board.name},
        _("Decided %(start)s – %(end)s")
        % {
            "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
        },
    )


@login_required
def register(request):
    user = request.user
    boards = selectors.delegation_boards(user)
    if not boards:
        raise Http404()
    params = request.POST if request.method == "POST" else request.GET
    if "board" in params and params.get("board") not in {str(b.pk) for b in boards}:
        raise Http404()
    form = DelegationRegisterForm(
        data=query_data(
            {k: v for k, v in params.items() if k in ("board", "from", "to", "start", "end", "unreported")},
            DelegationRegisterForm.defaults(boards),
        ),
        boards=boards,
    )
    context = {"form": form, "decisions": [], "boards": boards}
    if not form.is_valid():
        return render(request, "reporting/delegations.html", context)
    data = form.cleaned_data
    board, start, end = data["board"], data["start"], data["end"]
    marking = may_mark(user, board)
    query = {"board": board.pk, "from": start.isoformat(), "to": end.isoformat()}
    if data["unreported"]:
        query["unreported"] = "on"
    decisions = list(
        selectors.delegation_register(user, board, start, end, unreported_only=data["unreported"])
    )
    mark_form = case_forms.DelegationReportedForm(
        data=request.POST if request.method == "POST" else None,
        choices=[(d.pk, d.report.case_number) for d in decisions if d.reported_to_board_on is None],
        auto_id="mark_%s",
    )
    if request.method == "POST":
        if not marking:
            raise PermissionDenied()
        try:
            meeting = _meeting_date(request.POST)
            marked = services.do_mark_delegations_reported(
                acting_user=user,
                board=board,
                decision_ids=_ids(request.POST.getlist("decisions")),
                meeting_date=meeting,
            )
        except ValidationError as exc:
            attach_errors(mark_form, exc)
        else:
            messages.success(
                request,
                _("%(n)d decisions marked as reported to the board on %(date)s.")
                % {"n": marked, "date": formats.date_format(meeting, "SHORT_DATE_FORMAT")},
            )
            return redirect(request.path + "?" + urlencode(query))
    audit.record_read(
        "report.listed",
        actor=user,
        report_ids=sorted({d.report_id for d in decisions}),
        payload={"page": "delegations", "filters": query},
    )
    title, subtitle = _title(board, start, end)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(
            register_pdf.to_pdf(decisions, title=title, subtitle=subtitle), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="delegationsbeslut-{start.isoformat()}-{end.isoformat()}.pdf"'
        )
        return response
    context.update(
        board=board,
        title=title,
        subtitle=subtitle,
        columns=register_pdf.columns(),
        decisions=[(d, register_pdf.row_values(d)) for d in decisions],
        may_mark=marking,
        mark_form=mark_form,
        pdf_url=request.path + "?" + urlencode({**query, "format": "pdf"}),
        query=query,
        unreported_count=sum(1 for d in decisions if d.reported_to_board_on is None),
    )
    return render(request, "reporting/delegations.html", context)


def _ids(values):
    ids = []
    for value in values:
        if not value.isdigit() or len(value) > 18:
            raise ValidationError(
                {"decisions": [_("Some of the chosen decisions are not in this register.")]}
            )
        ids.append(int(value))
    return ids


def _meeting_date(post):
    form = case_forms.DelegationReportedForm(data={"meeting_date": post.get("meeting_date", "")}, choices=[])
    form.is_valid()
    if "meeting_date" in form.errors:
        raise ValidationError({"meeting_date": form.errors["meeting_date"]})
    return form.cleaned_data["meeting_date"]
