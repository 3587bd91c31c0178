"""The audit trail: one chained row per change, a database that refuses edits, and
verify_audit finding every kind of tampering (stack-notes §4.2)."""

import contextlib
import hashlib
import importlib
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection, transaction
from django.db.utils import IntegrityError, ProgrammingError
from django.test import override_settings
from django.utils import timezone

from cases import audit, audit_actions, selectors, services
from cases.models import AppendOnlyError, AuditEvent, InvestigationEntry, Report, Role
from cases.services import (
    do_add_action,
    do_add_affected_person,
    do_add_attachment,
    do_add_cause,
    do_add_information_event,
    do_add_investigation_entry,
    do_decide_ivo_notification,
    do_grant_investigator,
    do_grant_role,
    do_notification_transition,
    do_revoke_role,
    do_route,
    do_set_risk,
    do_transition,
    do_update_action,
)
from tests import factories

triggers = importlib.import_module("cases.migrations.0002_append_only_triggers")
head_triggers = importlib.import_module("cases.migrations.0015_audit_head")

REQUEST = {"request_id": "req-5e1f0c", "ip": "203.0.113.7"}

# What each database raises when the append-only trigger fires, both DatabaseErrors: SQLite's
# RAISE(ABORT) is a constraint error; PostgreSQL's RAISE EXCEPTION is SQLSTATE P0001, which
# psycopg 3 files under ProgrammingError.
REFUSAL = {"sqlite": IntegrityError, "postgresql": ProgrammingError}


def change_events():
    return AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE).order_by("seq")


def deviation(cast, org):
    return factories.file("deviation", cast["reporter"], org.unit_a)


def registered_lex_sarah(cast, org):
    return factories.walk_to(factories.file("lex_sarah", cast["reporter"], org.unit_a), "registered", cast)


def entry_data(**extra):
    return {
        "text": "Signeringslistan saknades.",
        "entry_date": timezone.localdate(),
        "source": "Intervju",
        "nature": "fact",
        **extra,
    }


# Each scenario prepares its case outside the request and returns (acting user, expected
# action, the one service call under test); the call returns (object, report id).


def filing(cast, org):
    def call():
        report = deviation(cast, org)
        return report, report.pk

    return cast["reporter"], "report.filed", call


def transition(cast, org):
    report = deviation(cast, org)

    def call():
        done = do_transition(
            report.pk,
            "assess",
            acting_user=cast["manager_a"],
            data=factories.transition_data(report, "assess"),
        )
        return done, report.pk

    return cast["manager_a"], "report.assess", call


def affected_person(cast, org):
    report = deviation(cast, org)

    def call():
        person = do_add_affected_person(
            report.pk, acting_user=cast["manager_a"], data={"name": "Brukare B", "role": "Brukare"}
        )
        return person, report.pk

    return cast["manager_a"], "person.added", call


def investigation_entry(cast, org):
    report = deviation(cast, org)

    def call():
        entry = do_add_investigation_entry(report.pk, acting_user=cast["manager_a"], data=entry_data())
        return entry, report.pk

    return cast["manager_a"], "investigation_entry.added", call


def risk(cast, org):
    report = deviation(cast, org)

    def call():
        done = do_set_risk(report.pk, acting_user=cast["manager_a"], data={"probability": 2, "severity": 3})
        return done, report.pk

    return cast["manager_a"], "risk.assessed", call


def cause(cast, org):
    report = deviation(cast, org)

    def call():
        added = do_add_cause(
            report.pk, acting_user=cast["manager_a"], data={"description": "Stress vid passbyte."}
        )
        return added, report.pk

    return cast["manager_a"], "cause.added", call


def action(cast, org):
    report = deviation(cast, org)

    def call():
        added = do_add_action(
            report.pk,
            acting_user=cast["manager_a"],
            data={
                "description": "Ny rutin för signering.",
                "kind": "corrective",
                "owner": cast["manager_a"].pk,
                "due_date": timezone.localdate().isoformat(),
            },
        )
        return added, report.pk

    return cast["manager_a"], "action.added", call


def action_update(cast, org):
    report = deviation(cast, org)
    added = do_add_action(
        report.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Ny rutin för signering.",
            "kind": "corrective",
            "owner": cast["manager_a"].pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )

    def call():
        updated = do_update_action(
            report.pk, added.pk, acting_user=cast["manager_a"], data={"status": "in_progress"}
        )
        return updated, report.pk

    return cast["manager_a"], "action.updated", call


