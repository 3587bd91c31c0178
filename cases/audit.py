"""Writing and verifying the audit trail.

``hash = HMAC-SHA256(key, prev_hash || canonical JSON of the row)``. Every append also moves the
chain's head (``AuditHead``: the new row's seq and hash, sealed with the same key) in the same
transaction. Reading the head with a row lock serialises the appends to one chain (on SQLite the
IMMEDIATE write lock does), so an append costs three statements on both databases: the head
read, the row's INSERT and the head's upsert.

A chain alone shows an edited or a removed row but not rows cut off its end: what is left is
still a valid chain. The head names the end, and whoever can write the database but lacks the
key cannot seal a head naming an earlier row; the head row is overwritten by every append, so
an earlier seal is not left in the table either. Against someone who kept an earlier head (a
backup, a copy read earlier, an old row version in the database's files), the heads exported outside the database every
``AUDIT_CHECKPOINT_MINUTES`` (``cases.audit_anchor``) are compared too: ``verify`` takes them
as ``checkpoints`` (docs/operations.md, "The audit trail").
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from cases import audit_actions, events
from cases.models.audit import AuditEvent, AuditHead
from cases.statements import Statement

if TYPE_CHECKING:
    from cases.models.organisation import AnyUser


GENESIS = "0" * 64
# No mutable default: a dict shared by every context could be changed through any of them.
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)


@contextlib.contextmanager
def request_context(**values: Any) -> Iterator[None]:
    token = _context.set(values)
    try:
        yield
    finally:
        _context.reset(token)


def current_request_id() -> str:
    """The id of the request being answered (``cases.middleware``), or "" outside one: the id
    the audit rows of this request carry, for the logs (``operations.logging``)."""
    ctx = _context.get() or {}
    return str(ctx.get("request_id", ""))


def _canonical(body: Any) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, (datetime.datetime, datetime.date)):
            return value.isoformat()
        return str(value)

    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def _body(event: AuditEvent) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(datetime.UTC).isoformat(),
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


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return _hmac_of(prev_hash, _body(event))


def _hmac_of(prev_hash: str, body: dict[str, Any]) -> str:
    message = (prev_hash + _canonical(body)).encode()
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def seal_head(chain: str, seq: int, row_hash: str, sealed_at: datetime.datetime) -> str:
    """The head's HMAC; its message starts with a word of its own, never with a row's 64-digit
    ``prev_hash``, so a row's hash can never pass for a head's seal or the reverse."""
    body = _canonical({"chain": chain, "seq": seq, "hash": row_hash, "sealed_at": _utc(sealed_at)})
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), f"head:{body}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A chain's head as sealed: the ``AuditHead`` row, or a copy exported outside the database."""

    chain: str
    seq: int
    hash: str
    sealed_at: datetime.datetime
    seal: str

    @classmethod
    def of(cls, head: AuditHead) -> Checkpoint:
        return cls(head.chain, head.seq, head.hash, head.sealed_at, head.seal)

    def is_sealed(self) -> bool:
        return hmac.compare_digest(self.seal, seal_head(self.chain, self.seq, self.hash, self.sealed_at))

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "seq": self.seq,
            "hash": self.hash,
            "sealed_at": _utc(self.sealed_at),
            "seal": self.seal,
        }


# The chain's head, locked until the append's transaction ends: read by every audited change,
# compiled once. No row (a database emptied by ``flush``) reads as the genesis head; on a chain
# that still has rows the append then collides with its first row and fails.
_CHAIN_HEAD = Statement(
    lambda chain: AuditHead.objects.select_for_update().filter(chain=chain).values_list("seq", "hash")[:1],
    str,
)
_UPSERT_HEAD: dict[str, str] = {}


def _advance_head(event: AuditEvent) -> None:
    """Overwrite the chain's head with ``event``, sealed: one INSERT … ON CONFLICT statement,
    written out once per database (SQLite and PostgreSQL share the syntax)."""
    if connection.vendor not in _UPSERT_HEAD:
        q = connection.ops.quote_name
        columns = ["chain", "seq", "hash", "sealed_at", "seal"]
        _UPSERT_HEAD[connection.vendor] = (
            f"INSERT INTO {q(AuditHead._meta.db_table)} ({', '.join(map(q, columns))}) VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT ({q('chain')}) DO UPDATE SET "
            + ", ".join(f"{q(column)} = excluded.{q(column)}" for column in columns[1:])
        )
    seal = seal_head(event.chain, event.seq, event.hash, event.occurred_at)
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_HEAD[connection.vendor],
            [
                event.chain,
                event.seq,
                event.hash,
                connection.ops.adapt_datetimefield_value(event.occurred_at),
                seal,
            ],
        )


def _json_safe(payload: Any) -> Any:
    return json.loads(_canonical(payload))


