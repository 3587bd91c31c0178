"""The audit chains' sealed heads (``cases.AuditHead``, ``cases.audit``).

Each chain's head is sealed at migration time from the chain's last row as it stands (an empty
chain gets the genesis head, seq 0), so migrate with the deployment's own ``AUDIT_HMAC_KEY``.
Triggers let a head only move forward: DELETE, TRUNCATE and an UPDATE that does not raise its
``seq`` are refused, like UPDATE and DELETE on the audit rows themselves (migration 0002).
"""

from django.db import migrations, models
from django.utils import timezone

TABLE = "cases_audithead"
REFUSAL = f"{TABLE} only moves forward"


def seal_heads(apps, schema_editor):
    """A sealed head for every chain that has none (all of them, when this migration runs; after
    a test's ``flush``, tests/conftest.py calls it again)."""
    from cases.audit import GENESIS, seal_head

    AuditEvent, AuditHead = apps.get_model("cases", "AuditEvent"), apps.get_model("cases", "AuditHead")
    for chain in ("change", "access"):
        if AuditHead.objects.filter(chain=chain).exists():
            continue
        last = AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash", "occurred_at").first()
        seq, row_hash, at = last or (0, GENESIS, timezone.now())
        AuditHead.objects.create(chain=chain, seq=seq, hash=row_hash, sealed_at=at,
                                 seal=seal_head(chain, seq, row_hash, at))


def create_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
                              f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;")
        schema_editor.execute(f"CREATE TRIGGER {TABLE}_forward BEFORE UPDATE ON {TABLE} "
                              f"WHEN NEW.seq <= OLD.seq OR NEW.chain <> OLD.chain "
                              f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;")
    elif vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {TABLE}_forward() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.seq > OLD.seq AND NEW.chain = OLD.chain THEN RETURN NEW; END IF;
                RAISE EXCEPTION '{REFUSAL}';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {TABLE}_forward BEFORE UPDATE OR DELETE ON {TABLE}
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_forward();
            CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_forward();
            """
        )
    else:
        raise RuntimeError(f"No forward-only trigger for database vendor {vendor!r}")


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_forward")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_forward ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_forward()")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0014_adm_home_unit_and_board_terms"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("chain", models.CharField(choices=[("change", "Change"), ("access", "Access")], max_length=10,
                                           primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
                ("seal", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain heads",
            },
        ),
        migrations.RunPython(seal_heads, migrations.RunPython.noop),
        migrations.RunPython(create_guards, drop_guards),
    ]
