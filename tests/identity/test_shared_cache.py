"""The shared cache: the database's by default, made by ``migrate``, counting atomically and
keeping each counter's window; Redis when CACHE_URL or REDIS_URL names one; a deploy warning
for a cache that each process would keep for itself."""

import datetime
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.checks import run_checks
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]
DATABASE_CACHE = {"BACKEND": "identity.cache.DatabaseCache", "LOCATION": "django_cache"}


@pytest.fixture
def database_cache(db, settings):
    settings.CACHES = {"default": DATABASE_CACHE}
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def expiry(key):
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM django_cache WHERE cache_key = %s", [f":1:{key}"])
        return cursor.fetchone()[0]


def test_migrate_made_the_cache_table(db):
    assert "django_cache" in connection.introspection.table_names()


def test_an_increment_keeps_the_windows_end(database_cache, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    database_cache.add("counter", 1, 3600)
    opened = expiry("counter")
    time_machine.shift(datetime.timedelta(minutes=10))
    assert database_cache.incr("counter") == 2
    assert database_cache.incr("counter", 5) == 7
    assert expiry("counter") == opened
    assert database_cache.get("counter") == 7


def test_an_increment_of_a_missing_or_closed_window_is_refused(database_cache, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    with pytest.raises(ValueError):
        database_cache.incr("never-added")
    database_cache.add("counter", 1, 60)
    time_machine.shift(datetime.timedelta(seconds=61))
    with pytest.raises(ValueError):
        database_cache.incr("counter")


@pytest.mark.concurrency
def test_increments_from_several_connections_at_once_are_all_counted(transactional_db, database_cache):
    database_cache.add("counter", 0, 3600)
    threads, per_thread = 4, 25
    errors = []

    def count():
        try:
            for _ in range(per_thread):
                caches["default"].incr("counter")
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert database_cache.get("counter") == threads * per_thread


def configured_cache(**environment):
    """settings.CACHES["default"] as a process started with ``environment`` sees it."""
    env = {key: value for key, value in os.environ.items() if key not in ("CACHE_URL", "REDIS_URL")}
    env.update(environment)
    script = "import json; from config import settings; print(json.dumps(settings.CACHES['default']))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_cache_comes_from_the_environment():
    assert configured_cache() == {
        "BACKEND": "identity.cache.DatabaseCache",
        "LOCATION": "django_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/3"}
    assert configured_cache(REDIS_URL="redis://127.0.0.1:6379/3") == redis
    assert (
        configured_cache(CACHE_URL="redis://127.0.0.1:6379/3", REDIS_URL="redis://127.0.0.1:6379/0") == redis
    )
    assert configured_cache(CACHE_URL="dbcache://another_table")["BACKEND"] == "identity.cache.DatabaseCache"


def test_a_key_prefix_and_timeout_in_the_url_reach_django():
    """django-environ passes them on in lower case, which Django's CACHES ignores."""
    cache = configured_cache(CACHE_URL="redis://127.0.0.1:6379/3?key_prefix=kommun-a&timeout=60")
    assert cache["KEY_PREFIX"] == "kommun-a"
    assert str(cache["TIMEOUT"]) == "60"
    assert "key_prefix" not in cache and "timeout" not in cache


def test_the_deploy_checks_warn_about_a_cache_of_each_process(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "identity.W001" in [message.id for message in run_checks(include_deployment_checks=True)]
    settings.CACHES = {"default": DATABASE_CACHE}
    assert "identity.W001" not in [message.id for message in run_checks(include_deployment_checks=True)]
