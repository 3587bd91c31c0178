"""Django's database cache, with an increment that counts right when several processes share it.

Django's ``DatabaseCache.incr`` is ``BaseCache.incr``: it reads the value and writes it back
with ``set``, so two workers counting at once can both write the same number, and every
increment moves the entry's expiry to the default timeout (five minutes), which turns an
hour's rate-limit window into a window that never closes while requests keep coming and
reopens five minutes after they pause. Here an increment is a compare-and-set on the stored
value that leaves the expiry alone, retried when another process changed the value first.
"""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router
from django.utils import timezone

# Each retry means another process's increment went through, so this only runs out when
# more than this many processes increment one key at the same moment.
_ATTEMPTS = 100


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, key_column, value_column = quote(self._table), quote("cache_key"), quote("value")
        read = f"SELECT {value_column} FROM {table} WHERE {key_column} = %s AND {quote('expires')} > %s"
        write = f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s AND {value_column} = %s"
        for _attempt in range(_ATTEMPTS):
            # As Django's own has_key compares it.
            now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0, tzinfo=None))
            with connection.cursor() as cursor:
                cursor.execute(read, [key, now])
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found")
                stored = row[0]
                value = pickle.loads(base64.b64decode(stored.encode())) + delta
                encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
                cursor.execute(write, [encoded, key, stored])
                if cursor.rowcount == 1:
                    return value
        raise RuntimeError(f"cache key '{key}' changed under {_ATTEMPTS} increments in a row")
