"""Every step assigned to a role notifies its holders: the rule for ``task.waiting`` (a workflow
step created without an assignee, workflows.services.task_waiting) reaches those who may take
it, through the new recipient ``step_holders``."""

from django.db import migrations, models


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("notifications", "NotificationRule")
    RuleRecipient = apps.get_model("notifications", "RuleRecipient")
    rule = NotificationRule.objects.create(
        event="task.waiting", report_type="", kind="task", legal_clock=False, deadline_code="", in_app=True
    )
    RuleRecipient.objects.create(rule=rule, who="step_holders", role="", position="")


def unseed(apps, schema_editor):
    apps.get_model("notifications", "NotificationRule").objects.filter(event="task.waiting").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0007_lex_maria"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rulerecipient",
            name="who",
            field=models.CharField(
                choices=[
                    ("role", "A role on the case's unit or above"),
                    ("parent_role", "A role on the parent of the case's unit or above"),
                    ("position", "A named position of the case's board (e.g. the chair)"),
                    ("user", "A named user"),
                    ("event_users", "The users the event names (assignee, owner)"),
                    ("reporter", "The reporter"),
                    ("submitter", "The complaint's submitter, if they left an e-mail address"),
                    ("action_owner", "The owner of the action"),
                    ("step_holders", "Those who may take the step that waits (its roles on the case's unit)"),
                ],
                max_length=20,
                verbose_name="recipient",
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
