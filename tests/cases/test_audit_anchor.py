"""The audit chains' sealed heads and the checkpoints exported outside the database: rows cut
off the end of a chain are found, and a head, a chain or a checkpoint sealed without the key
is refused (cases.audit, cases.audit_anchor, ``verify_audit --checkpoint``)."""

import datetime
import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from cases import audit
from cases.audit_anchor import ChainBehindExport, export_checkpoints, read_checkpoints
from cases.models import AuditEvent, AuditHead
from tests.cases.test_audit import (
    REFUSAL,
    append_only_guards_lifted,
    broken_row_message,
    change_events,
    deviation,
    run_verify_audit,
)
from tests.queries import assert_num_queries

ATTACKER_KEY = "a-key-of-the-attackers-own-choosing-0123456789"
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def head(chain=AuditEvent.Chain.CHANGE):
    return audit.Checkpoint.of(AuditHead.objects.get(chain=chain))


def sealed_with(key, chain, seq, row_hash, sealed_at):
    with override_settings(AUDIT_HMAC_KEY=key):
        return audit.seal_head(chain, seq, row_hash, sealed_at)


def set_head(cursor, seq, row_hash, sealed_at, seal, chain=AuditEvent.Chain.CHANGE):
    cursor.execute(
        "UPDATE cases_audithead SET seq = %s, hash = %s, sealed_at = %s, seal = %s WHERE chain = %s",
        [seq, row_hash, connection.ops.adapt_datetimefield_value(sealed_at), seal, chain],
    )


def cut(cursor, events):
    cursor.execute(
        f"DELETE FROM cases_auditevent WHERE id IN ({', '.join(['%s'] * len(events))})",
        [e.pk for e in events],
    )


def write_checkpoint(path, checkpoint, **extra):
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps({**checkpoint.as_dict(), **extra}) + "\n")


@pytest.fixture
def rows(cast, org):
    """A change chain of a dozen rows: the cast's role grants plus three filings."""
    for _ in range(3):
        deviation(cast, org)
    return list(change_events())


def call_verify_audit(*args):
    """The command inside the test's transaction (``run_verify_audit`` closes the connection,
    as the real process does): (exit status, output, error message)."""
    out = io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def missing_message(first_missing, reason_start):
    return f"chain=change seq={first_missing}: missing: {reason_start}"


# The head, written by every append.


def test_every_append_moves_its_chains_sealed_head_to_the_new_row(cast, org):
    deviation(cast, org)
    audit.record_read("report.viewed", actor=cast["manager_a"], report_ids=[1])

    for chain in AuditEvent.Chain.values:
        last = AuditEvent.objects.filter(chain=chain).order_by("seq").last()
        assert head(chain) == audit.Checkpoint(chain, last.seq, last.hash, last.occurred_at, head(chain).seal)
        assert head(chain).is_sealed()


def test_an_append_takes_three_statements_on_both_databases(cast, org):
    """The chain's head read with its row lock, the row's INSERT, the head's upsert: the lock
    that PostgreSQL took as an advisory lock of its own is the head's row lock now."""
    with transaction.atomic(), assert_num_queries(3):
        audit.record_read("report.viewed", actor=cast["manager_a"], report_ids=[1])


def test_verify_accepts_rows_appended_while_it_walks_the_chain(cast, org, monkeypatch):
    """verify_audit runs daily on a live system: a row appended after it read the head is not
    a row beyond the head, nor is its head a head without its row."""
    deviation(cast, org)
    read, appended = audit._head, []

    def head_then_append(chain):
        found = read(chain)
        if chain == AuditEvent.Chain.CHANGE and not appended:
            appended.append(deviation(cast, org))
        return found

    monkeypatch.setattr(audit, "_head", head_then_append)

    assert audit.verify() == (change_events().count(), None, "")
    assert appended


