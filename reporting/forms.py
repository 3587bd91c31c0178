"""The parameters of statistics and compilations, checked once for the API and the web."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import ReportType
from lib.periods import PERIODS

MAX_YEARS = 10
TRUE_FALSE = [("true", _("Yes")), ("false", _("No"))]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"))
    end = forms.DateField(label=_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end cannot come before the start."))
            elif (end - start).days > 366 * MAX_YEARS:
                self.add_error("end", _("A period can be at most %(years)d years.") % {"years": MAX_YEARS})
        return data


def query_data(params, defaults=None):
    """Query parameters as form data: ``from``/``to`` are Python keywords, so they become
    ``start``/``end``."""
    data = dict(defaults or {})
    for key, value in params.items():
        data[{"from": "start", "to": "end"}.get(key, key)] = value
    return data


class StatisticsForm(PeriodForm):
    DIMENSIONS = {
        "type": _("Type"),
        "kind": _("Kind of complaint or feedback"),
        "category": _("Category"),
        "unit": _("Unit"),
        "namnd": _("Board"),
        "risk": _("Risk level"),
        "state": _("State"),
    }

    by = forms.ChoiceField(label=_("Count by"), choices=list(DIMENSIONS.items()))
    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()))
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All types")), *ReportType.choices], required=False
    )

    @staticmethod
    def defaults():
        today = timezone.localdate()
        return {
            "by": "type",
            "period": "month",
            "start": datetime.date(today.year, 1, 1).isoformat(),
            "end": today.isoformat(),
        }


class DrillDownForm(StatisticsForm):
    value = forms.CharField(label=_("Value"), max_length=60)
    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()), required=False)


class CompilationForm(PeriodForm):
    FORMATS = ["json", "csv", "xlsx", "pdf", "docx"]

    namnd = forms.IntegerField(label=_("Board"), min_value=1, max_value=2**63 - 1)
    public = forms.ChoiceField(label=_("Public version"), choices=TRUE_FALSE, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[(f, f.upper()) for f in FORMATS], required=False)
    background = forms.ChoiceField(label=_("Make it in the background"), choices=TRUE_FALSE, required=False)

    def clean_public(self):
        return self.cleaned_data.get("public") != "false"

    def clean_format(self):
        return self.cleaned_data.get("format") or "json"

    def clean_background(self):
        return self.cleaned_data.get("background") == "true"


class QualityChapterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    municipality = forms.IntegerField(label=_("Municipality"), min_value=1, max_value=2**63 - 1)
    public = forms.ChoiceField(label=_("Public version"), choices=TRUE_FALSE, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[("docx", "DOCX"), ("pdf", "PDF")], required=False)

    def clean_public(self):
        return self.cleaned_data.get("public") != "false"

    def clean_format(self):
        return self.cleaned_data.get("format") or "docx"


class DelegationRegisterForm(PeriodForm):
    """The register of delegation decisions: a board of the user's and a period of decision
    dates, optionally only the decisions not yet reported to the board."""

    board = forms.TypedChoiceField(label=_("Board"), coerce=int)
    unreported = forms.BooleanField(label=_("Only decisions not yet reported to the board"), required=False)

    def __init__(self, *args, boards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.boards = {board.pk: board for board in boards}
        self.fields["board"].choices = [(board.pk, board.name) for board in boards]

    @staticmethod
    def defaults(boards):
        """The previous month and this one up to today: what a monthly meeting reports."""
        today = timezone.localdate()
        start = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        return {
            "board": boards[0].pk if boards else "",
            "start": start.isoformat(),
            "end": today.isoformat(),
        }

    def clean(self):
        data = super().clean()
        if "board" in data:
            data["board"] = self.boards[data["board"]]
        return data
