"""The stored automatic anonymisation of closed lex Sarah cases (``SummaryDraft``), made for
the cases that exist (``reporting.services.drafts.fill``, in batches; the compilations
anonymise afresh any case whose row is absent or stale, so this only saves them the time)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    # Through the current code (as cases 0012 counts the cases), so only where there is
    # something to fill: a new database has no closed case, and reads nothing here.
    Report = apps.get_model("cases", "Report")
    if not Report.objects.filter(type="lex_sarah", state="closed").exists():
        return
    from reporting.services.drafts import fill

    fill()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_chapter_texts"),
        ("reporting", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SummaryDraft",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(max_length=8)),
                ("inputs_sha256", models.CharField(max_length=64)),
                ("summary", models.TextField(blank=True)),
                ("decision", models.TextField(blank=True)),
                ("made_at", models.DateTimeField(auto_now=True)),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.report"
                    ),
                ),
            ],
            options={
                "verbose_name": "anonymised summary",
                "verbose_name_plural": "anonymised summaries",
                "constraints": [
                    models.UniqueConstraint(fields=("report", "language"), name="summary_draft_language")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
