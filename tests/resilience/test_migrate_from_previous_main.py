"""A database migrated at the previous main keeps every row of the models that moved from cases
to reporting (issue 21): the move is state-only, so the tables, their rows, the content types
and the permissions granted on them are the same before and after.

The database is taken back to the migrations of main at commit 5cba0b2 (the last one of each
project app there, below), rows are written through that state's models, the database is
migrated to the head again, and every row is read back through the moved models unchanged.
Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import datetime
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import Report, SummaryReview
from reporting.models import (
    CountedCase,
    ExportJob,
    MonthlyCount,
    RegulatorDocument,
    SuppressionRule,
)
from tests.cast import build_cast, build_org
from tests.factories import file

# The last migration of each project app at main 5cba0b2 (before reporting existed).
PREVIOUS_MAIN = [
    ("cases", "0016_outbox_and_idempotency_keys"),
    ("workflows", "0002_unclaimed_task_rule"),
    ("notifications", "0005_delivery_withheld"),
    ("identity", "0001_cache_table"),
    ("reporting", None),
    # Rooms that came later: unapplied, so that their leaves (which depend on later cases
    # migrations) do not carry the cases state forward.
    ("records", None),
    ("quality", None),
    ("operations", None),
]
MOVED = [CountedCase, ExportJob, MonthlyCount, RegulatorDocument, SuppressionRule]
# Beside them, in cases before and after: written by the floor's do_approve_summary.
KEPT = [SummaryReview]


def migrate(targets):
    """Migrate the test database to ``targets`` and answer that state's models (the other
    apps, which did not change, at their last migrations)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    named = {app for app, _name in targets}
    nodes = [node for node in targets if node[1] is not None]
    nodes += [node for node in executor.loader.graph.leaf_nodes() if node[0] not in named]
    return executor.loader.project_state(nodes).apps


def head():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def plain(row):
    """A row's values, with binary columns as bytes (PostgreSQL answers memoryview)."""
    return {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}


def write_rows(old, cast, org, filed):
    """One row in each moved table (and a report) through the previous main's models."""
    reporter, sas = cast["reporter"].pk, cast["sas"].pk
    OldReport = old.get_model("cases", "Report")
    fields = {f.attname for f in OldReport._meta.concrete_fields} - {"id"}
    values = {k: v for k, v in OldReport.objects.filter(pk=filed.pk).values()[0].items() if k in fields}
    report = OldReport.objects.create(
        **{
            **values,
            "case_number": "SN-OLD-1",
            "case_sequence": values["case_sequence"] + 1000,
            "description": "Före flytten.",
        }
    )
    notification = old.get_model("cases", "RegulatorNotification").objects.create(
        report_id=report.pk, regulator="ivo", decided_at=timezone.now(), decided_by_id=sas
    )
    json_bytes, pdf_bytes = b'{"case": "SN-OLD-1"}', b"%PDF-1.4 before the move"
    made = {
        "SuppressionRule": dict(threshold=7, basis="Beslut 2026-01-01", valid_from=datetime.date(2091, 1, 1)),
        "ExportJob": dict(
            requested_by_id=reporter,
            params={"kind": "compilation", "namnd": org.sn.pk},
            status="done",
            progress=100,
            filename="sammanstallning.csv",
            content_type="text/csv",
            content=b"a;b\n1;2\n",
            finished_at=timezone.now(),
        ),
        "RegulatorDocument": dict(
            notification_id=notification.pk,
            kind="notification",
            regulator_case_number="IVO 1-2026",
            json_bytes=json_bytes,
            json_sha256=hashlib.sha256(json_bytes).hexdigest(),
            pdf_bytes=pdf_bytes,
            pdf_sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            frozen_at=timezone.now(),
            frozen_by_id=sas,
        ),
        "SummaryReview": dict(
            report_id=report.pk,
            summary="En sammanfattning.",
            decision="Ett beslut.",
            source_sha256="0" * 64,
            approved_by_id=sas,
            approved_at=timezone.now(),
        ),
        "MonthlyCount": dict(
            month=datetime.date(2026, 1, 1),
            type="deviation",
            unit_id=org.unit_a.pk,
            namnd_id=org.sn.pk,
            dimension="reports",
            key="",
            key2="",
            n=41,
        ),
        "CountedCase": dict(
            report_id=report.pk, cells=[["2026-01-01", "deviation", 1, 2, "reports", "", "", 1]]
        ),
    }
    rows = {}
    for name, data in made.items():
        model = old.get_model("cases", name)
        row = model.objects.create(**data)
        rows[name] = plain(model.objects.filter(pk=row.pk).values()[0])
    return report.pk, rows


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_at_the_previous_main_keeps_every_row():
    org = build_org()
    cast = build_cast(org)
    # Filed at head, through the services as they are now (their models have columns that the
    # previous main had not); the rows of the moved models are written at the previous main.
    filed = Report.objects.get(pk=file("deviation", cast["reporter"], org.unit_a).pk)
    old = migrate(PREVIOUS_MAIN)
    with pytest.raises(LookupError):
        old.get_model("reporting", "ExportJob")
    report_id, rows = write_rows(old, cast, org, filed)
    # A permission granted on a moved model at the previous main.
    OldPermission = old.get_model("auth", "Permission")
    granted = OldPermission.objects.get(content_type__app_label="cases", codename="view_exportjob")
    old.get_model("cases", "User").objects.get(pk=cast["reporter"].pk).user_permissions.add(granted)

    migrate(head())
    ContentType.objects.clear_cache()

    for model in MOVED + KEPT:
        before = rows[model.__name__]
        assert plain(model.objects.filter(pk=before[model._meta.pk.attname]).values()[0]) == before
        assert model._meta.db_table == f"cases_{model._meta.model_name}"
    for model in MOVED:
        assert not ContentType.objects.filter(app_label="cases", model=model._meta.model_name).exists()
    assert Report.objects.get(pk=report_id).summary_review.summary == "En sammanfattning."
    assert RegulatorDocument.objects.get(pk=rows["RegulatorDocument"]["id"]).verifies()
    assert ContentType.objects.get_for_model(ExportJob).pk == granted.content_type_id
    assert Permission.objects.get(pk=granted.pk).content_type.app_label == "reporting"
    assert get_user_model().objects.get(pk=cast["reporter"].pk).has_perm("reporting.view_exportjob")
