"""The audit chains' heads, exported outside the database (docs/operations.md, "The audit trail").

The scheduler's job ``export_checkpoints`` appends each chain's sealed head, when it has moved
and at most every ``AUDIT_CHECKPOINT_MINUTES``, as one JSON line to a file of the day in
``AUDIT_CHECKPOINT_DIR`` (``audit-checkpoints-YYYY-MM-DD.jsonl``), and logs the same line
(logger ``cases.audit.checkpoint``). An operator keeps that directory where the database's
administrators cannot rewrite it; ``verify_audit --checkpoint`` compares the chains with it.

Before it writes, the job checks the new head against the last one exported: a head behind
it, or a row that no longer has the exported hash, is an alarm (the job fails, which the
scheduler logs) and nothing is exported, so a shortened chain is never anchored.
"""

import datetime
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.audit import Checkpoint
from cases.models import AuditEvent, AuditHead

logger = logging.getLogger("cases.audit.checkpoint")
PATTERN = "audit-checkpoints-*.jsonl"


class CheckpointFileError(ValueError):
    """An exported checkpoint file that cannot be read as one."""


class ChainBehindExport(RuntimeError):
    """The database no longer holds what was exported: rows cut off or rewritten."""


def parse_line(line, where):
    try:
        data = json.loads(line)
        sealed_at = parse_datetime(data["sealed_at"])
        if sealed_at is None:
            raise ValueError("sealed_at is not a time")
        return Checkpoint(
            str(data["chain"]), int(data["seq"]), str(data["hash"]), sealed_at, str(data["seal"])
        ), parse_datetime(data.get("exported_at", "")) or sealed_at
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointFileError(f"{where}: not an exported audit checkpoint ({error})") from error


def read_checkpoints(path):
    """{chain: (newest Checkpoint, when it was exported)} from one exported file or from every
    file of a directory; the newest is the one with the highest ``seq``."""
    path = Path(path)
    files = sorted(path.glob(PATTERN)) if path.is_dir() else [path]
    newest = {}
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CheckpointFileError(f"{file}: cannot be read ({error})") from error
        for number, line in enumerate(lines, start=1):
            if line.strip():
                checkpoint, exported_at = parse_line(line, f"{file}, line {number}")
                if checkpoint.chain not in newest or checkpoint.seq >= newest[checkpoint.chain][0].seq:
                    newest[checkpoint.chain] = (checkpoint, exported_at)
    return newest


def _last_exported(directory):
    """The newest exported checkpoint of each chain, reading the day files from the newest back
    only as far as needed."""
    found = {}
    for file in sorted(directory.glob(PATTERN), reverse=True):
        for chain, entry in read_checkpoints(file).items():
            found.setdefault(chain, entry)
        if set(found) >= set(AuditEvent.Chain.values):
            break
    return found


def _row_hash(chain, seq):
    return AuditEvent.objects.filter(chain=chain, seq=seq).values_list("hash", flat=True).first()


def _problems(head, previous):
    """Why this head must not be exported: its seal, its row, and the last export it must extend."""
    if not head.is_sealed():
        return [f"chain {head.chain}: the head's seal does not match the audit key"]
    if head.seq and _row_hash(head.chain, head.seq) != head.hash:
        return [
            f"chain {head.chain}: the head names seq {head.seq}, which the chain does not hold with that hash"
        ]
    if previous is None:
        return []
    if head.seq < previous.seq:
        return [
            f"chain {head.chain}: the head (seq {head.seq}) is behind the checkpoint exported at "
            f"{previous.sealed_at.isoformat()} (seq {previous.seq}): rows were cut off the end"
        ]
    if previous.seq and _row_hash(head.chain, previous.seq) != previous.hash:
        return [
            f"chain {head.chain}: row seq {previous.seq} no longer has the hash exported at "
            f"{previous.sealed_at.isoformat()}: the chain was rewritten"
        ]
    return []


def export_checkpoints(now):
    """The scheduler's job. Returns how many checkpoints it wrote; raises ``ChainBehindExport``
    (after writing those of the intact chains) when a chain contradicts its last export."""
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    previous = _last_exported(directory)
    interval = datetime.timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES)
    lines, problems = [], []
    for head in map(Checkpoint.of, AuditHead.objects.order_by("chain")):
        last, exported_at = previous.get(head.chain, (None, None))
        found = _problems(head, last)
        if found:
            problems += found
            continue
        if last is not None and (head.seq == last.seq or now - exported_at < interval):
            continue
        lines.append(
            json.dumps(
                {**head.as_dict(), "exported_at": now.astimezone(datetime.UTC).isoformat()}, sort_keys=True
            )
        )
    if lines:
        path = directory / f"audit-checkpoints-{timezone.localdate(now).isoformat()}.jsonl"
        with open(path, "a", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())
        for line in lines:
            logger.info("Audit checkpoint %s", line)
    if problems:
        for problem in problems:
            logger.error("Audit trail contradicts its exported checkpoint: %s", problem)
        raise ChainBehindExport("; ".join(problems))
    return len(lines)