def information_event(cast, org):
    report = deviation(cast, org)
    person = do_add_affected_person(report.pk, acting_user=cast["manager_a"], data={"name": "Brukare B"})

    def call():
        event = do_add_information_event(
            report.pk,
            acting_user=cast["manager_a"],
            data={"person": person.pk, "informed_at": factories.ago(minutes=10), "channel": "Telefon"},
        )
        return event, report.pk

    return cast["manager_a"], "person.informed", call


def attachment(cast, org):
    report = deviation(cast, org)

    def call():
        upload = SimpleUploadedFile(
            "anteckning.txt", b"Anteckning fran kvallspasset.", content_type="text/plain"
        )
        added = do_add_attachment(report.pk, acting_user=cast["reporter"], upload=upload)
        return added, report.pk

    return cast["reporter"], "attachment.added", call


def role_granted(cast, org):
    admin = get_user_model().objects.create_superuser(
        username="admin", password="x", email="admin@kommun.example"
    )

    def call():
        do_grant_role(cast["outsider"], Role.UNIT_MANAGER, org.unit_c, acting_user=admin)
        return org.unit_c, None

    return admin, "role.granted", call


def role_revoked(cast, org):
    admin = get_user_model().objects.create_superuser(
        username="admin", password="x", email="admin@kommun.example"
    )

    def call():
        do_revoke_role(cast["manager_b"], Role.UNIT_MANAGER, org.unit_b, acting_user=admin)
        return org.unit_b, None

    return admin, "role.revoked", call


def user_deactivated(cast, org):
    admin = get_user_model().objects.create_superuser(
        username="admin", password="x", email="admin@kommun.example"
    )

    def call():
        services.do_deactivate_user(cast["manager_b"], acting_user=admin)
        return cast["manager_b"], None

    return admin, "user.deactivated", call


def investigator_granted(cast, org):
    report = registered_lex_sarah(cast, org)

    def call():
        do_grant_investigator(report.pk, cast["outsider"], acting_user=cast["sas"])
        return report, report.pk

    return cast["sas"], "investigator.granted", call


def ivo_notification_decided(cast, org):
    report = registered_lex_sarah(cast, org)

    def call():
        notification = do_decide_ivo_notification(
            report.pk,
            acting_user=cast["decision_maker"],
            data={"decision": "Allvarligt missförhållande; anmäls."},
        )
        return notification, report.pk

    return cast["decision_maker"], "notification.decided", call


def ivo_notification_submitted(cast, org):
    report = registered_lex_sarah(cast, org)
    notification = do_decide_ivo_notification(
        report.pk,
        acting_user=cast["decision_maker"],
        data={"decision": "Allvarligt missförhållande; anmäls."},
    )

    def call():
        submitted = do_notification_transition(
            report.pk,
            notification.pk,
            "submit",
            acting_user=cast["sas"],
            data={"submitted_at": factories.ago(minutes=1), "channel": "e_service"},
        )
        return submitted, report.pk

    return cast["sas"], "notification.submit", call


def key_time_corrected(cast, org):
    report = factories.file("data_breach", cast["reporter"], org.unit_a)

    def call():
        corrected = services.do_correct_key_time(
            report.pk,
            acting_user=cast["dso"],
            data={
                "field": "discovered_at",
                "value": factories.ago(hours=5),
                "reason": "Upptäcktes redan på morgonen.",
            },
        )
        return corrected, report.pk

    return cast["dso"], "report.key_time_corrected", call


def filing_with_details(cast, org):
    def call():
        report = services.do_file_report_with_details(
            acting_user=cast["reporter"],
            data={
                "type": "deviation",
                "unit": org.unit_a.pk,
                "description": "Fel dos.",
                "occurred_at": factories.ago(hours=1),
            },
        )
        return report, report.pk

    return cast["reporter"], "report.filed", call


def public_complaint(org):
    return services.do_file_public_submission(
        data={"unit": org.unit_a.pk, "kind": "klagomal", "description": "Ingen kom."}
    )


def question_to_submitter(cast, org):
    report, _code = public_complaint(org)

    def call():
        message = services.do_ask_submitter(report.pk, acting_user=cast["manager_a"], data={"text": "När?"})
        return message, report.pk

    return cast["manager_a"], "complaint.question", call


