"""Web pages: statistics with charts and tables, drill-down, compilations made in the
background, and the administrators' import. Plain and accessible; the look is the UI's."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cases import audit, selectors
from cases.access import role_scope
from cases.models import AuditEvent, ChapterText, OrgUnit, Role
from cases.services import ImportRejected, do_approve_summary, do_import_reports, do_save_chapter_texts
from lib.charts import bar_chart
from lib.periods import local_range
from operations.replica import tolerant_view
from reporting.access import PUBLIC_ROLES, may_compile, may_drill_down, may_see_statistics
from reporting.forms import DrillDownForm, PeriodForm, StatisticsForm, query_data
from reporting.models import ExportJob
from reporting.selectors import reviews, statistics
from reporting.selectors.documents import CONTENT_TYPES, regulator_file
from reporting.services.tasks import start_export

PAGE_SIZE = 50


@login_required
@tolerant_view("statistics")
def statistics_page(request):
    if not may_see_statistics(request.user):
        raise PermissionDenied
    form = StatisticsForm(data=query_data(request.GET, StatisticsForm.defaults()))
    context = {"form": form, "drill_down": may_drill_down(request.user)}
    if form.is_valid():
        data = form.cleaned_data
        result = statistics.statistics(
            request.user,
            by=data["by"],
            period=data["period"],
            start=data["start"],
            end=data["end"],
            type=data["type"] or None,
        )
        base = {
            "by": data["by"],
            "from": data["start"].isoformat(),
            "to": data["end"].isoformat(),
            "type": data["type"] or "",
        }
        for row in result["rows"]:
            row["url"] = reverse("statistics-cases") + "?" + urlencode({**base, "value": row["key"]})
        context.update(
            result=result,
            chart=bar_chart(
                "by-dimension",
                _("Number of reports by %(dimension)s")
                % {"dimension": StatisticsForm.DIMENSIONS[data["by"]]},
                [(r["label"], r["total"]) for r in result["rows"]],
            ),
            trend_chart=bar_chart(
                "trend",
                _("Reports per year, three years"),
                [(str(t["year"]), t["count"]) for t in result["trend"]],
            ),
        )
    return render(request, "reporting/statistics.html", context)


@login_required
def statistics_cases_page(request):
    if not may_drill_down(request.user):
        raise PermissionDenied
    form = DrillDownForm(data=query_data(request.GET, StatisticsForm.defaults()))
    if not form.is_valid():
        return render(request, "reporting/statistics_cases.html", {"form": form}, status=400)
    data = form.cleaned_data
    reports = statistics.drill_down(
        request.user,
        by=data["by"],
        value=data["value"],
        start=data["start"],
        end=data["end"],
        type=data["type"] or None,
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_read(
        "report.listed",
        actor=request.user,
        report_ids=[r.pk for r in page],
        payload={"statistics": data["by"]},
    )
    return render(request, "reporting/statistics_cases.html", {"form": form, "page": page})


class ExportRequestForm(PeriodForm):
    namnd = forms.ModelChoiceField(label=gettext_lazy("Board"), queryset=OrgUnit.objects.none())
    public = forms.BooleanField(
        label=gettext_lazy("Public version (small counts hidden)"), required=False, initial=True
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("pdf", "PDF"), ("docx", "DOCX"), ("xlsx", "XLSX"), ("csv", "CSV")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = role_scope(user)
        self.fields["namnd"].queryset = OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD).filter(
            scope.units_q(PUBLIC_ROLES, prefix="")
        )

    def clean(self):
        data = super().clean()
        if data.get("namnd") and not may_compile(self.user, data["namnd"], data.get("public", False)):
            self.add_error("public", _("You may make the public version only."))
        return data


def may_compile_anything(user):
    return bool(role_scope(user).roles & PUBLIC_ROLES)


@login_required
@require_http_methods(["GET", "POST"])
@tolerant_view("compilation")
def compilations_page(request):
    if not may_compile_anything(request.user):
        raise PermissionDenied
    form = ExportRequestForm(data=request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        params = {
            "kind": "compilation",
            "unit": data["namnd"].pk,
            "from": data["start"].isoformat(),
            "to": data["end"].isoformat(),
            "public": data["public"],
            "format": data["format"],
        }
        audit.record(
            "compilation.export_started", actor=request.user, payload=params, chain=AuditEvent.Chain.ACCESS
        )
        job = start_export(request.user, params)
        return redirect("compilation-job", job_id=job.pk)
    jobs = ExportJob.objects.filter(requested_by=request.user).defer("content")[:10]
    return render(
        request,
        "reporting/compilations.html",
        {
            "form": form,
            "jobs": jobs,
            "quality_chapter": chapter_units_for(request.user).exists(),
            "reviews": sas_boards(request.user).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


class QualityChapterRequestForm(forms.Form):
    """The kvalitetsberättelse chapter of a board (or of the whole municipality): the boards and
    municipalities the user may compile, as in the API. The SAS's texts are kept on their own
    page (``chapter_texts_page``) and read when the chapter is made."""

    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Board or municipality"), queryset=OrgUnit.objects.none()
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    public = forms.BooleanField(
        label=gettext_lazy("Public version (small counts hidden)"), required=False, initial=True
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("docx", "DOCX"), ("pdf", "PDF")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["municipality"].queryset = chapter_units_for(user)
        self.fields["year"].initial = timezone.localdate().year - 1

    def clean(self):
        data = super().clean()
        unit = data.get("municipality")
        if unit and not may_compile(self.user, unit, data.get("public", False)):
            self.add_error("public", _("You may make the public version only."))
        return data


def chapter_units_for(user):
    """The boards and municipalities where the user holds a compiling role (public at least)."""
    return (
        OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.MUNICIPALITY, OrgUnit.Kind.BOARD])
        .filter(role_scope(user).units_q(PUBLIC_ROLES, prefix=""))
        .order_by("path")
    )


@login_required
@require_http_methods(["GET", "POST"])
@tolerant_view("compilation")
def quality_chapter_page(request):
    """The kvalitetsberättelse chapter of a board or of the municipality, made in the background.
    Only those who may compile a board or municipality see the page (403 for everyone else);
    one the user may not compile is not offered and is refused when posted. The chapter takes the
    SAS's texts of the board and year as they are stored when it is made (``ChapterText``)."""
    if not chapter_units_for(request.user).exists():
        raise PermissionDenied
    form = QualityChapterRequestForm(data=request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        params = {
            "kind": "quality_chapter",
            "unit": data["municipality"].pk,
            "year": data["year"],
            "public": data["public"],
            "format": data["format"],
        }
        audit.record(
            "compilation.export_started", actor=request.user, payload=params, chain=AuditEvent.Chain.ACCESS
        )
        job = start_export(request.user, params)
        return redirect("compilation-job", job_id=job.pk)
    jobs = ExportJob.objects.filter(requested_by=request.user, params__kind="quality_chapter").defer(
        "content"
    )[:10]
    return render(
        request,
        "reporting/quality_chapter.html",
        {"form": form, "jobs": jobs, "writes_texts": sas_chapter_units(request.user).exists()},
        status=400 if request.method == "POST" else 200,
    )


def sas_chapter_units(user):
    """The boards and municipalities where the user is SAS: whose chapter texts they write."""
    return (
        OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.MUNICIPALITY, OrgUnit.Kind.BOARD])
        .filter(role_scope(user).units_q({Role.SAS}, prefix=""))
        .order_by("path")
    )


