"""The deployment files (deploy/), checked where no container engine can build them (the
development machine has neither Docker nor Podman: docs/operations.md, Deployment files):
the image runs as a non-root user with a health check on /health/ and copies every package of
the project; the compose file has the topology with its settings (read-only root, PgBouncer in
transaction pooling with the application's settings for it, a replica made by pg_basebackup);
the systemd units start what the Makefile's `run` starts."""

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"


def instructions():
    text = (DEPLOY / "Containerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_runs_as_a_non_root_user_with_a_health_check():
    lines = instructions()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    health = next(line for line in lines if line.startswith("HEALTHCHECK "))
    assert "/health/" in health
    assert lines[0].startswith("FROM ")


def test_the_image_copies_every_package_of_the_project():
    import tomllib

    packages = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"][
        "find"
    ]["include"]
    copied = {line.split()[1] for line in instructions() if line.startswith("COPY ")}
    for package in packages:
        assert package.rstrip("*") in copied, package
    assert "operations" in (p.rstrip("*") for p in packages)


def test_the_compose_file_has_the_topology():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "scheduler", "migrate", "primary", "replica", "pgbouncer", "redis"} <= set(
        services
    )
    for name in ("web", "worker", "scheduler"):
        service = services[name]
        assert service["read_only"] is True and service["user"].split(":")[0] != "0"
        env = service["environment"]
        assert "@pgbouncer:" in env["DATABASE_URL"] and "@replica:" in env["DATABASE_REPLICA_URL"]
        assert env["CONN_MAX_AGE"] == "0" and env["DATABASE_PREPARED_STATEMENTS"] == "false"
        assert env["TASKS_BACKEND"] == "rq"
    assert "@primary:" in services["migrate"]["environment"]["DATABASE_URL"]  # never through the pooler
    assert services["pgbouncer"]["environment"]["PGBOUNCER_POOL_MODE"] == "transaction"
    assert "pg_basebackup" in " ".join(services["replica"]["entrypoint"]) and "-R" in " ".join(
        services["replica"]["entrypoint"]
    )
    assert "run_scheduler" in services["scheduler"]["command"]
    assert "rqworker" in services["worker"]["command"]


def test_the_pgbouncer_file_pools_transactions():
    ini = configparser.ConfigParser()
    ini.read(DEPLOY / "pgbouncer" / "pgbouncer.ini")
    assert ini["pgbouncer"]["pool_mode"] == "transaction"


@pytest.mark.parametrize(
    "unit, command",
    [
        ("kvalitet-web.service", "gunicorn config.wsgi:application"),
        ("kvalitet-worker.service", "manage.py rqworker"),
        ("kvalitet-scheduler.service", "manage.py run_scheduler"),
    ],
)
def test_the_systemd_units(unit, command):
    text = (DEPLOY / "systemd" / unit).read_text()
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    service = parser["Service"]
    assert command in service["ExecStart"]
    assert service["User"] == "kvalitet" and service["NoNewPrivileges"] == "true"
    assert parser["Install"]["WantedBy"] == "multi-user.target"
    if shutil.which("systemd-analyze"):
        result = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(DEPLOY / "systemd" / unit)],
            capture_output=True,
            text=True,
        )
        # Only the unit's own syntax: the user and paths exist on the server, not here.
        assert not re.search(r"(Unknown (key|section)|Invalid|Failed to parse)", result.stderr), result.stderr