def feedback_to_reporter(cast, org):
    report = deviation(cast, org)

    def call():
        message = services.do_give_reporter_feedback(
            report.pk, acting_user=cast["manager_a"], data={"text": "Tack!"}
        )
        return message, report.pk

    return cast["manager_a"], "reporter.feedback_given", call


SERVICE_CALLS = {
    "do_file_report_with_details": filing_with_details,
    "do_ask_submitter": question_to_submitter,
    "do_give_reporter_feedback": feedback_to_reporter,
    "do_file_report": filing,
    "do_transition": transition,
    "do_add_affected_person": affected_person,
    "do_add_investigation_entry": investigation_entry,
    "do_set_risk": risk,
    "do_add_cause": cause,
    "do_add_action": action,
    "do_update_action": action_update,
    "do_add_information_event": information_event,
    "do_add_attachment": attachment,
    "do_grant_role": role_granted,
    "do_revoke_role": role_revoked,
    "do_deactivate_user": user_deactivated,
    "do_grant_investigator": investigator_granted,
    "do_decide_ivo_notification": ivo_notification_decided,
    "do_notification_transition": ivo_notification_submitted,
    "do_correct_key_time": key_time_corrected,
}


def test_every_service_function_has_an_audit_scenario_here():
    # do_route writes two rows, one per case; the public submitter acts without an account:
    # each has a test of its own below. do_import_reports writes one per imported case and one
    # for the file: tests/compilations/test_import.py. do_approve_summary needs a closed lex
    # Sarah case: tests/compilations/test_summary_reviews.py checks its row. do_save_chapter_texts
    # (the SAS's texts of the kvalitetsberättelse): tests/compilations/test_quality_chapter_page.py.
    # The corrections (reopen, withdraw, merge: two cases; an earlier description kept) check
    # their rows in tests/cases/test_corrections.py, the delegation register's batch in
    # tests/web/test_delegations.py (one row per decision).
    assert {name for name in services.__all__ if name.startswith("do_")} == {
        *SERVICE_CALLS,
        "do_route",
        "do_file_public_submission",
        "do_answer_as_submitter",
        "do_import_reports",
        "do_approve_summary",
        "do_save_chapter_texts",
        "do_reopen_report",
        "do_withdraw_report",
        "do_merge_reports",
        "do_edit_description",
        "do_mark_delegations_reported",
    }


def test_the_public_submitter_leaves_rows_without_an_actor(cast, org):
    before = change_events().count()
    with audit.request_context(**REQUEST):
        report, code = public_complaint(org)
        services.do_ask_submitter(report.pk, acting_user=cast["manager_a"], data={"text": "När?"})
        message = services.do_answer_as_submitter(code, data={"text": "På kvällen."})
    events = list(change_events()[before:])
    assert [(e.action, e.actor_id, e.report_id) for e in events] == [
        ("report.filed", None, report.pk),
        ("receipt.issued", None, report.pk),
        ("complaint.question", cast["manager_a"].pk, report.pk),
        ("complaint.submitter_answered", None, report.pk),
    ]
    assert events[-1].object_id == str(message.pk)
    assert code not in json.dumps([e.payload for e in events])


