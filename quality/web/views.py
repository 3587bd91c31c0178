"""The quality pages: the control charts of a board's units with their signals, a signal's
analysis task, and the lead-time dashboard of a unit. Every read of cases goes through
``cases.selectors`` (the cases behind a signal that the user may see), every change through
``quality.services``; what the user may not see answers 404."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import audit, selectors
from cases.models import OrgUnit, ReportType
from lib import spc
from lib.charts import control_chart
from lib.table import format_number
from quality import leadtimes
from quality import selectors as quality
from quality.explain import explain
from quality.models import SignalAnalysis, SignalSettings
from quality.services import InvalidState, NotFound, do_record_analysis

# The chart is a document of its own, shown as an image: its styles are pygal's, inline; it
# runs nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"


def _month_label(day):
    return date_format(day, "M Y")


class ChartsForm(forms.Form):
    board = forms.ModelChoiceField(label=gettext_lazy("Board"), queryset=OrgUnit.objects.none())
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit (all its series; otherwise only the series with signals)"),
        queryset=OrgUnit.objects.none(),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        boards = quality.chart_boards(user)
        self.fields["board"].queryset = OrgUnit.objects.filter(pk__in=[b.pk for b in boards]).order_by("name")
        units = [pk for board in boards for pk in quality.chart_units(user, board)]
        self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=units, kind="enhet").order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("unit") and data.get("board") and not data["unit"].path.startswith(data["board"].path):
            raise ValidationError({"unit": _("Choose a unit of the board.")})
        return data


def _explained(board, series, signal, months):
    """A signal on the page explained as its analysis task would be (an unsaved row)."""
    chart = series.chart
    row = SignalAnalysis(
        board=board,
        rule=signal.rule,
        direction=signal.direction,
        first_month=months[signal.first],
        last_month=months[signal.last],
        series={
            "median": chart.median if chart else None,
            "upper": chart.upper if chart else None,
            "lower": chart.lower if chart else None,
        },
    )
    return explain(row)


@login_required
def charts_page(request):
    boards = quality.chart_boards(request.user)
    if not boards:
        raise Http404
    data = request.GET.copy()
    data.setdefault("board", str(boards[0].pk))
    if data["board"] not in {str(b.pk) for b in boards}:
        raise Http404  # another board's charts answer as if there were none
    form = ChartsForm(data=data, user=request.user)
    context = {"form": form}
    if form.is_valid():
        board, unit = form.cleaned_data["board"], form.cleaned_data["unit"]
        allowed = quality.chart_units(request.user, board)
        units = [unit.pk] if unit else allowed
        last_month = quality.last_whole_month(timezone.localdate())
        rules = SignalSettings.in_force(board, last_month)
        months, series_list, clusters = quality.charts(board, last_month, rules=rules, units=units)
        by_unit = {u.pk: u for u in OrgUnit.objects.filter(pk__in=units)}
        shown = [
            s
            for s in [*series_list, *clusters]
            if quality.sees_series(request.user, by_unit[s.unit_id], s.report_type) and (unit or s.signals)
        ]
        unit_names, categories, types = quality.labels(shown)
        entries = []
        for s in shown:
            title = _series_title(s, unit_names, categories, types)
            query = urlencode({"board": board.pk, "series": s.key})
            entries.append(
                {
                    "series": s,
                    "title": title,
                    "chart_url": reverse("quality:chart") + "?" + query,
                    "rows": [(_month_label(m), n) for m, n in zip(months, s.counts, strict=True)],
                    "signals": [_explained(board, s, signal, months) for signal in s.signals],
                    "median": format_number(float(s.chart.median), decimals=1) if s.chart else None,
                    "upper": format_number(float(s.chart.upper), decimals=1) if s.chart else None,
                    "lower": format_number(float(s.chart.lower), decimals=1) if s.chart else None,
                }
            )
        context.update(
            board=board,
            unit=unit,
            entries=entries,
            first=months[0],
            last=months[-1],
            rules=rules,
            analyses=quality.analyses_for(request.user).filter(board=board)[:50],
        )
    return render(request, "quality/charts.html", context)


def _series_title(series, unit_names, categories, types):
    unit = unit_names.get(series.unit_id, "")
    if not series.report_type:
        return _("%(unit)s: reports of every type") % {"unit": unit}
    category = categories.get(series.category_id) if series.category_id else _("No category")
    return _("%(unit)s: %(type)s, %(category)s") % {
        "unit": unit,
        "type": types.get(series.report_type, series.report_type),
        "category": category,
    }


def _svg(svg):
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = SVG_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def chart_image(request):
    """The chart of one series of a board, as the charts page shows it."""
    try:
        board = OrgUnit.objects.get(pk=int(request.GET.get("board", "")), kind=OrgUnit.Kind.BOARD)
        unit_id, report_type, category = request.GET.get("series", "").split(":")
        unit = OrgUnit.objects.get(pk=int(unit_id))
    except (ValueError, OrgUnit.DoesNotExist):
        raise Http404 from None
    if unit.pk not in quality.chart_units(request.user, board) or not quality.sees_series(
        request.user, unit, report_type
    ):
        raise Http404
    last_month = quality.last_whole_month(timezone.localdate())
    months, series_list, clusters = quality.charts(board, last_month, units=[unit.pk])
    key = quality.series_key(unit.pk, report_type, int(category) if category else None)
    series = next((s for s in [*series_list, *clusters] if s.key == key), None)
    if series is None:
        raise Http404
    chart = series.chart or quality.chart(series.counts, SignalSettings.in_force(board, last_month))
    unit_names, categories, types = quality.labels([series])
    return _svg(
        _draw(
            _series_title(series, unit_names, categories, types),
            months,
            series.counts,
            chart.median,
            chart.lower,
            chart.upper,
            series.signals,
        )
    )


def _draw(title, months, counts, median, lower, upper, signals):
    marked = {i for signal in signals for i in range(signal.first, signal.last + 1)}
    description = _(
        "Reports per month from %(first)s to %(last)s, with the median (%(median)s) and the control "
        "limits; the same numbers are in the table beside the chart."
    ) % {
        "first": _month_label(months[0]),
        "last": _month_label(months[-1]),
        "median": format_number(float(median or 0), decimals=1),
    }
    return control_chart(
        title,
        description,
        [_month_label(m) for m in months],
        counts,
        median=median or 0,
        lower=lower or 0,
        upper=upper or 0,
        marked=marked,
    )


class AnalysisForm(forms.Form):
    analysis = forms.CharField(
        label=gettext_lazy("Analysis: what lies behind the signal"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )
    conclusion = forms.ChoiceField(
        label=gettext_lazy("Conclusion"), choices=SignalAnalysis.Conclusion.choices, widget=forms.RadioSelect
    )


def _stored_months(analysis):
    return [datetime.date.fromisoformat(m) for m in analysis.series.get("months", [])]


@login_required
def analysis_page(request, analysis_id):
    analysis = quality.analysis_or_404(request.user, analysis_id)
    may_analyse = quality.may_analyse(request.user, analysis.board)
    form = AnalysisForm()
    if request.method == "POST":
        if not may_analyse:
            raise PermissionDenied
        form = AnalysisForm(request.POST)
        if form.is_valid():
            try:
                do_record_analysis(
                    analysis.pk,
                    acting_user=request.user,
                    analysis=form.cleaned_data["analysis"],
                    conclusion=form.cleaned_data["conclusion"],
                )
            except NotFound:
                raise Http404 from None
            except InvalidState as exc:
                messages.error(request, str(exc))
                return redirect("quality:analysis", analysis.pk)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request, _("The analysis is recorded; it goes into the board's compilation.")
                )
                return redirect("quality:analysis", analysis.pk)
    cases = list(quality.signal_cases(request.user, analysis)[:200])
    audit.record_read(
        "signal.viewed",
        actor=request.user,
        report_ids=[r.pk for r in cases],
        payload={"analysis": analysis.pk},
    )
    months = _stored_months(analysis)
    unit_names, categories, types = quality.labels([analysis_series(analysis)])
    return render(
        request,
        "quality/analysis.html",
        {
            "analysis": analysis,
            "title": _series_title(analysis_series(analysis), unit_names, categories, types),
            "explanation": explain(analysis),
            "rows": [
                (_month_label(m), n) for m, n in zip(months, analysis.series.get("counts", []), strict=False)
            ],
            "cases": cases,
            "hidden_cases": len(analysis.case_ids) - len(cases),
            "form": form,
            "may_analyse": may_analyse and analysis.status == SignalAnalysis.Status.OPEN,
        },
    )


def analysis_series(analysis):
    return quality.Series(
        analysis.series_key,
        analysis.unit_id,
        analysis.report_type,
        analysis.category_id,
        _stored_months(analysis),
        analysis.series.get("counts", []),
    )


@login_required
def analysis_chart(request, analysis_id):
    analysis = quality.analysis_or_404(request.user, analysis_id)
    months = _stored_months(analysis)
    if not months:
        raise Http404
    series = analysis_series(analysis)
    unit_names, categories, types = quality.labels([series])
    first = months.index(analysis.first_month) if analysis.first_month in months else 0
    last = months.index(analysis.last_month) if analysis.last_month in months else len(months) - 1
    data = analysis.series
    marked = spc.Signal(analysis.rule, first, last, analysis.direction)
    return _svg(
        _draw(
            _series_title(series, unit_names, categories, types),
            months,
            data.get("counts", []),
            data.get("median"),
            data.get("lower"),
            data.get("upper"),
            [marked],
        )
    )


class LeadTimesForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=OrgUnit.objects.none())
    start = forms.DateField(label=gettext_lazy("From"))
    end = forms.DateField(label=gettext_lazy("To"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"end": _("The end of the period cannot come before its start.")})
        return data


def lead_time_units(user):
    ids = [pk for board in quality.chart_boards(user) for pk in quality.chart_units(user, board)]
    return OrgUnit.objects.filter(pk__in=ids).exclude(kind=OrgUnit.Kind.BOARD).order_by("path")


@login_required
def lead_times_page(request):
    units = lead_time_units(request.user)
    if not units.exists():
        raise Http404
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault(
        "unit", str(units.filter(kind="enhet").values_list("pk", flat=True).first() or units[0].pk)
    )
    data.setdefault("start", (today - datetime.timedelta(days=365)).isoformat())
    data.setdefault("end", today.isoformat())
    form = LeadTimesForm(data=data, units=units)
    context = {"form": form}
    if form.is_valid():
        unit = form.cleaned_data["unit"]
        types = quality.visible_types(request.user, unit)
        reports = selectors.visible_reports(request.user).filter(
            unit__path__startswith=unit.path, type__in=types
        )
        times, shares = leadtimes.lead_times(reports, form.cleaned_data["start"], form.cleaned_data["end"])
        type_labels = {t.value: str(t.label) for t in ReportType}
        rows = [
            {
                "type": type_labels[t],
                "cases": sum(e.cases for e in times.values() if e.report_type == t),
                "assessment": _median(
                    [x for e in times.values() if e.report_type == t for x in e.to_assessment]
                ),
                "decision": _median([x for e in times.values() if e.report_type == t for x in e.to_decision]),
                "closure": _median([x for e in times.values() if e.report_type == t for x in e.to_closure]),
            }
            for t in types
        ]
        clocks = {}
        for share in shares.values():
            entry = clocks.setdefault(share.code, leadtimes.ClockShare(0, share.code, share.name))
            entry.settled += share.settled
            entry.within += share.within
        context.update(
            unit=unit,
            rows=rows,
            clocks=[
                {"name": c.name, "settled": c.settled, "within": c.within, "share": _percent(c.share)}
                for c in sorted(clocks.values(), key=lambda c: c.name)
            ],
        )
    return render(request, "quality/lead_times.html", context)


def _median(values):
    value = leadtimes.LeadTimes.median(values)
    return "–" if value is None else format_number(value, decimals=1)


def _percent(value):
    return "–" if value is None else format_number(value, decimals=1, percent=True)
