"""Export retention: the scheduler's job deletes exports older than EXPORT_RETENTION_DAYS,
with one audit row; younger ones stay and can still be downloaded."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from cases.audit import verify
from cases.models import AuditEvent
from reporting.models import ExportJob
from reporting.services.retention import prune_exports

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(*args):
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


def export(user, when):
    with time_machine.travel(when, tick=False):
        return ExportJob.objects.create(
            requested_by=user,
            params={"kind": "compilation"},
            status="done",
            content=b"%PDF-1.4",
            content_type="application/pdf",
            filename="a.pdf",
        )


def test_the_job_is_scheduled_and_defaults_to_thirty_days():
    assert "reporting.services.retention.prune_exports" in settings.SCHEDULER_JOBS
    assert settings.EXPORT_RETENTION_DAYS == 30


def test_old_exports_are_deleted_and_audited(cast, settings):
    settings.EXPORT_RETENTION_DAYS = 30
    sas = cast["sas"]
    old = export(sas, at(2026, 1, 1, 9, 0))
    edge = export(sas, at(2026, 1, 2, 12, 0))
    young = export(sas, at(2026, 1, 20, 9, 0))
    with time_machine.travel(at(2026, 2, 1, 12, 0), tick=False):
        assert prune_exports(timezone.now()) == 1  # 31 days old; the one of exactly 30 days stays
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {edge.pk, young.pk}
    event = AuditEvent.objects.get(action="exports.pruned")
    assert event.actor is None and event.payload["count"] == 1 and event.payload["exports"] == [str(old.pk)]
    assert event.payload["retention_days"] == 30
    assert verify()[1] is None  # the audit chain still verifies

    # The kept export still downloads; the deleted one is gone (404).
    client = APIClient()
    client.force_authenticate(sas)
    assert client.get(f"/api/v1/exports/{young.pk}/download/").status_code == 200
    assert client.get(f"/api/v1/exports/{old.pk}/download/").status_code == 404

    # Nothing more to delete at the same time: no new audit row. A minute later the export
    # of exactly 30 days is older than the period, and goes.
    with time_machine.travel(at(2026, 2, 1, 12, 0), tick=False):
        assert prune_exports(timezone.now()) == 0
    assert AuditEvent.objects.filter(action="exports.pruned").count() == 1
    with time_machine.travel(at(2026, 2, 1, 12, 1), tick=False):
        assert prune_exports(timezone.now()) == 1
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [young.pk]


def test_the_retention_is_a_setting(cast, settings):
    settings.EXPORT_RETENTION_DAYS = 3
    export(cast["sas"], at(2026, 1, 1, 9, 0))
    assert prune_exports(at(2026, 1, 4, 8, 0)) == 0
    assert prune_exports(at(2026, 1, 4, 10, 0)) == 1
    assert not ExportJob.objects.exists()


@pytest.mark.django_db(transaction=True)  # each round closes the database connection
def test_the_scheduler_runs_it_by_its_path(cast, settings, capsys):
    from django.core.management import call_command

    settings.SCHEDULER_JOBS = ["reporting.services.retention.prune_exports"]
    export(cast["sas"], at(2020, 1, 1, 9, 0))
    call_command("run_scheduler", "--once")
    assert not ExportJob.objects.exists()
    assert "reporting.services.retention.prune_exports: 1" in capsys.readouterr().out