@pytest.mark.parametrize("scenario", SERVICE_CALLS.values(), ids=SERVICE_CALLS.keys())
def test_every_service_call_writes_one_change_row_with_who_what_and_where(
    scenario, cast, org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user, expected_action, call = scenario(cast, org)
    before = change_events().count()
    with audit.request_context(**REQUEST):
        obj, report_id = call()

    [event] = change_events()[before:]
    assert (event.actor_id, event.actor_name) == (user.pk, user.display_name)
    assert event.action == expected_action
    assert (event.object_type, event.object_id) == (obj._meta.label_lower, str(obj.pk))
    assert event.report_id == report_id
    assert (event.request_id, event.ip) == (REQUEST["request_id"], REQUEST["ip"])
    assert not AuditEvent.objects.filter(chain=AuditEvent.Chain.ACCESS).exists()


def test_routing_writes_one_row_on_each_of_the_two_cases(cast, org):
    source = deviation(cast, org)
    before = change_events().count()
    with audit.request_context(**REQUEST):
        target = do_route(
            source.pk,
            acting_user=cast["manager_a"],
            data={"target_type": "lex_sarah", "reason": "Kan vara ett missförhållande."},
        )

    events = list(change_events()[before:])
    assert [(e.action, e.report_id, e.object_id) for e in events] == [
        ("report.filed", target.pk, str(target.pk)),
        ("report.routed", source.pk, str(source.pk)),
    ]
    assert {(e.actor_id, e.request_id, e.ip) for e in events} == {(cast["manager_a"].pk, *REQUEST.values())}


def test_a_change_outside_a_request_has_no_request_id_or_ip(cast, org):
    report = deviation(cast, org)
    event = change_events().last()
    assert (event.report_id, event.request_id, event.ip) == (report.pk, "", None)


def test_a_change_whose_audit_row_fails_does_not_commit_even_if_the_error_is_caught(cast, org, monkeypatch):
    report = deviation(cast, org)

    def refuse(*args, **kwargs):
        raise IntegrityError("simulated failure of the audit insert")

    monkeypatch.setattr(AuditEvent, "save", refuse)
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(description="Ändrad utan spår.")
        with contextlib.suppress(IntegrityError):
            audit.record("cause.added", actor=cast["manager_a"], obj=report, report_id=report.pk)

    assert Report.objects.get(pk=report.pk).description == report.description


def test_the_hmac_depends_on_the_key_outside_the_database(cast, org):
    deviation(cast, org)
    assert audit.verify()[1] is None

    with override_settings(AUDIT_HMAC_KEY="a-key-the-rows-were-not-sealed-with"):
        verified, broken, reason = audit.verify()

    first = change_events().first()
    assert (verified, broken, reason) == (
        0,
        audit.Break("change", 1, first.pk),
        "HMAC does not match the row's content",
    )


def test_the_case_timeline_lists_that_cases_change_rows_in_order(cast, org):
    report = deviation(cast, org)
    other = deviation(cast, org)
    do_add_cause(other.pk, acting_user=cast["manager_a"], data={"description": "Ett annat ärende."})
    do_transition(
        report.pk, "assess", acting_user=cast["manager_a"], data=factories.transition_data(report, "assess")
    )
    do_add_cause(report.pk, acting_user=cast["manager_a"], data={"description": "Stress vid passbyte."})
    audit.record_read("report.viewed", actor=cast["manager_a"], report_ids=[report.pk])

    timeline = list(selectors.report_timeline(cast["manager_a"], report))

    assert [e.action for e in timeline] == ["report.filed", "report.assess", "cause.added"]
    assert [e.seq for e in timeline] == sorted(e.seq for e in timeline)
    assert {e.report_id for e in timeline} == {report.pk}


# The database's own refusal, tried with raw SQL so that no model code stands in the way.


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE cases_auditevent SET action = 'report.nothing' WHERE id = %s",
        "DELETE FROM cases_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_an_audit_row(statement, cast, org):
    deviation(cast, org)
    event = change_events().last()

    with pytest.raises(REFUSAL[connection.vendor], match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "report.filed"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE cases_investigationentry SET text = 'Omskriven.' WHERE id = %s",
        "DELETE FROM cases_investigationentry WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_an_investigation_entry(statement, cast, org):
    report = deviation(cast, org)
    entry = do_add_investigation_entry(report.pk, acting_user=cast["manager_a"], data=entry_data())

    with pytest.raises(REFUSAL[connection.vendor], match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])

    assert InvestigationEntry.objects.get(pk=entry.pk).text == entry.text


def test_the_model_refuses_to_save_an_existing_investigation_entry(cast, org):
    report = deviation(cast, org)
    entry = do_add_investigation_entry(report.pk, acting_user=cast["manager_a"], data=entry_data())
    entry.text = "Omskriven."

    with pytest.raises(AppendOnlyError):
        entry.save()


def test_verify_audit_reports_an_intact_chain_with_its_row_count(cast, org):
    deviation(cast, org)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)

    assert out.getvalue().strip() == f"Audit trail intact: {AuditEvent.objects.count()} rows verified."


def test_verify_audit_called_from_code_raises_on_a_broken_chain(cast, org):
    deviation(cast, org)

    with override_settings(AUDIT_HMAC_KEY="another-key"), pytest.raises(CommandError) as raised:
        call_command("verify_audit")

    assert raised.value.returncode == 1
    assert "chain=change seq=1 " in str(raised.value)


