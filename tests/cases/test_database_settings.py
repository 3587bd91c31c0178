"""The PostgreSQL connection settings (docs/operations.md): kept connections and prepared
statements by default, both off when the environment says so (PgBouncer)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PRINT = (
    "import django, json; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d.get('OPTIONS', {})]))"
)


def settings_with(**given):
    env = {k: v for k, v in os.environ.items() if k not in ("CONN_MAX_AGE", "DATABASE_PREPARED_STATEMENTS")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgres://app@db.kommun.example:5432/kvalitet",
        **given,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_direct_connection_is_kept_checked_and_prepares_its_statements():
    assert settings_with() == [60, True, {"server_side_binding": True, "prepare_threshold": 2}]


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"CONN_MAX_AGE": "0", "DATABASE_PREPARED_STATEMENTS": "false"}, [0, True, {}]),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, [60, True, {}]),
    ],
)
def test_behind_pgbouncer_both_can_be_turned_off(given, expected):
    assert settings_with(**given) == expected
