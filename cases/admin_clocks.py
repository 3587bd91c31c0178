"""The administrator's form for deadline rules: what a clock starts from is chosen from the
moments the services know, and the terms of a rule that clocks already run under cannot be
changed in place. A change of law or routine is a new rule with its own validity, so running
deadlines and the history of what applied stay as they were."""

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import CaseClock, DeadlineRule
from cases.services.clocks import MOMENTS

# The moments a rule can start from; the action rule's own due date is read by the reminder job.
STARTS_AT = [(moment, moment) for moment in MOMENTS] + [("action_due_date", "action_due_date")]
TERMS = ["report_type", "code", "starts_at", "amount", "unit"]


class DeadlineRuleForm(forms.ModelForm):
    starts_at = forms.ChoiceField(
        label=_("starts at"), choices=STARTS_AT, help_text=_("The moment of the case the clock starts from.")
    )

    class Meta:
        model = DeadlineRule
        fields = [
            "report_type",
            "code",
            "name",
            "starts_at",
            "amount",
            "unit",
            "warn_before_hours",
            "escalate_after_hours",
            "legal_reference",
            "basis",
            "valid_from",
            "valid_to",
        ]

    def clean_warn_before_hours(self):
        value = self.cleaned_data.get("warn_before_hours") or []
        if not isinstance(value, list) or not all(
            isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in value
        ):
            raise forms.ValidationError(_("Give the warnings as a list of whole hours left, e.g. [24, 6]."))
        return sorted(set(value), reverse=True)

    def clean(self):
        data = super().clean()
        rule = self.instance
        if (
            rule.pk
            and any(name in self.changed_data for name in TERMS)
            and CaseClock.objects.filter(rule=rule).exists()
        ):
            raise forms.ValidationError(
                _(
                    "Clocks already run under this rule, and their deadlines stay as they are. To change the "
                    "deadline, end this rule's validity and save a new rule (\u201cSave as new\u201d) valid from "
                    "the day the change applies."
                )
            )
        return data


def legal_reference_shown(rule):
    reference = rule.legal_reference
    if reference is None:
        return "—"
    if reference.url:
        return format_html('<a href="{}">{}</a> – {}', reference.url, reference.citation, reference.title)
    return format_html("{} – {}", reference.citation, reference.title)