# Tampering. The append-only triggers (and those that let a chain's head only move forward)
# are lifted and restored through the migrations' own functions, as an attacker with DDL
# rights would; schema changes need a real transaction boundary on SQLite, hence
# transactional tests.


@contextlib.contextmanager
def append_only_guards_lifted():
    with connection.schema_editor() as editor:
        triggers.drop(None, editor)
        head_triggers.drop_guards(None, editor)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            triggers.create(None, editor)
            head_triggers.create_guards(None, editor)


def run_verify_audit(capsys, *args):
    """The command as cron runs it, so the exit status is the real one."""
    try:
        execute_from_command_line(["manage.py", "verify_audit", *args])
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def chain(cast, org):
    """A change chain of a dozen rows: the cast's role grants plus three filings."""
    for _ in range(3):
        deviation(cast, org)
    return list(change_events())


def broken_row_message(event, reason):
    return f"chain=change seq={event.seq} id={event.pk}: {reason}"


@pytest.mark.django_db(transaction=True)
def test_verify_audit_exits_0_on_an_intact_chain(chain, capsys):
    code, out, err = run_verify_audit(capsys)

    assert (code, err) == (0, "")
    assert out.strip() == f"Audit trail intact: {len(chain)} rows verified."


@pytest.mark.django_db(transaction=True)
def test_verify_audit_finds_a_payload_edited_behind_the_triggers(chain, capsys):
    victim = chain[-3]
    with append_only_guards_lifted(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_auditevent SET payload = %s WHERE id = %s",
            [json.dumps({**victim.payload, "unit": 999}), victim.pk],
        )

    code, out, err = run_verify_audit(capsys)

    assert (code, out) == (1, "")
    assert broken_row_message(victim, "HMAC does not match the row's content") in err
    assert f"({len(chain) - 3} rows verified before it)" in err


@pytest.mark.django_db(transaction=True)
def test_verify_audit_finds_a_deleted_row_by_the_gap_it_leaves(chain, capsys):
    victim, follower = chain[4], chain[5]
    with append_only_guards_lifted(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_auditevent WHERE id = %s", [victim.pk])

    code, out, err = run_verify_audit(capsys)

    assert code == 1
    assert broken_row_message(follower, f"sequence gap: expected {victim.seq}, found {follower.seq}") in err


@pytest.mark.django_db(transaction=True)
def test_verify_audit_finds_a_chain_rewritten_with_plain_sha256(chain, capsys):
    """Whoever can write the database can recompute unkeyed hashes over the whole tail; only
    the key, which the database never holds, tells the forgery apart."""
    victim = chain[-4]
    prev_hash = victim.prev_hash
    with append_only_guards_lifted(), connection.cursor() as cursor:
        for event in chain[-4:]:
            if event.pk == victim.pk:
                event.payload = {**event.payload, "case_number": "SN 1999/0001"}
            event.prev_hash = prev_hash
            event.hash = hashlib.sha256(
                (prev_hash + audit._canonical(audit._body(event))).encode()
            ).hexdigest()
            cursor.execute(
                "UPDATE cases_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.payload), event.prev_hash, event.hash, event.pk],
            )
            prev_hash = event.hash

    code, out, err = run_verify_audit(capsys)

    assert code == 1
    assert broken_row_message(victim, "HMAC does not match the row's content") in err


def test_record_many_chains_like_record_and_moves_the_head(cast, org):
    report = deviation(cast, org)
    audit.record("cause.added", actor=cast["manager_a"], obj=report, report_id=report.pk)
    before = AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE).order_by("-seq").first()
    written = audit.record_many(
        "action.updated",
        [(report, report.pk, {"status": str(n)}) for n in range(3)],
        actor=cast["manager_a"],
    )
    audit.record("cause.added", actor=cast["manager_a"], obj=report, report_id=report.pk)
    rows = list(AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE, seq__gt=before.seq).order_by("seq"))
    assert written == 3 and [r.seq for r in rows] == [before.seq + i for i in range(1, 5)]
    assert [r.payload.get("status") for r in rows[:3]] == ["0", "1", "2"]
    assert rows[0].prev_hash == before.hash and rows[1].prev_hash == rows[0].hash
    assert audit.verify()[1] is None
    assert audit.record_many("cause.added", [], actor=cast["manager_a"]) == 0
    with pytest.raises(audit_actions.UnknownAuditAction):
        audit.record_many("not.an.action", [(report, report.pk, {})], actor=cast["manager_a"])
