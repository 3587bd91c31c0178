"""The forms of the records pages."""

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from records.models import LogPick


class HoldBackForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason to hold back"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class JudgeForm(forms.Form):
    pick = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            (LogPick.Verdict.JUSTIFIED, LogPick.Verdict.JUSTIFIED.label),
            (LogPick.Verdict.QUESTIONED, LogPick.Verdict.QUESTIONED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    pick = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("What came of the follow-up"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReadLogForm(forms.Form):
    board = forms.ModelChoiceField(label=_("Board"), queryset=None, required=False)
    reader = forms.ModelChoiceField(label=_("Reader"), queryset=None, required=False)
    case_number = forms.CharField(label=_("Case number"), max_length=40, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, boards, readers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards
        self.fields["reader"].queryset = readers

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data

    def period(self):
        """The chosen whole local days as aware datetimes [start, end)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        return (
            datetime.datetime.combine(start, datetime.time.min, zone) if start else None,
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone)
            if end
            else None,
        )
