"""The health endpoint's checks beyond django-health-check's own (database, cache): the task
queue, the scheduler's heartbeat and the audit chain's head (docs/operations.md, Health).

Each check raises ``ServiceUnavailable`` with a message that names no secret (no URL, no
password, no case data): the endpoint is read by load balancers and monitoring without a login.
"""

import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from operations import heartbeat


class InRequestThread:
    """Runs a synchronous check in the request's own thread (``thread_sensitive``) rather
    than in an executor's: the database connection is the request's, as everywhere else in
    Django (and a test's transaction is seen)."""

    async def run(self):
        await sync_to_async(self.check, thread_sensitive=True)()


@dataclasses.dataclass
class Database(InRequestThread, checks.Database):
    def check(self):
        checks.Database.run(self)


@dataclasses.dataclass
class TaskQueue(InRequestThread, HealthCheck):
    """The queue the background tasks (notification e-mails, exports) go through: Redis for
    the RQ backend (a PING), the database table for the database backend."""

    def check(self):
        if settings.TASKS_BACKEND == "rq":
            import redis

            try:
                redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
            except redis.RedisError as err:
                raise ServiceUnavailable("The task queue (Redis) does not answer.") from err
        else:
            from django_tasks_db.models import DBTaskResult

            try:
                DBTaskResult.objects.exists()
            except Exception as err:
                raise ServiceUnavailable("The task queue's table cannot be read.") from err


@dataclasses.dataclass
class SchedulerHeartbeat(InRequestThread, HealthCheck):
    """The scheduler ran a whole round within ``HEALTH_SCHEDULER_MAX_AGE`` seconds."""

    def check(self):
        limit = settings.HEALTH_SCHEDULER_MAX_AGE
        age = heartbeat.age(heartbeat.SCHEDULER, timezone.now())
        if age is None:
            raise ServiceUnavailable("The scheduler has never run a round.")
        if age > limit:
            raise ServiceUnavailable(f"The scheduler's last round ended {age:.0f} s ago (limit {limit} s).")


@dataclasses.dataclass
class AuditChainHead(InRequestThread, HealthCheck):
    """The change chain's sealed head verifies (its HMAC seal with this server's key) and is
    not older than ``HEALTH_AUDIT_HEAD_MAX_AGE`` seconds when that is set (a board where
    something changes every working hour may set it; a quiet night is not a failure by
    default, only a warning past a day)."""

    def check(self):
        from cases import audit
        from cases.models import AuditEvent, AuditHead

        head = AuditHead.objects.filter(chain=AuditEvent.Chain.CHANGE).first()
        if head is None:
            return  # an empty trail: nothing written yet
        if audit.seal_head(head.chain, head.seq, head.hash, head.sealed_at) != head.seal:
            raise ServiceUnavailable("The audit chain's head does not verify.")
        age = (timezone.now() - head.sealed_at).total_seconds()
        limit = settings.HEALTH_AUDIT_HEAD_MAX_AGE
        if limit is not None and age > limit:
            raise ServiceUnavailable(f"The audit chain's head is {age:.0f} s old (limit {limit} s).")
        if age > datetime.timedelta(days=1).total_seconds():
            raise ServiceWarning(f"The audit chain's head is {age:.0f} s old.")
