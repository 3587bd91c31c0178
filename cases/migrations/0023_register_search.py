"""The case register's order (reported_at, id) and trigram indexes for its search on PostgreSQL (docs/register.md): a part of
a case number or a word of the description is found without reading every case. Django's
``icontains`` is ``UPPER(column::text) LIKE UPPER('%…%')`` on PostgreSQL, so the indexes are on
exactly that expression. Nothing on SQLite (no pg_trgm; small databases read every row)."""

from django.db import migrations, models

INDEXES = {
    "report_case_number_trgm": 'UPPER(("case_number")::text)',
    "report_description_trgm": 'UPPER(("description")::text)',
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_report" USING gin ({expression} gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0022_corrections")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["reported_at", "id"], name="report_reported_id"),
        ),
    ]
