"""Reading a case over the API: scoped through ``cases.selectors``, and logged.

Someone who is only the reporter of a case follows its status but does not read its
investigation: the parts of a case (persons, investigation, actions, history) are for those
who work on it or may view it by role. The parts that ``cases.selectors`` has no reader for
are read here from a case the selectors already returned, with what their serializers need.
"""

from rest_framework.exceptions import PermissionDenied

from cases import audit, selectors
from cases.access import NOTIFICATION_ROLES, reads_everything
from cases.forms import NOTIFICATION_FORMS
from cases.models import AuditEvent
from cases.models.lifecycles import case_roles


def case_parts_for(user, report_id):
    """The case, when the user may read its parts: 404 when not visible, 403 for a reporter."""
    report = selectors.access_report(user, report_id)
    if not reads_everything(user, report):
        raise PermissionDenied()
    return report


def audit_trail_for(user, report_id):
    report = selectors.access_report(user, report_id)
    if not selectors.may_read_audit(user, report):
        raise PermissionDenied()
    return report


def log_read(user, action, report_ids, **payload):
    audit.record_read(action, actor=user, report_ids=report_ids, payload=payload)


def log_case_read(user, report, **payload):
    log_read(user, "report.viewed", [report.pk], **payload)


def investigation_entries(report):
    return report.investigation_entries.select_related("topic")


def causes(report):
    return report.causes.select_related("created_by")


def information_events(report):
    return report.information_events.select_related("informed_by")


def attachments(report):
    return report.attachments.select_related("uploaded_by")


def notifications(report):
    return report.regulator_notifications.select_related("decided_by").prefetch_related("supplements")


def delegation_decisions(report):
    return report.delegation_decisions.select_related("legal_reference")


def audit_events(report):
    """Both chains: what was changed and who read it."""
    return AuditEvent.objects.filter(report_id=report.pk).order_by("id")


def notification_transitions(notification, report, user):
    """What this user may do with the notification now, with the fields each step asks for:
    the roles and forms ``do_notification_transition`` checks with."""
    if not NOTIFICATION_ROLES[report.type] & case_roles(user, report):
        return []
    result = []
    for transition in notification.get_available_state_transitions():
        form = NOTIFICATION_FORMS[transition.name](report=report, user=user, notification=notification)
        result.append(
            {
                "name": transition.name,
                "target": transition.target,
                "fields": [
                    {"name": name, "label": str(field.label), "required": field.required}
                    for name, field in form.fields.items()
                ],
            }
        )
    return result
