"""Investigation entries stay append-only except for gallring, and every board gets the example
retention rules.

The triggers of cases migration 0002 refuse every UPDATE and DELETE of an investigation entry.
Gallring (arkivlagen 10 §) must destroy them: the DELETE trigger is replaced by one that lets a
row go only when its case has a tombstone (``records_disposedcase``), written in the disposal's
own transaction. UPDATE stays refused.
"""

from django.db import migrations

TABLE = "cases_investigationentry"
TOMBSTONES = "records_disposedcase"


def allow_disposal(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            f"WHEN NOT EXISTS (SELECT 1 FROM {TOMBSTONES} WHERE report_id = OLD.report_id) "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {TABLE}_disposal_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM {TOMBSTONES} WHERE report_id = OLD.report_id) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '{TABLE} is append-only';
            END;
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
            CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_disposal_only();
            """
        )
    else:
        raise RuntimeError(f"No append-only trigger for database vendor {vendor!r}")


def refuse_disposal(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END;"
        )
    else:
        schema_editor.execute(
            f"""
            DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
            CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
            DROP FUNCTION IF EXISTS {TABLE}_disposal_only();
            """
        )


def example_rules(apps, schema_editor):
    from records.defaults import seed_example_rules

    OrgUnit = apps.get_model("cases", "OrgUnit")
    RetentionRule = apps.get_model("records", "RetentionRule")
    for board in OrgUnit.objects.filter(kind="namnd"):
        seed_example_rules(board, RetentionRule)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_records")]

    operations = [
        migrations.RunPython(allow_disposal, refuse_disposal),
        migrations.RunPython(example_rules, migrations.RunPython.noop),
    ]
