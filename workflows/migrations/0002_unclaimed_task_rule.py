"""The default time a task may stay unclaimed before it is escalated (a DeadlineRule, editable)."""

from django.db import migrations


def create(apps, schema_editor):
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    DeadlineRule.objects.get_or_create(
        code="task-unclaimed", valid_from="2000-01-01",
        defaults={"report_type": "", "name": "Uppgift som ingen tagit eskaleras", "starts_at": "task_created",
                  "amount": 2, "unit": "working_days", "warn_before_hours": [], "basis": "Lokal rutin"},
    )


def remove(apps, schema_editor):
    apps.get_model("cases", "DeadlineRule").objects.filter(code="task-unclaimed").delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial"), ("cases", "0004_case_clocks")]
    operations = [migrations.RunPython(create, remove)]
