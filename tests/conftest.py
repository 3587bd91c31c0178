import pytest
from django.db import connection
from django.test import TransactionTestCase

from tests.cast import build_cast, build_org


def _flush_without_append_only_guards(original):
    """Transactional tests (and the browser journeys' live server) empty every table
    afterwards; the triggers that refuse UPDATE and DELETE on the append-only tables
    (migration 0002), on frozen regulator documents (migration 0006) and on the audit chains'
    heads (migration 0013) would refuse that, so they are lifted for the flush and put back
    straight after, and the emptied chains get their sealed genesis heads again, as the
    migration gave them."""
    import importlib

    from django.apps import apps

    append_only = importlib.import_module("cases.migrations.0002_append_only_triggers")
    frozen = importlib.import_module("cases.migrations.0006_cmp_compilations")
    heads = importlib.import_module("cases.migrations.0015_audit_head")
    disposal = importlib.import_module("records.migrations.0002_disposal_trigger_and_example_rules")

    def teardown(self):
        with connection.schema_editor() as editor:
            append_only.drop(None, editor)
            frozen.unfreeze_table(None, editor)
            heads.drop_guards(None, editor)
        try:
            original(self)
        finally:
            with connection.schema_editor() as editor:
                append_only.create(None, editor)
                disposal.allow_disposal(None, editor)
                frozen.freeze_table(None, editor)
                heads.create_guards(None, editor)
                heads.seal_heads(apps, editor)

    return teardown


TransactionTestCase._fixture_teardown = _flush_without_append_only_guards(
    TransactionTestCase._fixture_teardown
)


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def cast(org):
    return build_cast(org)


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Rate limits count in the shared cache: the database's cache table by default (Redis when
    the environment names one). A transactional test's flush leaves that table alone (it
    belongs to no model) and Redis outlives every test, so every test with a database starts
    with the cache empty. (Emptying it afterwards too would fail after a test that closed its
    database connection, as the scheduler's tests do.)"""
    if _DATABASE_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        from django.core.cache import cache

        request.getfixturevalue("db")
        cache.clear()


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_a_temporary_directory(settings, tmp_path_factory):
    """The scheduler's checkpoint export (cases.audit_anchor) writes files: never into the
    project folder from a test."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture(autouse=True)
def _audit_payloads_checked_against_the_catalogue(settings):
    """Every audit row a test writes declares its payload keys (cases.audit_actions)."""
    settings.AUDIT_STRICT_PAYLOADS = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_reference_data_kept_between_tests():
    """A test's rules and reference rows are rolled back with it, without a signal: the
    per-process cache (cases.reference_cache: notification rules, risk levels, routing rules,
    terms) must not carry them into the next test."""
    from cases import reference_cache

    reference_cache._kept.clear()
    yield
    reference_cache._kept.clear()


@pytest.fixture(autouse=True)
def _default_language_in_every_test():
    """A request with ``Accept-Language`` leaves its language active in the thread (Django's
    LocaleMiddleware does not undo it): every test starts in the site's language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
