"""Run by tests/operations/test_pgbouncer.py in a process of its own, its DATABASE_URL naming
PgBouncer in transaction pooling with the settings docs/operations.md prescribes
(CONN_MAX_AGE=0, DATABASE_PREPARED_STATEMENTS=false): cases filed and assessed through the
services from several threads at once, each with its own connection through the pooler; the
audit chain verifies and the monthly counts are exact afterwards."""

import os
import sys
import threading
import uuid

import django

sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import workload  # noqa: E402  (bench/workload.py: an organisation, filings, the assessment)
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402

from cases import audit  # noqa: E402
from reporting.services.aggregates import drift  # noqa: E402

assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
assert "server_side_binding" not in settings.DATABASES["default"].get("OPTIONS", {})
with connection.cursor() as cursor:
    cursor.execute("SHOW port")
    print("server port", cursor.fetchone()[0])

errors = []


def one_client():
    try:
        unit, reporter, manager = workload.build_org(uuid.uuid4().hex[:6])
        data = workload.assess_data()
        for report_id in workload.file_deviations(5, unit, reporter):
            workload.service_transition(report_id, manager, data)
    except Exception as error:  # noqa: BLE001 - reported below
        errors.append(repr(error))
    finally:
        connections.close_all()


threads = [threading.Thread(target=one_client) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
print("20 cases filed and assessed from 4 threads")
verified, broken, reason = audit.verify()
assert broken is None, (broken, reason)
print("audit chain verified")
assert not drift()
print("monthly counts exact")
