"""Writing and verifying the audit trail.

``hash = HMAC-SHA256(key, prev_hash || canonical JSON of the row)``. Appends to one chain are
serialised: an advisory lock on PostgreSQL, the IMMEDIATE write lock on SQLite.
"""

import contextlib
import contextvars
import datetime
import hashlib
import hmac
import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases.models.audit import AuditEvent
from cases.statements import Statement

GENESIS = "0" * 64
_context = contextvars.ContextVar("audit_request_context", default={})


@contextlib.contextmanager
def request_context(**values):
    token = _context.set(values)
    try:
        yield
    finally:
        _context.reset(token)


def _canonical(body):
    def default(value):
        if isinstance(value, (datetime.datetime, datetime.date)):
            return value.isoformat()
        return str(value)

    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def _body(event):
    return {
        "chain": event.chain,
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(datetime.timezone.utc).isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "report_id": event.report_id,
        "payload": event.payload,
        "request_id": event.request_id,
        "ip": event.ip,
    }


def compute_hash(prev_hash, event):
    message = (prev_hash + _canonical(_body(event))).encode()
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def _lock_chain(chain):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"audit:{chain}"])


# The chain's last row: read under the chain's lock by every audited change, compiled once.
_CHAIN_HEAD = Statement(
    lambda chain: AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash")[:1], str)


def _json_safe(payload):
    return json.loads(_canonical(payload))


def record(action, *, actor=None, obj=None, report_id=None, payload=None, chain=AuditEvent.Chain.CHANGE):
    """Append one event; call inside the transaction of the change it records."""
    ctx = _context.get()
    from cases.access import on_behalf_of

    absent = on_behalf_of(actor, report_id)
    if absent and chain == AuditEvent.Chain.CHANGE and "on_behalf_of" not in (payload or {}):
        # The action rested on a role lent by an absent person's substitution (cases.access,
        # noted by this service call's own permission check); a service that knows whom it
        # acts for otherwise passes ``on_behalf_of`` in the payload itself.
        payload = {**(payload or {}), "on_behalf_of": absent}
    # No savepoint: a failed audit write must doom the change's whole transaction, never be
    # caught and skipped while the change commits without its row.
    with transaction.atomic(savepoint=False):
        _lock_chain(chain)
        last = _CHAIN_HEAD.rows(chain)
        seq, prev_hash = (last[0][0] + 1, last[0][1]) if last else (1, GENESIS)
        event = AuditEvent(
            chain=chain,
            seq=seq,
            occurred_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_name=(actor.display_name if actor is not None and actor.is_authenticated else ""),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            report_id=report_id,
            payload=_json_safe(payload or {}),
            request_id=ctx.get("request_id", ""),
            ip=ctx.get("ip"),
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(prev_hash, event)
        event.save(force_insert=True)
        if chain == AuditEvent.Chain.CHANGE and report_id is not None:
            _recount(report_id)
    return event


def _recount(report_id):
    """Every service writes the case's change row after its change: the one place where the
    pre-aggregated monthly counts follow every change of a case, in the same transaction
    (cases.compilations.aggregates)."""
    from cases.compilations.aggregates import recount

    recount(report_id)


def record_read(action, *, actor, report_ids, payload=None):
    """A read: one row per request, listing every case shown."""
    ids = list(report_ids)
    return record(
        action,
        actor=actor,
        report_id=ids[0] if len(ids) == 1 else None,
        payload={"report_ids": ids, **(payload or {})},
        chain=AuditEvent.Chain.ACCESS,
    )


def verify(batch_size=2000):
    """Walk every chain. Returns ``(rows_verified, first_broken_event_or_None, reason)``."""
    verified = 0
    for chain in AuditEvent.Chain.values:
        prev_hash, expected_seq = GENESIS, 1
        for event in AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=batch_size):
            if event.seq != expected_seq:
                return verified, event, f"sequence gap: expected {expected_seq}, found {event.seq}"
            if event.prev_hash != prev_hash:
                return verified, event, "prev_hash does not match the previous row"
            if not hmac.compare_digest(event.hash, compute_hash(prev_hash, event)):
                return verified, event, "HMAC does not match the row's content"
            prev_hash, expected_seq = event.hash, expected_seq + 1
            verified += 1
    return verified, None, ""