def test_a_heads_seal_is_not_a_rows_hash(cast, org):
    deviation(cast, org)
    last = change_events().last()

    assert not audit.Checkpoint("change", last.seq, last.hash, last.occurred_at, last.hash).is_sealed()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE cases_audithead SET seq = seq - 1 WHERE chain = 'change'",
        "UPDATE cases_audithead SET hash = 'x' WHERE chain = 'change'",
        "DELETE FROM cases_audithead WHERE chain = 'change'",
    ],
)
def test_the_database_lets_a_head_only_move_forward(statement, cast, org):
    deviation(cast, org)
    before = head()

    with pytest.raises(REFUSAL[connection.vendor], match="only moves forward"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)

    assert head() == before


# Cutting rows off the end, behind the lifted triggers.


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("count", [1, 4])
def test_verify_audit_finds_rows_cut_off_the_end(count, rows, capsys):
    with append_only_guards_lifted(), connection.cursor() as cursor:
        cut(cursor, rows[-count:])

    code, out, err = run_verify_audit(capsys)

    kept = len(rows) - count
    assert (code, out) == (1, "")
    assert missing_message(kept + 1, f"the chain ends at seq {kept}, its head (sealed at ") in err
    assert f"names seq {len(rows)}: {count} row(s) cut off the end ({kept} rows verified before it)" in err