class ChapterTextsForm(forms.Form):
    introduction = forms.CharField(
        label=gettext_lazy("Introduction (before the risk summary and the tables)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )
    analysis = forms.CharField(
        label=gettext_lazy("Analysis (after the tables)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )
    conclusions = forms.CharField(
        label=gettext_lazy("Conclusions (last)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )


def _chapter_year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year - 1
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_required
@require_http_methods(["GET", "POST"])
def chapter_texts_page(request):
    """The SAS's texts of the kvalitetsberättelse chapter of a board (or the municipality) for a
    year: 403 for someone who is SAS nowhere, 404 for a unit where the user is not SAS (as for
    one that does not exist). Saved through ``do_save_chapter_texts`` (audited)."""
    units = sas_chapter_units(request.user)
    if not units.exists():
        raise PermissionDenied
    raw_unit = request.GET.get("unit")
    if raw_unit is None:
        unit = units.first()
    else:
        unit = units.filter(pk=int(raw_unit)).first() if raw_unit.isdigit() and len(raw_unit) < 12 else None
        if unit is None:
            raise Http404
    year = _chapter_year(request.GET.get("year"))
    stored = ChapterText.objects.filter(unit=unit, year=year).first()
    form = ChapterTextsForm(data=request.POST or None, initial=stored.blocks() if stored else None)
    if request.method == "POST" and form.is_valid():
        try:
            do_save_chapter_texts(request.user, unit, year, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The chapter's texts are saved."))
            return redirect(f"{reverse('chapter-texts')}?{urlencode({'unit': unit.pk, 'year': year})}")
    return render(
        request,
        "reporting/chapter_texts.html",
        {"form": form, "unit": unit, "year": year, "units": units, "stored": stored},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def compilation_job_page(request, job_id):
    job = ExportJob.objects.filter(pk=job_id, requested_by=request.user).defer("content").first()
    if job is None:
        raise Http404
    return render(
        request,
        "reporting/export_job.html",
        {
            "job": job,
            "finished": job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED),
            "download_url": reverse("api:export-download", args=[job.pk])
            if job.status == ExportJob.Status.DONE
            else "",
        },
    )


def sas_boards(user):
    """The boards where the user is SAS (their summaries are the user's to review)."""
    return (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD)
        .filter(role_scope(user).units_q({Role.SAS}, prefix=""))
        .order_by("name")
    )


class ReviewPeriodForm(PeriodForm):
    @staticmethod
    def defaults():
        today = timezone.localdate()
        return {"start": datetime.date(today.year, 1, 1).isoformat(), "end": today.isoformat()}


@login_required
@require_http_methods(["GET", "POST"])
def reviews_page(request):
    """The period's closed lex Sarah summaries of the user's boards, those awaiting review
    first, each with its automatic anonymisation to edit and approve (``do_approve_summary``).
    SAS only (403 for others); the cases come through ``cases.selectors``, the read is logged."""
    boards = list(sas_boards(request.user))
    if not boards:
        raise PermissionDenied
    period = ReviewPeriodForm(data=query_data(request.GET, ReviewPeriodForm.defaults()))
    if not period.is_valid():
        return render(request, "reporting/reviews.html", {"period": period}, status=400)
    low, high = local_range(period.cleaned_data["start"], period.cleaned_data["end"])
    scope = role_scope(request.user)
    reports = reviews.closed_lex_sarah(
        selectors.visible_reports(request.user).filter(scope.units_q({Role.SAS}), namnd__in=boards), low, high
    )
    units = {}
    for board in boards:
        units.update({u.pk: u for u in OrgUnit.objects.filter(path__startswith=board.path)})
    drafts = reviews.drafts(reports, units)
    errors = {}
    if request.method == "POST":
        draft = next((d for d in drafts if str(d.report_id) == request.POST.get("report")), None)
        if draft is None:
            raise Http404
        try:
            do_approve_summary(
                request.user,
                draft.report_id,
                request.POST.get("summary", ""),
                decision=request.POST.get("decision", ""),
            )
        except ValidationError as exc:
            errors[draft.report_id] = exc.messages
        else:
            messages.success(request, _("The summary of %(case)s is approved.") % {"case": draft.case_number})
            return redirect(request.get_full_path())
    audit.record_read(
        "report.listed",
        actor=request.user,
        report_ids=[d.report_id for d in drafts],
        payload={"summary_reviews": True},
    )
    drafts.sort(key=lambda d: d.approved)
    entries = [
        {
            "draft": d,
            "unit": units[d.unit_id].name,
            "errors": errors.get(d.report_id, []),
            "summary": request.POST.get("summary")
            if d.report_id in errors
            else (d.review.summary if d.approved else d.summary),
            "decision": request.POST.get("decision")
            if d.report_id in errors
            else (d.review.decision if d.approved else d.decision),
        }
        for d in drafts
    ]
    return render(
        request,
        "reporting/reviews.html",
        {
            "period": period,
            "entries": entries,
            "pending": sum(1 for d in drafts if not d.approved),
        },
        status=400 if errors else 200,
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"), help_text=gettext_lazy("The columns of docs/import.md.")
    )


def may_import(user):
    return user.is_superuser or Role.ADMINISTRATOR in role_scope(user).roles


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    if not may_import(request.user):
        raise PermissionDenied
    form = ImportForm(data=request.POST or None, files=request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            reports = do_import_reports(
                form.cleaned_data["file"].read(),
                acting_user=request.user,
                filename=form.cleaned_data["file"].name,
            )
        except ImportRejected as exc:
            errors = exc.rows
        except PermissionDenied as exc:
            errors = [{"line": "", "column": "", "message": str(exc)}]
        else:
            messages.success(request, _("Imported %(count)d reports.") % {"count": len(reports)})
            return redirect("report-import")
    status = 400 if request.method == "POST" else 200
    return render(request, "reporting/import.html", {"form": form, "errors": errors}, status=status)


@login_required
@require_http_methods(["GET"])
def regulator_document_page(request, report_id):
    """The case's document for IVO or IMY, from the case page: the draft, or a frozen version
    (``?document=``) byte for byte, as PDF (shown in the browser, or ``?download=1``) or JSON.
    The same document and the same logged read as the API's (``reporting.selectors.documents``)."""
    fmt = request.GET.get("format", "pdf")
    if fmt not in CONTENT_TYPES:
        raise Http404
    found = regulator_file(request.user, report_id, fmt, request.GET.get("document"), via="web")
    response = HttpResponse(found.content, content_type=found.content_type)
    disposition = "attachment" if request.GET.get("download") or fmt == "json" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{found.filename}"'
    response["X-Document-SHA256"] = found.digest
    response["Cache-Control"] = "no-store"
    return response
