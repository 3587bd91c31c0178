"""What a notification says: the kind of event, the case number, a due time, a link.

Built from the notification's ids and codes only; nothing here reads a name, a personnummer
or any free text of the case.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.models import TYPE_MODELS, ReportType

NEW_REPORT = {
    ReportType.LEX_SARAH: _("New lex Sarah report"),
    ReportType.DATA_BREACH: _("New personal data breach"),
    ReportType.LEX_MARIA: _("New lex Maria report"),
    ReportType.COMPLAINT: _("New complaint or feedback"),
    ReportType.DEVIATION: _("New deviation"),
}

TITLES = {
    "task.assigned": _("A task has been assigned to you"),
    "task.escalated": _("A task has been escalated to you"),
    "task.waiting": _("A step of a case waits for you"),
    "clock.warning": _("A deadline is approaching"),
    "clock.overdue": _("A deadline has passed"),
    "clock.escalated": _("A deadline has passed and is escalated to you"),
    "action.added": _("An action has been assigned to you"),
    "action.due_soon": _("An action you own is due soon"),
    "action.overdue": _("An action you own is overdue"),
    "complaint.answered": _("Your complaint has been answered"),
    "complaint.question": _("A question about your complaint"),
    "notification.decided": _("A regulator notification has been decided"),
}

STATUS_UPDATE = _("New status for your report")
GENERIC = _("Update on a case")


def title(event, report_type, data):
    if event == "report.filed":
        return NEW_REPORT.get(report_type, GENERIC)
    if event in TITLES:
        return TITLES[event]
    if event.startswith("report.") and data.get("target"):
        return STATUS_UPDATE
    return GENERIC


def state_label(report_type, state):
    model = TYPE_MODELS.get(report_type)
    return model.STATES.get(state, "") if model and state else ""


def case_path(report_id):
    return settings.NOTIFICATION_CASE_PATH.format(id=report_id)


def due(data):
    moment = parse_datetime(data["due_at"]) if data.get("due_at") else None
    return timezone.localtime(moment) if moment else None


def describe(notification):
    """The parts of one notification a template shows."""
    from notifications.delivery import site_link

    report_type = notification.report.type if notification.report_id else ""
    data = notification.data
    return {
        "case_number": notification.case_number,
        "title": title(notification.event, report_type, data),
        "type_label": ReportType(report_type).label if report_type else "",
        "state": state_label(report_type, data.get("target")),
        "due_at": due(data),
        "hours_left": data.get("hours_left"),
        "due_date": data.get("due_date"),
        "link": site_link(case_path(notification.report_id)) if notification.user_id else site_link(),
    }


def context_for(delivery):
    from notifications.delivery import site_link
    from notifications.models import Notification

    context = {
        "language": delivery.language,
        "site_url": site_link(),
        "centre_url": site_link("/notifications/"),
        "preferences_url": site_link("/notifications/preferences/"),
    }
    if delivery.template == "message":
        context.update(describe(delivery.notification), external=delivery.user_id is None)
    elif delivery.template == "digest":
        items = (
            Notification.objects.filter(pk__in=delivery.payload.get("notification_ids", []))
            .select_related("report")
            .order_by("created_at")
        )
        context["items"] = [describe(n) for n in items]
    elif delivery.template == "weekly":
        context["cases"] = [
            {
                "case_number": number,
                "type_label": ReportType(report_type).label,
                "state": state_label(report_type, state),
                "link": site_link(case_path(pk)),
                "open_actions": actions,
            }
            for pk, number, report_type, state, actions in delivery.payload.get("cases", [])
        ]
    else:
        # Another app's template (notifications.selectors.register_template): its payload,
        # which holds no case content, and its link made absolute.
        context.update(delivery.payload)
        if "path" in delivery.payload:
            context["link"] = site_link(delivery.payload["path"])
    return context