@pytest.mark.django_db(transaction=True)
def test_verify_audit_finds_a_chain_emptied_with_its_head(rows, capsys):
    with append_only_guards_lifted(), connection.cursor() as cursor:
        cut(cursor, rows)
        cursor.execute("DELETE FROM cases_audithead WHERE chain = 'change'")

    code, out, err = run_verify_audit(capsys)

    assert code == 1
    assert (
        "chain=change seq=0: the chain has no head: whether rows were cut off its end cannot be told" in err
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seal", ["attackers_key", "row_hash"])
def test_verify_audit_refuses_a_head_moved_back_without_the_key(seal, rows, capsys):
    """Rows cut off, and the head set to the new last row: sealed with a key of the attacker's
    own, or with the row's hash (an HMAC of the real key, but of another message)."""
    last = rows[-3]
    forged = {
        "attackers_key": sealed_with(ATTACKER_KEY, "change", last.seq, last.hash, last.occurred_at),
        "row_hash": last.hash,
    }[seal]
    with append_only_guards_lifted(), connection.cursor() as cursor:
        cut(cursor, rows[-2:])
        set_head(cursor, last.seq, last.hash, last.occurred_at, forged)

    code, out, err = run_verify_audit(capsys)

    assert code == 1
    assert (
        f"chain=change seq={last.seq}: the head's seal does not match: it was not written with the audit key "
        f"({len(rows) - 2} rows verified before it)"
    ) in err


@pytest.mark.django_db(transaction=True)
def test_verify_audit_finds_rows_beyond_a_head_put_back_from_earlier(cast, org, rows, capsys):
    kept = head()
    deviation(cast, org)
    with append_only_guards_lifted(), connection.cursor() as cursor:
        set_head(cursor, kept.seq, kept.hash, kept.sealed_at, kept.seal)

    code, out, err = run_verify_audit(capsys)

    beyond = change_events().get(seq=kept.seq + 1)
    assert code == 1
    assert broken_row_message(beyond, f"the row lies beyond the chain's sealed head (seq {kept.seq})") in err


@pytest.mark.django_db(transaction=True)
def test_verify_audit_finds_a_chain_rewritten_and_resealed_with_another_key(rows, capsys):
    """The attacker rewrites the tail with proper HMACs and a sealed head, but under a key of
    their own: the first rewritten row does not match under the real one."""
    victim = rows[-4]
    prev_hash = victim.prev_hash
    with (
        append_only_guards_lifted(),
        connection.cursor() as cursor,
        override_settings(AUDIT_HMAC_KEY=ATTACKER_KEY),
    ):
        for event in rows[-4:]:
            if event.pk == victim.pk:
                event.payload = {**event.payload, "case_number": "SN 1999/0001"}
            event.prev_hash, event.hash = prev_hash, audit.compute_hash(prev_hash, event)
            cursor.execute(
                "UPDATE cases_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.payload), event.prev_hash, event.hash, event.pk],
            )
            prev_hash = event.hash
        last = rows[-1]
        set_head(
            cursor,
            last.seq,
            last.hash,
            last.occurred_at,
            audit.seal_head("change", last.seq, last.hash, last.occurred_at),
        )

    code, out, err = run_verify_audit(capsys)

    assert code == 1
    assert broken_row_message(victim, "HMAC does not match the row's content") in err


@pytest.mark.django_db(transaction=True)
def test_a_head_kept_from_earlier_is_caught_by_the_exported_checkpoint(cast, org, rows, capsys, settings):
    """Whoever kept a copy of an earlier head (a backup) can cut the rows after it and put the
    copy back: a valid chain with a validly sealed head. Only what was exported outside the
    database meanwhile still names the rows cut off; the export job refuses to go on too."""
    kept = head()
    for _ in range(2):
        deviation(cast, org)
    added = list(change_events())[len(rows) :]
    assert export_checkpoints(timezone.now()) == 2
    with append_only_guards_lifted(), connection.cursor() as cursor:
        cut(cursor, added)
        set_head(cursor, kept.seq, kept.hash, kept.sealed_at, kept.seal)

    assert run_verify_audit(capsys)[0] == 0
    code, out, err = run_verify_audit(capsys, "--checkpoint", str(settings.AUDIT_CHECKPOINT_DIR))

    assert code == 1
    assert (
        missing_message(kept.seq + 1, f"the chain ends at seq {kept.seq}, the exported checkpoint sealed at ")
        in err
    )
    assert f"names seq {kept.seq + len(added)}: {len(added)} row(s) cut off the end" in err
    with pytest.raises(
        ChainBehindExport, match=f"the head \\(seq {kept.seq}\\) is behind the checkpoint exported"
    ):
        export_checkpoints(timezone.now() + datetime.timedelta(hours=1))


@pytest.mark.django_db(transaction=True)
def test_a_chain_rewritten_with_the_real_key_is_caught_by_the_exported_checkpoint(rows, capsys, settings):
    """Someone holding both the database and the key re-seals a rewritten tail: the chain and
    its head are valid, but no longer hold the hash exported before."""
    export_checkpoints(NOW)
    exported = rows[-1]
    prev_hash = rows[-3].prev_hash
    with append_only_guards_lifted(), connection.cursor() as cursor:
        for event in rows[-3:]:
            event.payload = {**event.payload, "rewritten": True}
            event.prev_hash, event.hash = prev_hash, audit.compute_hash(prev_hash, event)
            cursor.execute(
                "UPDATE cases_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.payload), event.prev_hash, event.hash, event.pk],
            )
            prev_hash = event.hash
        set_head(
            cursor,
            exported.seq,
            prev_hash,
            exported.occurred_at,
            audit.seal_head("change", exported.seq, prev_hash, exported.occurred_at),
        )

    assert run_verify_audit(capsys)[0] == 0
    code, out, err = run_verify_audit(capsys, "--checkpoint", str(settings.AUDIT_CHECKPOINT_DIR))

    assert code == 1
    assert broken_row_message(exported, "the row differs from the exported checkpoint sealed at ") in err


# The exported checkpoints.


def test_verify_audit_confirms_an_intact_chain_against_its_export(rows, settings):
    export_checkpoints(NOW)

    code, out, err = call_verify_audit("--checkpoint", str(settings.AUDIT_CHECKPOINT_DIR))

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Audit trail intact: {len(rows)} rows verified.",
        f"Chain access holds its exported checkpoint sealed at {head('access').sealed_at.isoformat()} (seq 0).",
        f"Chain change holds its exported checkpoint sealed at {head().sealed_at.isoformat()} (seq {len(rows)}).",
    ]


def test_verify_audit_refuses_a_checkpoint_sealed_with_another_key(rows, tmp_path):
    last = rows[-1]
    forged = audit.Checkpoint(
        "change",
        last.seq + 5,
        "f" * 64,
        last.occurred_at,
        sealed_with(ATTACKER_KEY, "change", last.seq + 5, "f" * 64, last.occurred_at),
    )
    write_checkpoint(tmp_path / "forged.jsonl", forged)

    code, out, err = call_verify_audit("--checkpoint", str(tmp_path / "forged.jsonl"))

    assert code == 1
    assert (
        f"chain=change seq={last.seq + 5}: the exported checkpoint's seal does not match: it was not written "
        f"with this audit key"
    ) in err


