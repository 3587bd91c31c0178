"""The e-mail preferences form of the notification pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind, Language, Mode, NotificationRule, Preference, RecipientSettings


def clock_tied_kinds():
    return set(
        NotificationRule.objects.valid_on()
        .filter(is_active=True, legal_clock=True)
        .values_list("kind", flat=True)
    )


class PreferencesForm(forms.Form):
    """The e-mail language and, per kind, at once, daily summary or not by e-mail. Kinds that a
    legal clock depends on cannot be switched off."""

    language = forms.ChoiceField(label=_("Language of e-mails"), choices=Language.choices)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        current = dict(Preference.objects.filter(user=user).values_list("kind", "mode"))
        settings_row = RecipientSettings.objects.filter(user=user).first()
        initial = {"language": settings_row.language if settings_row else Language.SV}
        initial.update({kind.value: current.get(kind.value, Mode.IMMEDIATE) for kind in Kind})
        super().__init__(*args, initial=initial, **kwargs)
        self.clock_tied = clock_tied_kinds()
        for kind in Kind:
            help_text = (
                _("Tied to a legal deadline: cannot be switched off.") if kind in self.clock_tied else ""
            )
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Mode.choices, help_text=help_text
            )

    def clean(self):
        cleaned = super().clean()
        for kind in self.clock_tied:
            if cleaned.get(kind) == Mode.OFF:
                self.add_error(kind, _("This kind is tied to a legal deadline and cannot be switched off."))
        return cleaned

    def save(self):
        RecipientSettings.objects.update_or_create(
            user=self.user, defaults={"language": self.cleaned_data["language"]}
        )
        for kind in Kind:
            Preference.objects.update_or_create(
                user=self.user, kind=kind.value, defaults={"mode": self.cleaned_data[kind.value]}
            )
