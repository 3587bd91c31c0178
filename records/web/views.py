"""The records pages: the start page, a gallring run for its reviewer, a loggkontroll for the
SAS and the DSO, and the read-log search. Every read comes through ``records.selectors``, every
change through ``records.services``; out of scope answers 404."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import audit
from cases.models import OrgUnit
from records import selectors
from records.models import LogPick
from records.services import (
    InvalidState,
    NotFound,
    do_approve_disposal,
    do_follow_up_pick,
    do_hold_back,
    do_judge_pick,
    do_sign_review,
)
from records.web.forms import FollowUpForm, HoldBackForm, JudgeForm, ReadLogForm

PAGE_SIZE = 100


def _errors(request, exc):
    for message in ValidationError(exc.error_dict if hasattr(exc, "error_dict") else exc.error_list).messages:
        messages.error(request, message)


@login_required
def home(request):
    if not selectors.has_records_pages(request.user):
        raise Http404
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                do_follow_up_pick(
                    form.cleaned_data["pick"], acting_user=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, _("The follow-up is recorded."))
            except NotFound:
                raise Http404 from None
            except ValidationError as exc:
                _errors(request, exc)
        else:
            messages.error(request, _("Say what came of the follow-up."))
        return redirect("records:home")
    log_boards = selectors.log_boards(request.user)
    context = {
        "runs": selectors.runs_for(request.user)[:24],
        "may_review_disposal": bool(selectors.disposal_boards(request.user)),
        "reviews": selectors.log_reviews_for(request.user)[:24],
        "may_review_logs": bool(log_boards),
        "follow_ups": list(selectors.follow_ups_for(request.user)[:200]),
    }
    return render(request, "records/home.html", context)


@login_required
def run_page(request, run_id):
    run = selectors.run_for(request.user, run_id)
    if run is None:
        raise Http404
    if request.method == "POST":
        return _run_post(request, run)
    page = Paginator(selectors.run_items(run), PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_read("gallring.run_viewed", actor=request.user, report_ids=[], payload={"run": run.pk})
    return render(request, "records/run.html", {"run": run, "page": page, "hold_form": HoldBackForm()})


def _run_post(request, run):
    action = request.POST.get("action")
    try:
        if action == "approve":
            do_approve_disposal(run.pk, acting_user=request.user)
            messages.success(request, _("The run is approved; the cases are disposed of in batches."))
        elif action in ("hold", "release"):
            form = HoldBackForm(request.POST) if action == "hold" else None
            item_id = request.POST.get("item", "")
            if not item_id.isdigit() or not run.items.filter(pk=item_id).exists():
                raise Http404
            reason = form.data.get("reason", "") if form else ""
            do_hold_back(int(item_id), acting_user=request.user, reason=reason, hold=action == "hold")
            messages.success(
                request, _("The case is held back.") if action == "hold" else _("The case is put back.")
            )
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except InvalidState as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("records:run", run_id=run.pk)


@login_required
def log_review_page(request, review_id):
    review = selectors.log_review_for(request.user, review_id)
    if review is None:
        raise Http404
    if request.method == "POST":
        return _review_post(request, review)
    picks = review.picks.select_related("judged_by", "follow_up_by")
    page = Paginator(picks, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_read(
        "logreview.viewed",
        actor=request.user,
        report_ids=sorted({p.report_id for p in page.object_list}),
        payload={"review": review.pk},
    )
    context = {
        "review": review,
        "page": page,
        "verdicts": JudgeForm.base_fields["verdict"].choices,
        "questioned": review.picks.filter(verdict=LogPick.Verdict.QUESTIONED).count(),
        "pending": review.picks.filter(verdict="").count(),
    }
    return render(request, "records/log_review.html", context)


def _review_post(request, review):
    try:
        if request.POST.get("action") == "sign":
            do_sign_review(review.pk, acting_user=request.user)
            messages.success(request, _("The review is signed."))
        else:
            form = JudgeForm(request.POST)
            pick_id = request.POST.get("pick", "")
            if not pick_id.isdigit() or not review.picks.filter(pk=pick_id).exists():
                raise Http404
            do_judge_pick(
                int(pick_id),
                acting_user=request.user,
                verdict=form.data.get("verdict", ""),
                note=form.data.get("note", ""),
            )
            messages.success(request, _("The verdict is recorded."))
    except NotFound:
        raise Http404 from None
    except InvalidState as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("records:log_review", review_id=review.pk)


def _read_log_search(request):
    """The search form and its rows, or 404 for anyone but the SAS and the DSO of a board."""
    boards = selectors.log_boards(request.user)
    if not boards:
        raise Http404
    board_choices = OrgUnit.objects.filter(pk__in=[b.pk for b in boards]).order_by("path")
    chosen = next((b for b in boards if str(b.pk) == request.GET.get("board")), boards[0])
    form = ReadLogForm(
        request.GET or None,
        boards=board_choices,
        readers=selectors.board_readers(chosen),
        initial={"board": chosen.pk},
    )
    rows = None
    if form.is_bound and form.is_valid():
        start, end = form.period()
        rows = selectors.read_log(
            chosen,
            reader=form.cleaned_data["reader"],
            case_number=form.cleaned_data["case_number"].strip(),
            start=start,
            end=end,
        ).select_related("actor")
        filters = {
            "board": chosen.pk,
            "reader": getattr(form.cleaned_data["reader"], "pk", None),
            "case_number": form.cleaned_data["case_number"].strip(),
            "from": form.cleaned_data["start"],
            "to": form.cleaned_data["end"],
        }
    else:
        filters = {}
    return form, rows, filters


@login_required
def read_log_page(request):
    form, rows, filters = _read_log_search(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")) if rows is not None else None
    if rows is not None:
        audit.record_read("readlog.searched", actor=request.user, report_ids=[], payload=filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "records/read_log.html", {"form": form, "page": page, "query": query.urlencode()})


def _cell(value):
    """A spreadsheet must not read a name as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@login_required
def read_log_csv(request):
    form, rows, filters = _read_log_search(request)
    if rows is None:
        raise Http404
    audit.record_read("readlog.exported", actor=request.user, report_ids=[], payload=filters)
    writer = csv.writer(_Echo())
    header = [_("When"), _("Reader"), _("What"), _("Case"), _("Cases listed")]

    def lines():
        yield writer.writerow(header)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(row.occurred_at).isoformat(),
                    _cell(row.actor_name),
                    row.action,
                    _cell(row.case_number or ""),
                    len(row.payload.get("report_ids", [])),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lasloggen.csv"'
    return response