@pytest.mark.parametrize("content", ["not json\n", '{"chain": "change", "seq": 3}\n', ""])
def test_verify_audit_exits_2_when_the_checkpoint_file_is_not_one(content, rows, tmp_path):
    path = tmp_path / "audit-checkpoints-2026-03-02.jsonl"
    path.write_text(content)

    code, out, err = call_verify_audit("--checkpoint", str(path))

    assert code == 2
    assert str(path) in err and "Audit trail intact" not in out


def test_the_export_job_writes_each_chains_head_to_the_file_of_the_day_and_to_the_log(rows, settings, caplog):
    caplog.set_level(logging.INFO, logger="cases.audit.checkpoint")

    assert export_checkpoints(NOW) == 2

    path = settings.AUDIT_CHECKPOINT_DIR / "audit-checkpoints-2026-03-02.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [
        {**head(chain).as_dict(), "exported_at": NOW.isoformat()} for chain in ("access", "change")
    ]
    assert read_checkpoints(path)["change"] == (head(), NOW)
    assert [r.getMessage() for r in caplog.records] == [
        f"Audit checkpoint {json.dumps(line, sort_keys=True)}" for line in lines
    ]


def test_the_export_job_writes_again_once_the_head_moved_and_the_interval_passed(cast, org, rows, settings):
    settings.AUDIT_CHECKPOINT_MINUTES = 15
    assert export_checkpoints(NOW) == 2
    deviation(cast, org)

    assert export_checkpoints(NOW + datetime.timedelta(minutes=14)) == 0  # moved, within the interval
    assert export_checkpoints(NOW + datetime.timedelta(minutes=15)) == 1  # the change chain only
    assert export_checkpoints(NOW + datetime.timedelta(minutes=60)) == 0  # nothing moved since
    assert read_checkpoints(settings.AUDIT_CHECKPOINT_DIR)["change"] == (
        head(),
        NOW + datetime.timedelta(minutes=15),
    )


def test_the_export_job_refuses_a_head_that_contradicts_the_last_export(rows, settings):
    """A last export ahead of the head, or naming a row whose hash has changed: the job raises
    (the scheduler logs it) and exports nothing for that chain."""
    last = rows[-1]
    ahead = audit.Checkpoint(
        "change",
        last.seq + 2,
        "e" * 64,
        last.occurred_at,
        audit.seal_head("change", last.seq + 2, "e" * 64, last.occurred_at),
    )
    path = settings.AUDIT_CHECKPOINT_DIR / "audit-checkpoints-2026-03-01.jsonl"
    write_checkpoint(path, ahead, exported_at=NOW.isoformat())

    with pytest.raises(ChainBehindExport, match=f"chain change: the head \\(seq {last.seq}\\) is behind"):
        export_checkpoints(NOW)

    changed = audit.Checkpoint(
        "change", 2, "d" * 64, last.occurred_at, audit.seal_head("change", 2, "d" * 64, last.occurred_at)
    )
    path.write_text(json.dumps({**changed.as_dict(), "exported_at": NOW.isoformat()}) + "\n")
    with pytest.raises(ChainBehindExport, match="chain change: row seq 2 no longer has the hash exported"):
        export_checkpoints(NOW)

    written = [
        json.loads(line)
        for file in settings.AUDIT_CHECKPOINT_DIR.glob("*-03-02.jsonl")
        for line in file.read_text().splitlines()
    ]
    assert [line["chain"] for line in written] == ["access"]


def test_the_scheduler_runs_the_export_every_round(rows, settings):
    assert "cases.audit_anchor.export_checkpoints" in settings.SCHEDULER_JOBS

    assert import_string("cases.audit_anchor.export_checkpoints")(NOW) == 2
