"""Rules for two events of the web pages (cases.services.conversation): the public submitter's
answer to a handler's question reaches the handler; feedback the handler chose to give reaches
the reporter."""

from django.db import migrations

RULES = [
    ("complaint.submitter_answered", "complaint", "complaint", "event_users"),
    ("reporter.feedback_given", "", "decision", "reporter"),
]


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    RuleRecipient = apps.get_model("notifications", "RuleRecipient")
    for event, report_type, kind, who in RULES:
        rule = NotificationRule.objects.create(event=event, report_type=report_type, kind=kind, legal_clock=False,
                                               deadline_code="", in_app=True)
        RuleRecipient.objects.create(rule=rule, who=who, role="", position="")


def unseed(apps, schema_editor):
    apps.get_model("notifications", "NotificationRule").objects.filter(event__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_default_rules")]

    operations = [migrations.RunPython(seed, unseed)]
