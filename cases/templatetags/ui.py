"""Template helpers for the web pages: accessible form fields, clocks, state labels, and an
include that is skipped when another app's template is not installed."""

import datetime

from django import forms, template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import TYPE_MODELS, ReportType

register = template.Library()


@register.filter
def widget(field):
    """The field's widget with its help and error texts tied to it for screen readers."""
    w = field.field.widget
    if isinstance(w, forms.DateTimeInput):
        w.input_type, w.format = "datetime-local", "%Y-%m-%dT%H:%M"
    elif isinstance(w, forms.DateInput):
        w.input_type, w.format = "date", "%Y-%m-%d"
    attrs = {}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required and not isinstance(w, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def is_group(field):
    """Radio buttons and check-box lists are labelled by a fieldset's legend."""
    return isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def state_label(report):
    model = TYPE_MODELS.get(report.type)
    return model.STATES.get(report.state, report.state) if model else report.state


@register.filter
def action_label(action):
    """An audit action as the history names it (cases.audit_actions), never its code."""
    from cases import audit_actions

    return audit_actions.label(action)


@register.filter
def type_label(report_type):
    try:
        return ReportType(report_type).label
    except ValueError:
        return report_type


def _span(delta):
    hours = int(abs(delta).total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days:
        return (
            ngettext("%(d)d day", "%(d)d days", days) % {"d": days}
            + " "
            + ngettext("%(h)d hour", "%(h)d hours", hours) % {"h": hours}
        )
    minutes = int(abs(delta).total_seconds() // 60) % 60
    return (
        ngettext("%(h)d hour", "%(h)d hours", hours) % {"h": hours}
        + " "
        + ngettext("%(m)d minute", "%(m)d minutes", minutes) % {"m": minutes}
    )


@register.filter
def countdown(due_at):
    """Time left or overdue, in words (never colour alone)."""
    if not due_at:
        return ""
    delta = due_at - timezone.now()
    if delta >= datetime.timedelta(0):
        return _("%(span)s left") % {"span": _span(delta)}
    return _("overdue by %(span)s") % {"span": _span(delta)}


@register.filter
def is_overdue(due_at):
    return bool(due_at) and due_at < timezone.now()


@register.filter
def anchor(field):
    """Where an error summary's link for this field points: the first choice of a group."""
    if is_group(field) and not field.name == "probability":
        return f"{field.auto_id}_0"
    return field.auto_id


@register.filter
def notification_state(notification):
    """A regulator notification's state as a label in the reader's language."""
    from cases.models import RegulatorNotification

    return RegulatorNotification.STATES.get(notification.state, notification.state)


@register.simple_tag(takes_context=True)
def nav_pages(context):
    """The pages the signed-in user finds in the menu (``cases.access.NAV_PAGES``)."""
    from cases.access import nav_pages as pages

    request = context.get("request")
    return pages(request.user) if request is not None else set()
