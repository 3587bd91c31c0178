"""Run by tests/operations/test_replica.py in a process of its own, with DATABASE_URL naming a
primary and DATABASE_REPLICA_URL its streaming replica (both started by the test). Prints one
line per assertion that held; exits non-zero on the first that does not."""

import os
import subprocess
import sys
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connections, transaction  # noqa: E402
from django.db.utils import InternalError, OperationalError, ProgrammingError  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cases.models import OrgUnit  # noqa: E402
from operations import replica  # noqa: E402


def served_by(block):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as copy,
    ):
        result = block()
    return ("replica" if len(copy) and not len(primary) else "primary" if len(primary) else "none"), result


unit = OrgUnit.objects.create(kind="kommun", name="Replikakommun")
for _ in range(100):  # streaming replication: a moment
    with replica.lag_tolerant("statistics"):
        where, found = served_by(lambda: OrgUnit.objects.filter(pk=unit.pk).exists())
    if found:
        break
    time.sleep(0.1)
assert where == "replica" and found, (where, found)
print("replica reads served")

try:
    with connections["replica"].cursor() as cursor:
        cursor.execute("CREATE TABLE replica_probe (id int)")
except (InternalError, OperationalError, ProgrammingError) as error:
    assert "read-only" in str(error), error
    print("writes refused on the replica")
else:
    raise AssertionError("the replica took a write")
connections["replica"].close()

# Outside a named read: the primary.
where, _ = served_by(lambda: OrgUnit.objects.count())
assert where == "primary", where
print("unnamed reads fresh")

# Inside a transaction on the primary (a service): the primary.
with transaction.atomic(), replica.lag_tolerant("statistics"):
    where, _ = served_by(lambda: OrgUnit.objects.count())
assert where == "primary", where
print("reads inside a transaction fresh")

# Access rows are read fresh even in a named block.
from cases.models import User  # noqa: E402

with replica.lag_tolerant("statistics"):
    where, _ = served_by(lambda: User.objects.count())
assert where == "primary", where
print("access rows fresh")

# Read-your-writes: a changing request sets the cookie; the next GET with it reads the primary,
# a GET without it reads the replica; the write itself is seen at once.
seen = []


def view(request):
    if request.method == "POST":
        OrgUnit.objects.filter(pk=unit.pk).update(name="Ny replikakommun")
    with replica.lag_tolerant("statistics"):
        where, name = served_by(lambda: OrgUnit.objects.get(pk=unit.pk).name)
    seen.append((request.method, where, name))
    return HttpResponse("ok")


middleware = replica.StickinessMiddleware(view)
factory = RequestFactory()
response = middleware(factory.post("/x/"))
cookie = response.cookies[replica.COOKIE].value
middleware(factory.get("/x/", HTTP_COOKIE=f"{replica.COOKIE}={cookie}"))
assert seen[-1] == ("GET", "primary", "Ny replikakommun"), seen
print("read-your-writes")
middleware(factory.get("/x/", HTTP_COOKIE=f"{replica.COOKIE}={time.time() - 1:.0f}"))
assert seen[-1][1] == "replica", seen
print("the window ends")

# The replica stops: reads fall back to the primary.
subprocess.run(os.environ["STOP_REPLICA"], shell=True, check=True, capture_output=True)
time.sleep(replica.CHECK_EVERY + 0.2)


def served_by_primary(block):
    """The replica is gone: a capture on it would connect; count the primary's statements."""
    with CaptureQueriesContext(connections["default"]) as primary:
        result = block()
    return len(primary) > 0, result


with replica.lag_tolerant("statistics"):
    on_primary, found = served_by_primary(lambda: OrgUnit.objects.filter(pk=unit.pk).exists())
assert on_primary and found, (on_primary, found)
with replica.lag_tolerant("compilation"):
    on_primary, _ = served_by_primary(lambda: OrgUnit.objects.count())
assert on_primary
print("works without the replica")
