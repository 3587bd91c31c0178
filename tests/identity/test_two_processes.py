"""Two processes running Django (as two gunicorn workers do) share the public form's rate limit
and the sign-in lockout: together they reach the configured limit, not twice it. Once on the
default database cache and once on Redis (CACHE_URL); the processes start together, so their
counting overlaps in time."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from tests.cast import PASSWORD
from tests.notifications.test_redis_backend import require_redis

pytestmark = pytest.mark.concurrency

ROOT = Path(__file__).resolve().parents[2]
# Database 12, with a key prefix of this test session's own: sessions sharing one Redis (a
# developer's and CI's) never see each other's counters, and nothing empties the database.
SESSION_PREFIX = f"two-processes-{uuid.uuid4().hex[:12]}"
REDIS_CACHE_URL = f"redis://127.0.0.1:6379/12?key_prefix={SESSION_PREFIX}"
FORM_LIMIT = 4
FAILURE_LIMIT = 4


def database_url():
    """The test database, as the processes' DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_together(tmp_path, cache_url, *actions):
    """Both processes run ``actions``; their outcomes, one list per process."""
    env = {key: value for key, value in os.environ.items() if key not in ("CACHE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=database_url(),
        PUBLIC_SUBMISSIONS_PER_HOUR=str(FORM_LIMIT),
        LOGIN_FAILURE_LIMIT=str(FAILURE_LIMIT),
        PASSWORD_HASHERS="django.contrib.auth.hashers.MD5PasswordHasher",
    )
    if cache_url:
        env["CACHE_URL"] = cache_url
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.identity.client_process", str(go), *actions],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    outcomes = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr[-3000:]
        outcomes.append(json.loads(stdout.strip().splitlines()[-1]))
    return outcomes


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings):
    """The cache both processes are given, and the test's own view of it."""
    if request.param == "database":
        settings.CACHES = {"default": {"BACKEND": "identity.cache.DatabaseCache", "LOCATION": "django_cache"}}
        cache.clear()
        yield None
        cache.clear()
        return
    redis = require_redis(REDIS_CACHE_URL.split("?")[0])
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL.split("?")[0],
            "KEY_PREFIX": SESSION_PREFIX,
        }
    }
    yield REDIS_CACHE_URL
    for key in redis.scan_iter(match=f"{SESSION_PREFIX}:*"):
        redis.delete(key)


def test_two_processes_reach_the_public_forms_limit_together_and_the_sign_in_lockout_together(
    transactional_db, cast, shared_cache, settings, tmp_path
):
    first, second = run_together(tmp_path, shared_cache, f"public-form:{FORM_LIMIT}", "login:sas:wrong:2")
    form_outcomes = first[0] + second[0]
    assert form_outcomes.count("open") == FORM_LIMIT
    assert form_outcomes.count("limited") == FORM_LIMIT
    # Each process failed twice; together that is the limit, so the right password is refused,
    # here too and from another address.
    assert sorted(first[1] + second[1]) == [200, 200, 200, 429]
    settings.AXES_FAILURE_LIMIT = FAILURE_LIMIT
    response = APIClient().post(
        "/accounts/login/", {"username": "sas", "password": PASSWORD}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 429
