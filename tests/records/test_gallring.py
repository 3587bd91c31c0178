"""Retention rules, the gallring run, the hold-back, the disposal and what it leaves."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from cases import audit
from cases.models import (
    Action,
    AffectedPerson,
    Attachment,
    AuditEvent,
    InvestigationEntry,
    Report,
    ReportLink,
    Role,
)
from cases.services import do_grant_role
from records.due import choose_rule, due_cases, rules_in_force
from records.models import DisposalItem, DisposalRun, DisposedCase, RetentionRule
from records.services import (
    InvalidState,
    NotFound,
    dispose_batch,
    do_approve_disposal,
    do_hold_back,
    may_review_disposal,
    plan_gallring,
)
from reporting.models import MonthlyCount
from tests.records.helpers import SECRET, closed_case, example_rules, messages_of, years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rules(org):
    example_rules(org)


def due_ids(org):
    return {pk for pk, _rule in due_cases(org.sn, timezone.now())}


def test_the_rule_is_chosen_by_type_outcome_and_validity(org, rules):
    today = timezone.localdate()
    rules = list(rules_in_force(org.sn, today))
    assert choose_rule(rules, "deviation", "not_notified").years == 5
    assert choose_rule(rules, "complaint", "notified").years == 2
    assert choose_rule(rules, "lex_sarah", "notified").disposition == "keep"
    assert choose_rule(rules, "data_breach", "notified").disposition == "keep"
    assert choose_rule(rules, "data_breach", "not_notified").years == 5
    newer = RetentionRule.objects.create(
        board=org.sn,
        report_type="deviation",
        disposition="dispose",
        years=10,
        basis="DHP 2.3.1",
        valid_from=today,
    )
    assert choose_rule(list(rules_in_force(org.sn, today)), "deviation", "") == newer
    assert (
        choose_rule(list(rules_in_force(org.sn, today - datetime.timedelta(days=1))), "deviation", "").years
        == 5
    )
    RetentionRule.objects.filter(board=org.sn, report_type="deviation", years=5).update(
        valid_to=today - datetime.timedelta(days=1)
    )
    assert choose_rule(list(rules_in_force(org.sn, today)), "deviation", "") == newer


def test_a_rule_that_disposes_needs_years_and_one_that_keeps_has_none(org):
    rule = RetentionRule(
        board=org.sn, report_type="deviation", disposition="dispose", basis="x", valid_from="2020-01-01"
    )
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule.disposition, rule.years = "keep", 3
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule.board = org.unit_a
    rule.disposition, rule.years = "dispose", 3
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_cases_are_due_after_their_rules_years_and_kept_cases_never(org, cast, rules):
    old_deviation = closed_case("deviation", cast, org, closed_at=years_ago(5, days=1))
    young_deviation = closed_case("deviation", cast, org, closed_at=years_ago(4))
    old_complaint = closed_case("complaint", cast, org, closed_at=years_ago(2, days=1))
    old_lex_sarah = closed_case("lex_sarah", cast, org, closed_at=years_ago(30))
    due = due_ids(org)
    assert old_deviation.pk in due and old_complaint.pk in due
    assert young_deviation.pk not in due and old_lex_sarah.pk not in due
    assert due_cases(org.on, timezone.now()) == []


def test_without_a_rule_nothing_is_due(org, cast):
    closed_case("deviation", cast, org, closed_at=years_ago(40))
    assert due_ids(org) == set()


def test_a_case_with_an_open_action_or_a_linked_open_case_is_held_back(org, cast, rules):
    with_action = closed_case("deviation", cast, org, closed_at=years_ago(6))
    with_link = closed_case("deviation", cast, org, closed_at=years_ago(6))
    plain = closed_case("deviation", cast, org, closed_at=years_ago(6))
    Action.objects.filter(report=with_action).update(status=Action.Status.IN_PROGRESS)
    open_case = closed_case("deviation", cast, org, closed_at=years_ago(0))
    Report.objects.filter(pk=open_case.pk).update(state="assessed", closed_at=None)
    ReportLink.objects.create(source=with_link, target=open_case, created_by=cast["sas"])
    assert due_ids(org) == {plain.pk}


def test_only_the_boards_archivist_reviews_or_its_sas_when_it_has_none(org, cast):
    people = {name: cast[name] for name in ("sas", "dso", "manager_a", "admin_sn", "sas_other", "outsider")}
    assert {n for n, u in people.items() if may_review_disposal(u, org.sn)} == {"sas"}
    do_grant_role(cast["outsider"], Role.ARCHIVIST, org.sn, acting_user=None)
    fresh = {n: type(u).objects.get(pk=u.pk) for n, u in people.items()}
    assert {n for n, u in fresh.items() if may_review_disposal(u, org.sn)} == {"outsider"}
    assert {n for n, u in fresh.items() if may_review_disposal(u, org.on)} == {"sas_other"}


def snapshot_counts():
    return sorted(
        MonthlyCount.objects.exclude(n=0).values_list(
            "month", "type", "unit", "dimension", "key", "key2", "n"
        )
    )


def test_the_run_the_hold_back_and_the_disposal(org, cast, rules, django_capture_on_commit_callbacks):
    kept = closed_case("deviation", cast, org, closed_at=years_ago(6), content=True)
    gone = closed_case("deviation", cast, org, closed_at=years_ago(6), content=True)
    names = list(Attachment.objects.filter(report=gone).values_list("file", flat=True))
    assert names and all(default_storage.exists(n) for n in names)
    counts_before = snapshot_counts()

    run = plan_gallring(org.sn, timezone.now())
    assert run.status == DisposalRun.Status.OPEN
    items = {item.report_id: item for item in run.items.all()}
    assert set(items) == {kept.pk, gone.pk}
    with pytest.raises(NotFound):
        do_hold_back(items[kept.pk].pk, acting_user=cast["manager_a"], reason="Tvist pågår")
    with pytest.raises(ValidationError):
        do_hold_back(items[kept.pk].pk, acting_user=cast["sas"], reason=" ")
    do_hold_back(items[kept.pk].pk, acting_user=cast["sas"], reason="Tvist pågår")
    with pytest.raises(NotFound):
        do_approve_disposal(run.pk, acting_user=cast["sas_other"])
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    with pytest.raises(InvalidState):
        do_hold_back(items[gone.pk].pk, acting_user=cast["sas"], reason="För sent")

    with django_capture_on_commit_callbacks(execute=True):
        assert dispose_batch(DisposalRun.objects.get(pk=run.pk), timezone.now()) == 1
    run.refresh_from_db()
    assert run.status == DisposalRun.Status.DONE

    report = Report.objects.get(pk=gone.pk)
    assert report.description == "" and report.decision == "" and report.investigation_summary == ""
    assert report.state == "closed" and report.case_number == gone.case_number
    assert not Attachment.objects.filter(report=gone).exists()
    assert not any(default_storage.exists(n) for n in names)
    assert not InvestigationEntry.objects.filter(report=gone).exists()
    assert not messages_of(gone).exists()
    person = AffectedPerson.objects.get(report=gone)
    assert (person.name, person.personnummer, person.role) == ("", "", "")
    assert all(a.description == "" and a.effect_follow_up == "" for a in Action.objects.filter(report=gone))

    tombstone = DisposedCase.objects.get(report=gone)
    assert (tombstone.case_number, tombstone.report_type, tombstone.unit, tombstone.state) == (
        gone.case_number,
        "deviation",
        org.unit_a,
        "closed",
    )
    assert tombstone.rule.years == 5 and tombstone.approved_by == cast["sas"]
    assert tombstone.closed_at == gone.closed_at and tombstone.reported_at == gone.reported_at

    held = Report.objects.get(pk=kept.pk)
    assert SECRET in held.description and InvestigationEntry.objects.filter(report=kept).exists()
    assert not DisposedCase.objects.filter(report=kept).exists()

    assert snapshot_counts() == counts_before
    # The disposal skips the recount (audit.record_many, recount=False): a recount of every
    # case afterwards must find nothing counted changed.
    from reporting.services import aggregates

    for pk in Report.objects.values_list("pk", flat=True):
        aggregates.recount(pk)
    assert snapshot_counts() == counts_before
    verified, broken, reason = audit.verify()
    assert broken is None, reason
    disposed = AuditEvent.objects.get(action="report.disposed")
    assert disposed.report_id == gone.pk and disposed.actor == cast["sas"]
    assert not [e.action for e in AuditEvent.objects.all() if SECRET in str(e.payload)]
    # A later run does not list the disposed case again.
    assert gone.pk not in due_ids(org)


def test_a_case_no_longer_due_when_the_disposal_runs_is_held_back_with_the_reason(org, cast, rules):
    report = closed_case("deviation", cast, org, closed_at=years_ago(6))
    run = plan_gallring(org.sn, timezone.now())
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    Action.objects.filter(report=report).update(status=Action.Status.IN_PROGRESS)
    assert dispose_batch(DisposalRun.objects.get(pk=run.pk), timezone.now()) == 0
    item = DisposalItem.objects.get(run=run)
    assert item.held_back and item.hold_reason and SECRET in Report.objects.get(pk=report.pk).description


def test_the_disposal_runs_in_batches(org, cast, rules):
    reports = [closed_case("complaint", cast, org, closed_at=years_ago(3)) for _ in range(3)]
    run = plan_gallring(org.sn, timezone.now())
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    assert dispose_batch(DisposalRun.objects.get(pk=run.pk), timezone.now(), size=2) == 2
    assert DisposalRun.objects.get(pk=run.pk).status == DisposalRun.Status.APPROVED
    assert dispose_batch(DisposalRun.objects.get(pk=run.pk), timezone.now(), size=2) == 1
    assert DisposalRun.objects.get(pk=run.pk).status == DisposalRun.Status.DONE
    assert DisposedCase.objects.filter(report__in=reports).count() == 3
    rows = list(AuditEvent.objects.filter(action="report.disposed").order_by("seq"))
    assert sorted(r.report_id for r in rows) == sorted(r.pk for r in reports)
    assert len({r.object_id for r in rows}) == 3
    verified, broken, reason = audit.verify()
    assert broken is None, reason


def test_a_batch_holds_back_the_cases_no_longer_due_and_disposes_of_the_rest(org, cast, rules):
    reports = [closed_case("deviation", cast, org, closed_at=years_ago(6)) for _ in range(3)]
    run = plan_gallring(org.sn, timezone.now())
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    Action.objects.filter(report=reports[1]).update(status=Action.Status.IN_PROGRESS)
    assert dispose_batch(DisposalRun.objects.get(pk=run.pk), timezone.now()) == 2
    assert set(DisposedCase.objects.values_list("report_id", flat=True)) == {reports[0].pk, reports[2].pk}
    held = AuditEvent.objects.get(action="gallring.held_back")
    assert held.report_id == reports[1].pk and held.payload["automatic"] is True
    verified, broken, reason = audit.verify()
    assert broken is None, reason


def test_the_scheduler_lists_once_per_interval_and_disposes_approved_runs(org, cast, rules, settings):
    from records.jobs import gallring

    report = closed_case("complaint", cast, org, closed_at=years_ago(3))
    now = timezone.now()
    gallring(now)
    gallring(now + datetime.timedelta(minutes=1))
    runs = DisposalRun.objects.filter(board=org.sn)
    assert runs.count() == 1 and runs.get().items.get().report_id == report.pk
    assert DisposalRun.objects.filter(board=org.on, status=DisposalRun.Status.DONE).count() == 1
    do_approve_disposal(runs.get().pk, acting_user=cast["sas"])
    gallring(now + datetime.timedelta(minutes=2))
    assert DisposedCase.objects.filter(report=report).exists()
    assert "records.jobs.gallring" in settings.SCHEDULER_JOBS


def test_investigation_entries_stay_append_only_for_cases_not_disposed(org, cast, rules):
    from django.db import DatabaseError, transaction

    report = closed_case("deviation", cast, org, closed_at=years_ago(6), content=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        InvestigationEntry.objects.filter(report=report).delete()
    assert InvestigationEntry.objects.filter(report=report).exists()


def test_the_owner_role_disposes_with_the_command_when_the_scheduler_does_not(org, cast, rules, settings):
    from django.core.management import call_command

    from records.jobs import gallring

    settings.RECORDS_DISPOSAL_BY_SCHEDULER = False
    reports = [closed_case("complaint", cast, org, closed_at=years_ago(3)) for _ in range(3)]
    gallring(timezone.now())
    run = DisposalRun.objects.get(board=org.sn)
    do_approve_disposal(run.pk, acting_user=cast["sas"])
    gallring(timezone.now() + datetime.timedelta(minutes=1))
    assert not DisposedCase.objects.exists()
    call_command("dispose_approved", "--batch", "2")
    assert DisposedCase.objects.filter(report__in=reports).count() == 3
    assert DisposalRun.objects.get(pk=run.pk).status == DisposalRun.Status.DONE
