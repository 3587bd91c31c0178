"""Delivering the outbox (``cases.models.OutboxEvent``) to the receivers of ``case_event``.

Two paths hand an event to the receivers, both after the change has committed:

- **at once** (``deliver_now``, an on-commit callback of ``emit``): the receivers run, then the
  row is marked delivered. Any failure (a receiver raises, the database went away) leaves the
  row for the dispatcher and never reaches the request that made the change;
- **the dispatcher** (``dispatch_due``, a scheduler job): rows not delivered whose time has
  come (``OUTBOX_GRACE`` seconds after the commit, then ``OUTBOX_RETRY_DELAYS`` after each
  failure, the last delay repeating for as long as it takes), each in a transaction of its own
  with the row locked (``SKIP LOCKED``), so two dispatchers never take the same row, and
  marked delivered in that transaction.

Nothing is dropped: an event is delivered at least once, possibly twice (a fast path slower
than the grace period, a commit lost with its connection), so every receiver is idempotent.
``manage.py outbox`` shows what waits and why; ``manage.py outbox --deliver`` delivers it now.
"""

import datetime
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from cases.events import case_event
from cases.models import OutboxEvent

logger = logging.getLogger(__name__)


def write(name, *, report_id, actor_id, data):
    now = timezone.now()
    return OutboxEvent.objects.create(
        name=name,
        report_id=report_id,
        actor_id=actor_id,
        data=data,
        created_at=now,
        next_attempt_at=now + datetime.timedelta(seconds=settings.OUTBOX_GRACE),
    )


def _send(event):
    """Every receiver, each whatever the others did; then the first failure, if any."""
    results = case_event.send_robust(
        sender=None,
        name=event.name,
        report_id=event.report_id,
        actor_id=event.actor_id,
        data=event.data,
        event_id=event.pk,
    )
    for _receiver, outcome in results:
        if isinstance(outcome, Exception):
            raise outcome


def deliver_now(event):
    """The fast path, right after the commit. Never raises: whatever fails is the dispatcher's."""
    try:
        _send(event)
        OutboxEvent.objects.filter(pk=event.pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
    except Exception as error:  # noqa: BLE001 - the change has committed; the row keeps the event
        _failed(event, error)


def _deliver_locked(pk, now):
    """One event in a transaction with its row locked; True when it was delivered here."""
    event = None
    try:
        with transaction.atomic():
            event = (
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, delivered_at__isnull=True)
                .first()
            )
            if event is None:
                return False  # delivered meanwhile, or another dispatcher holds it
            _send(event)
            OutboxEvent.objects.filter(pk=pk).update(delivered_at=now)
        return True
    except Exception as error:  # noqa: BLE001 - recorded on the row, retried
        _failed(event or OutboxEvent(pk=pk), error)
        return False


def _failed(event, error):
    """Record the failure and the next attempt; when even that fails (the database is gone),
    the row keeps the time it has and the dispatcher takes it then."""
    delays = settings.OUTBOX_RETRY_DELAYS
    delay = delays[min(event.attempts, len(delays) - 1)]
    first_line = (str(error).strip().splitlines() or [""])[
        0
    ]  # a database error's detail lines may hold values
    summary = f"{type(error).__name__}: {first_line}"[:300]
    logger.warning(
        "Event %s (%s) not delivered, retried in %s s: %s",
        event.pk,
        event.name or "?",
        delay,
        type(error).__name__,
    )
    try:
        OutboxEvent.objects.filter(pk=event.pk, delivered_at__isnull=True).update(
            attempts=F("attempts") + 1,
            last_error=summary,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
        )
    except DatabaseError:
        logger.warning("Event %s left for the dispatcher: the database did not answer", event.pk)


def pending(now=None):
    """Events not delivered yet, whose time has come when ``now`` is given."""
    rows = OutboxEvent.objects.filter(delivered_at__isnull=True)
    return rows.filter(next_attempt_at__lte=now) if now else rows


def dispatch_due(now, limit=1000):
    """Scheduler job: deliver the events whose time has come, oldest first; how many."""
    ids = list(pending(now).order_by("id").values_list("pk", flat=True)[:limit])
    return sum(_deliver_locked(pk, now) for pk in ids)


def deliver_all():
    """Every event not delivered yet, whatever its next attempt time (``outbox --deliver``)."""
    ids = list(pending().order_by("id").values_list("pk", flat=True))
    now = timezone.now()
    return sum(_deliver_locked(pk, now) for pk in ids)


def prune_delivered(now):
    """Scheduler job: delivered events older than ``OUTBOX_RETENTION_DAYS`` are deleted."""
    cutoff = now - datetime.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _by_model = OutboxEvent.objects.filter(delivered_at__lt=cutoff).delete()
    return deleted