def record(
    action: str,
    *,
    actor: AnyUser | None = None,
    obj: Model | None = None,
    report_id: int | None = None,
    payload: Mapping[str, Any] | None = None,
    chain: str = AuditEvent.Chain.CHANGE,
) -> AuditEvent:
    """Append one event; call inside the transaction of the change it records. ``action``
    must be in ``cases.audit_actions`` (for the chain it is written to)."""
    audit_actions.check(action, payload, read=chain == AuditEvent.Chain.ACCESS)
    ctx = _context.get() or {}
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
        _advance_head(event)
        if chain == AuditEvent.Chain.CHANGE and report_id is not None:
            _recount(report_id)
    return event


def _object_ref(obj: Model | tuple[str, Any] | None) -> tuple[str, str]:
    """``(object_type, object_id)`` of a model instance, or of ``(label, pk)`` for a row the
    caller wrote in SQL without building its instance."""
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return obj._meta.label_lower, str(obj.pk)


_COPY_COLUMNS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "report_id",
    "payload",
    "request_id",
    "ip",
    "prev_hash",
    "hash",
)


def record_many(
    action: str,
    entries: Iterable[tuple[Model | tuple[str, Any] | None, int | None, Mapping[str, Any]]],
    *,
    actor: AnyUser | None = None,
    recount: bool = True,
    batch_size: int = 1000,
) -> int:
    """Append one change-chain event per ``(obj, report_id, payload)`` of ``entries``, in that
    order, with one head read, one bulk write and one head upsert: the rows chain exactly as
    the same calls of ``record`` would (each row's ``prev_hash`` is the row before's hash).
    ``obj`` is a model instance or ``(label, pk)``. For a set-based change of many cases in one
    transaction (records' disposal). On PostgreSQL the rows go in with one ``COPY``, elsewhere
    with ``bulk_create``. ``recount`` False leaves the monthly counts alone: only for a change
    that alters nothing counted (the caller's tests show the counts unchanged by a recount
    afterwards). Returns how many rows."""
    ctx = _context.get() or {}
    from cases.access import on_behalf_of

    chain = AuditEvent.Chain.CHANGE
    acting = actor if actor is not None and actor.is_authenticated else None
    acting_id = acting.pk if acting is not None else None
    acting_name = acting.display_name if acting is not None else ""
    request_id, ip = ctx.get("request_id", ""), ctx.get("ip")
    checked: set[frozenset[str]] = set()
    with transaction.atomic(savepoint=False):
        last = _CHAIN_HEAD.rows(chain)
        seq, prev_hash = (last[0][0], last[0][1]) if last else (0, GENESIS)
        rows: list[tuple[Any, ...]] = []
        for obj, report_id, payload in entries:
            keys = frozenset(payload or ())
            if keys not in checked:
                audit_actions.check(action, payload, read=False)
                checked.add(keys)
            absent = on_behalf_of(actor, report_id)
            if absent and "on_behalf_of" not in (payload or {}):
                payload = {**(payload or {}), "on_behalf_of": absent}
            seq += 1
            object_type, object_id = _object_ref(obj)
            occurred_at = timezone.now()
            payload_text = _canonical(payload or {})
            safe = json.loads(payload_text)
            body = {
                "chain": chain,
                "seq": seq,
                "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(),
                "actor_id": acting_id,
                "actor_name": acting_name,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "report_id": report_id,
                "payload": safe,
                "request_id": request_id,
                "ip": ip,
            }
            row_hash = _hmac_of(prev_hash, body)
            rows.append(
                (
                    chain,
                    seq,
                    occurred_at,
                    acting_id,
                    acting_name,
                    action,
                    object_type,
                    object_id,
                    report_id,
                    payload_text if connection.vendor == "postgresql" else safe,
                    request_id,
                    ip,
                    prev_hash,
                    row_hash,
                )
            )
            prev_hash = row_hash
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            _copy_rows(rows)
        else:
            AuditEvent.objects.bulk_create(
                [AuditEvent(**dict(zip(_COPY_COLUMNS, row, strict=True))) for row in rows],
                batch_size=batch_size,
            )
        last_row = dict(zip(_COPY_COLUMNS, rows[-1], strict=True))
        _advance_head(AuditEvent(**last_row))
        if recount:
            for row in rows:
                if row[8] is not None:
                    _recount(row[8])
    return len(rows)


