"""The default rules of issue 5, editable afterwards in the admin."""

from django.db import migrations

# event, report type, kind, tied to a legal clock, deadline stated, recipients
# (who, role or position), in the app
DEFAULTS = [
    ("report.filed", "lex_sarah", "new_report", True, "lex-sarah-registration",
     [("role", "sas"), ("position", "namnd_chair"), ("position", "social_chief")], True),
    ("report.filed", "data_breach", "new_breach", True, "breach-imy-notification",
     [("role", "dso"), ("position", "pua_delegate")], True),
    ("task.assigned", "", "task", False, "", [("event_users", "")], True),
    ("task.escalated", "", "task", False, "", [("event_users", "")], True),
    ("clock.warning", "", "clock", True, "", [("event_users", "")], True),
    ("clock.overdue", "", "clock", True, "", [("event_users", "")], True),
    ("clock.escalated", "", "clock", True, "", [("event_users", "")], True),
    ("report.decide", "", "decision", False, "", [("reporter", "")], True),
    ("report.close_outside_scope", "", "decision", False, "", [("reporter", "")], True),
    ("report.close", "", "decision", False, "", [("reporter", "")], True),
    ("complaint.answered", "complaint", "complaint", False, "", [("submitter", "")], False),
    ("complaint.question", "complaint", "complaint", False, "", [("submitter", "")], False),
    ("action.added", "", "action", False, "", [("action_owner", "")], True),
    ("action.due_soon", "", "action", False, "", [("event_users", "")], True),
    ("action.overdue", "", "action", False, "", [("event_users", "")], True),
]


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    RuleRecipient = apps.get_model("notifications", "RuleRecipient")
    for event, report_type, kind, legal_clock, deadline_code, recipients, in_app in DEFAULTS:
        rule = NotificationRule.objects.create(event=event, report_type=report_type, kind=kind,
                                               legal_clock=legal_clock, deadline_code=deadline_code, in_app=in_app)
        for who, detail in recipients:
            RuleRecipient.objects.create(rule=rule, who=who, role=detail if who == "role" else "",
                                         position=detail if who == "position" else "")


def unseed(apps, schema_editor):
    apps.get_model("notifications", "NotificationRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
