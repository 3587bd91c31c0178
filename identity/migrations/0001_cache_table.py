"""The database cache's table, made by ``migrate`` so that a fresh installation (``make run``,
``make test``, a deployment) needs no separate ``createcachetable``. ``django_cache`` is the
default cache's table (config/settings.py); a database cache named by CACHE_URL
(``dbcache://other_table``) gets its table here too when it is configured at migration time,
and otherwise from ``manage.py createcachetable``."""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

DEFAULT_TABLE = "django_cache"


def _tables():
    configured = {cache["LOCATION"] for cache in settings.CACHES.values() if cache["BACKEND"].endswith(".DatabaseCache")}
    return sorted({DEFAULT_TABLE} | configured)


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    for table in _tables():
        command.create_table(schema_editor.connection.alias, table, dry_run=False)


def drop(apps, schema_editor):
    for table in _tables():
        schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create, drop, elidable=False)]
