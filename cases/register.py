"""The case register (``/cases/``, ``/api/v1/reports/``): the query form both faces read, the
rows of one page, and the list as CSV or XLSX.

What a user finds is decided by ``cases.selectors.case_register`` (every case they may see,
open and closed); this module turns a request's parameters into its arguments and its
result into rows. Reading the register and exporting it are logged reads
(``report.listed``, ``report.register_exported``) that name every case shown or written."""

import csv
import datetime
import io

from django import forms
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import audit, selectors
from cases.access import role_scope
from cases.models import TYPE_MODELS, OrgUnit, RegulatorNotification, ReportType, RiskBand
from lib.periods import local_range
from lib.table import csv_delimiter

PAGE_SIZE = 50
# How far the register counts its hits: beyond it the page says "more than 10,000".
COUNT_LIMIT = 10_000
# The most rows one export writes (every one named in the read log); narrow the search for more.
EXPORT_LIMIT = 10_000
FORMATS = ("csv", "xlsx")
TEXT_FIELDS = ("q", "person", "reporter")


def all_states():
    seen = {}
    for model in TYPE_MODELS.values():
        for code, label in model.STATES.items():
            seen.setdefault(code, label)
    return list(seen.items())


class RegisterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Case number or text"), required=False, max_length=100)
    person = forms.CharField(
        label=gettext_lazy("Person concerned"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Name or personal identity number."),
    )
    reporter = forms.CharField(label=gettext_lazy("Reporter"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("All types"))] + ReportType.choices,
    )
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"),
        required=False,
        queryset=OrgUnit.objects.none(),
        empty_label=gettext_lazy("All units"),
    )
    start = forms.DateField(
        label=gettext_lazy("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Reported to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    risk_band = forms.ModelChoiceField(
        label=gettext_lazy("Risk level"),
        required=False,
        queryset=RiskBand.objects.all(),
        empty_label=gettext_lazy("All risk levels"),
    )
    regulator_status = forms.ChoiceField(label=gettext_lazy("Regulator (IVO, IMY)"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Only overdue"), required=False)
    open_actions = forms.BooleanField(label=gettext_lazy("Only with open actions"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("-reported", gettext_lazy("Newest first")),
            ("reported", gettext_lazy("Oldest first")),
            ("-number", gettext_lazy("Case number, highest first")),
            ("number", gettext_lazy("Case number, lowest first")),
            ("type", gettext_lazy("Type")),
            ("state", gettext_lazy("State")),
            ("unit", gettext_lazy("Unit")),
            ("-closed", gettext_lazy("Recently closed first")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = role_scope(user)
        self.fields["unit"].queryset = (
            OrgUnit.objects.filter(scope.units_q(scope.roles, prefix=""))
            .exclude(kind=OrgUnit.Kind.MUNICIPALITY)
            .order_by("path")
        )
        self.fields["state"].choices = [
            ("", gettext_lazy("Open and closed")),
            (selectors.REGISTER_OPEN, gettext_lazy("Open")),
            (selectors.REGISTER_CLOSED, gettext_lazy("Closed")),
            *all_states(),
        ]
        self.fields["regulator_status"].choices = [
            ("", gettext_lazy("Any")),
            (selectors.REGULATOR_NONE, gettext_lazy("Not notified")),
            *RegulatorNotification.STATES.items(),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end cannot come before the start."))
        return data

    def arguments(self):
        """The selector's keyword arguments from the cleaned form."""
        data = self.cleaned_data
        low = local_range(data["start"], data["start"])[0] if data.get("start") else None
        high = local_range(data["end"], data["end"])[1] if data.get("end") else None
        return {
            "q": data.get("q") or "",
            "person": data.get("person") or "",
            "reporter": data.get("reporter") or "",
            "type": data.get("type") or None,
            "state": data.get("state") or None,
            "unit": data.get("unit"),
            "start": low,
            "end": high,
            "risk_band": data["risk_band"].pk if data.get("risk_band") else None,
            "overdue": bool(data.get("overdue")),
            "open_actions": bool(data.get("open_actions")),
            "regulator_status": data.get("regulator_status") or None,
            "sort": data.get("sort") or "-reported",
        }

    def logged(self):
        """The search as the read log keeps it: the filters chosen, and which text fields were
        searched but not their words (a name or personal identity number is case content)."""
        data = self.cleaned_data
        kept = {}
        for name, value in data.items():
            if value in (None, "", False):
                continue
            if name in TEXT_FIELDS:
                kept[name] = True
            elif isinstance(value, datetime.date):
                kept[name] = value.isoformat()
            elif hasattr(value, "pk"):
                kept[name] = value.pk
            else:
                kept[name] = value
        return kept


def register_query(user, form):
    return selectors.case_register(user, **form.arguments())


def with_notifications(queryset):
    """The page's rows with their regulator notifications (one query for the page)."""
    return queryset.prefetch_related(
        Prefetch(
            "regulator_notifications",
            queryset=RegulatorNotification.objects.only("id", "report_id", "regulator", "state").order_by(
                "id"
            ),
        )
    )


def regulator_line(report):
    return ", ".join(
        f"{n.regulator}: {RegulatorNotification.STATES.get(n.state, n.state)}"
        for n in report.regulator_notifications.all()
    )


def state_text(report):
    model = TYPE_MODELS.get(report.type)
    return str(model.STATES.get(report.state, report.state)) if model else report.state


def log_listed(user, reports, form):
    if reports:
        audit.record_read(
            "report.listed",
            actor=user,
            report_ids=[r.pk for r in reports],
            payload={"page": "register", "filters": form.logged()},
        )


COLUMNS = (
    gettext_lazy("Case number"),
    gettext_lazy("Type"),
    gettext_lazy("State"),
    gettext_lazy("Unit"),
    gettext_lazy("Reported"),
    gettext_lazy("Closed"),
    gettext_lazy("Risk level"),
    gettext_lazy("Regulator"),
    gettext_lazy("Description"),
)


def _local(moment):
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT") if moment else ""


def export_rows(reports):
    for r in reports:
        yield [
            r.case_number,
            str(ReportType(r.type).label),
            state_text(r),
            r.unit.name,
            _local(r.reported_at),
            _local(r.closed_at),
            r.risk_band.name if r.risk_band_id else "",
            regulator_line(r),
            _cell(" ".join(r.description.split())[:200]),
        ]


def export(user, form, file_format):
    """(content, content type, file name) of the register as ``file_format``, at most
    ``EXPORT_LIMIT`` rows; the export is logged with every case it writes."""
    return export_queryset(user, register_query(user, form), file_format, form.logged())


def export_queryset(user, queryset, file_format, logged_filters):
    """``export`` of a register query already made (the web page's form or the API's filters)."""
    reports = list(with_notifications(queryset)[:EXPORT_LIMIT])
    rows = list(export_rows(reports))
    headings = [str(c) for c in COLUMNS]
    stamp = timezone.localdate().isoformat()
    if file_format == "xlsx":
        content = _xlsx(headings, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=csv_delimiter())
        writer.writerow(headings)
        writer.writerows(rows)
        # A byte-order mark so that spreadsheet programs read Swedish letters right.
        content = ("\ufeff" + out.getvalue()).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    audit.record_read(
        "report.register_exported",
        actor=user,
        report_ids=[r.pk for r in reports],
        payload={"format": file_format, "filters": logged_filters, "rows": len(reports)},
    )
    return content, content_type, f"{_('case-register')}-{stamp}.{file_format}"


def _xlsx(headings, rows):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Case register")[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", (16, 22, 22, 24, 12, 12, 14, 24, 60), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value):
    """A text cell that a spreadsheet cannot take for a formula (OWASP, CSV injection)."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