def _copy_rows(rows: list[tuple[Any, ...]]) -> None:
    """The rows with one ``COPY … FROM STDIN`` (PostgreSQL): no statement to build or parse."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            f"COPY {q(AuditEvent._meta.db_table)} ({', '.join(map(q, _COPY_COLUMNS))}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)


def _recount(report_id: int) -> None:
    """Every service writes the case's change row after its change: the one place where the
    pre-aggregated monthly counts follow every change of a case, in the same transaction (the
    hook ``case_changed``, handled by the compilations' ``aggregates.recount``)."""
    events.case_changed.call(report_id)


def record_read(
    action: str, *, actor: AnyUser | None, report_ids: Iterable[int], payload: Mapping[str, Any] | None = None
) -> AuditEvent:
    """A read: one row per request, listing every case shown."""
    ids = list(report_ids)
    return record(
        action,
        actor=actor,
        report_id=ids[0] if len(ids) == 1 else None,
        payload={"report_ids": ids, **(payload or {})},
        chain=AuditEvent.Chain.ACCESS,
    )


@dataclass(frozen=True)
class Break:
    """Where a chain is broken: a row (``pk``), or a place where rows are missing (no ``pk``)."""

    chain: str
    seq: int
    pk: int | None = None

    def __str__(self) -> str:
        return f"chain={self.chain} seq={self.seq}" + (f" id={self.pk}" if self.pk is not None else "")


def _head(chain: str) -> Checkpoint | None:
    head = AuditHead.objects.filter(chain=chain).first()
    return Checkpoint.of(head) if head else None


def verify(
    checkpoints: Mapping[str, Checkpoint] | None = None, batch_size: int = 2000
) -> tuple[int, Break | None, str]:
    """Walk every chain and compare it with its sealed head and with ``checkpoints`` ({chain:
    Checkpoint}, exported earlier). Returns ``(rows_verified, Break or None, reason)``.

    Safe while the application appends: the head is read before the walk, so every row up to
    it has committed (a row and its head commit together); rows appended meanwhile lie beyond
    it and are compared with the head read again after the walk."""
    verified = 0
    for chain in AuditEvent.Chain.values:
        head, exported = _head(chain), (checkpoints or {}).get(chain)
        # Only what the key sealed is compared with the rows; a seal that does not match is
        # reported after them, so that the first broken row is named first.
        anchors = [
            (anchor, label)
            for anchor, label in (
                (head, f"its head (sealed at {_utc(head.sealed_at)})" if head else ""),
                (
                    exported,
                    f"the exported checkpoint sealed at {_utc(exported.sealed_at)}" if exported else "",
                ),
            )
            if anchor is not None and anchor.is_sealed()
        ]
        prev_hash, last_seq, last_pk = GENESIS, 0, None
        for event in AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=batch_size):
            if event.seq != last_seq + 1:
                return (
                    verified,
                    Break(chain, event.seq, event.pk),
                    (f"sequence gap: expected {last_seq + 1}, found {event.seq}"),
                )
            if event.prev_hash != prev_hash:
                return (
                    verified,
                    Break(chain, event.seq, event.pk),
                    "prev_hash does not match the previous row",
                )
            if not hmac.compare_digest(event.hash, compute_hash(prev_hash, event)):
                return verified, Break(chain, event.seq, event.pk), "HMAC does not match the row's content"
            for anchor, label in anchors:
                if event.seq == anchor.seq and event.hash != anchor.hash:
                    return verified, Break(chain, event.seq, event.pk), f"the row differs from {label}"
            prev_hash, last_seq, last_pk = event.hash, event.seq, event.pk
            verified += 1
        broken = _end_broken(chain, head, exported, anchors, last_seq, last_pk)
        if broken:
            return verified, *broken
    return verified, None, ""


def _end_broken(
    chain: str,
    head: Checkpoint | None,
    exported: Checkpoint | None,
    anchors: list[tuple[Checkpoint, str]],
    last_seq: int,
    last_pk: int | None,
) -> tuple[Break, str] | None:
    """(Break, reason) when the chain's head or the exported checkpoint is not sealed with the
    key, when the chain ends before what they name, or runs on past its head; None when not."""
    if head is None:
        return Break(
            chain, last_seq, last_pk
        ), "the chain has no head: whether rows were cut off its end cannot be told"
    if not head.is_sealed():
        return Break(chain, head.seq), "the head's seal does not match: it was not written with the audit key"
    if exported is not None and not exported.is_sealed():
        return Break(chain, exported.seq), (
            "the exported checkpoint's seal does not match: it was not written with this audit key"
        )
    for anchor, label in anchors:
        if anchor.seq > last_seq:
            return Break(chain, last_seq + 1), (
                f"missing: the chain ends at seq {last_seq}, {label} names seq {anchor.seq}: "
                f"{anchor.seq - last_seq} row(s) cut off the end"
            )
    now = _head(chain)
    if now is None or not now.is_sealed():
        return Break(
            chain, last_seq, last_pk
        ), "the head was removed or replaced without the audit key during the walk"
    if now.seq < last_seq:
        beyond = AuditEvent.objects.filter(chain=chain, seq=now.seq + 1).values_list("pk", flat=True).first()
        return Break(
            chain, now.seq + 1, beyond
        ), f"the row lies beyond the chain's sealed head (seq {now.seq})"
    return None
