"""Real concurrent connections against the locking the services rely on: the case-number
row lock, optimistic locking of the state, and the serialised audit chain.

Each worker thread has its own database connection and closes it when done; the threads
wait at a barrier so that their transactions start together. On SQLite the IMMEDIATE
transaction mode (config/settings.py) serialises the writers; on PostgreSQL row locks,
``state = <old>`` in the UPDATE, and each chain's head row, locked by every append, do.
"""

import importlib
import threading
import time

import pytest
from django.apps import apps
from django.db import connection, transaction

from cases import audit, audit_actions
from cases.models import AuditEvent, DelegationDecision, Regulator, RegulatorNotification, Report, Term
from cases.services import InvalidState, do_transition
from tests import factories

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def reference_data():
    """Transactional tests empty every table afterwards, so an earlier one may have removed the
    terms and investigation topics migration 0003 seeds; the lifecycles need them. Seeding
    again beats serialized_rollback, whose reload clashes with the content types that every
    plain transactional test's flush re-creates."""
    if not Term.objects.exists():
        importlib.import_module("cases.migrations.0003_seed_reference_data").seed(apps, None)


def run_together(count, work):
    """Run ``work(i)`` in ``count`` threads started at once; returns results and errors by index."""
    barrier = threading.Barrier(count)
    results, errors = {}, {}

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    return results, errors


def test_twenty_concurrent_filings_in_one_board_get_numbers_1_to_20_without_a_gap(cast, org):
    results, errors = run_together(20, lambda i: factories.file("deviation", cast["reporter"], org.unit_a).pk)

    assert errors == {}
    numbers = sorted(Report.objects.filter(pk__in=results.values()).values_list("case_sequence", flat=True))
    assert numbers == list(range(1, 21))
    assert Report.objects.filter(namnd=org.sn).count() == 20


def test_a_filing_rolled_back_after_taking_its_number_gives_the_number_to_the_next(cast, org):
    first = factories.file("deviation", cast["reporter"], org.unit_a)
    number_taken, rival_started = threading.Event(), threading.Event()
    taken = {}

    def doomed(i):
        with transaction.atomic():
            taken["sequence"] = factories.file("deviation", cast["reporter"], org.unit_a).case_sequence
            number_taken.set()
            rival_started.wait(timeout=10)
            # Hold the number a moment so the rival really waits on it rather than arriving late.
            time.sleep(0.3)
            raise RuntimeError("the filing's transaction fails after numbering")

    def rival(i):
        number_taken.wait(timeout=10)
        rival_started.set()
        return factories.file("deviation", cast["reporter"], org.unit_a).case_sequence

    results, errors = run_together(2, lambda i: (doomed, rival)[i](i))

    assert isinstance(errors.pop(0), RuntimeError) and errors == {}
    assert taken["sequence"] == results[1] == first.case_sequence + 1
    assert factories.file("deviation", cast["reporter"], org.unit_a).case_sequence == first.case_sequence + 2


def test_two_deciders_at_once_one_decides_and_the_other_gets_invalid_state(cast, org):
    report = factories.walk_to(factories.file("lex_sarah", cast["reporter"], org.unit_a), "assessed", cast)
    factories.prepare(report, "decide", cast)
    data = factories.transition_data(report, "decide")

    def decide(i):
        return do_transition(report.pk, "decide", acting_user=cast["decision_maker"], data=data).state

    results, errors = run_together(2, decide)

    assert list(results.values()) == ["decided"]
    assert [type(e) for e in errors.values()] == [InvalidState]
    assert Report.objects.get(pk=report.pk).state == "decided"
    assert DelegationDecision.objects.filter(report=report).count() == 1
    assert RegulatorNotification.objects.filter(report=report, regulator=Regulator.IVO).count() == 1
    assert AuditEvent.objects.filter(report_id=report.pk, action="report.decide").count() == 1


def test_eight_threads_appending_25_audit_rows_each_leave_one_valid_chain(monkeypatch):
    # An action of this test's own, catalogued for it (cases.audit_actions refuses any other).
    appended = audit_actions.AuditAction("test.append", "test", frozenset({"thread", "n"}))
    monkeypatch.setitem(audit_actions.CATALOGUE, "test.append", appended)

    def append(i):
        for n in range(25):
            audit.record("test.append", payload={"thread": i, "n": n})

    results, errors = run_together(8, append)

    assert errors == {}
    seqs = list(
        AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 201))
    assert audit.verify() == (200, None, "")


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks: SQLite serialises whole transactions"
)
def test_a_transition_while_someone_holds_the_workflow_lock_is_a_conflict_and_changes_nothing(cast, org):
    """The bridge takes the flow's row lock on the process as it reads it (NOWAIT): when another
    transaction holds it (viewflow's own lock, e.g. a timer firing), the transition answers
    InvalidState at once and its domain change, clock and audit row roll back."""
    from workflows.models import CaseProcess

    report = factories.file("deviation", cast["reporter"], org.unit_a)
    data = factories.transition_data(report, "assess", cast)
    holding, done = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                process = CaseProcess.objects.get(report_id=report.pk)
                with process.flow_class.lock(process.pk):
                    holding.set()
                    done.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        started = time.monotonic()
        with pytest.raises(InvalidState, match="Någon annan arbetar med ärendet"):
            do_transition(report.pk, "assess", acting_user=cast["manager_a"], data=data)
        assert time.monotonic() - started < 2  # at once, not after viewflow's retries
    finally:
        done.set()
        holder.join(timeout=30)
    assert Report.objects.get(pk=report.pk).state == "reported"
    assert not AuditEvent.objects.filter(report_id=report.pk, action="report.assess").exists()
    assert do_transition(report.pk, "assess", acting_user=cast["manager_a"], data=data).state == "assessed"


def test_a_transition_and_another_change_of_the_same_case_at_once_both_commit_with_exact_counts(cast, org):
    """A transition holds the case's row from its UPDATE on; a change that does not touch that
    row (an added person) takes the audit chain's lock first. Neither may then wait for the
    other's lock (a deadlock): the monthly counts rely on the chain's lock alone."""
    from tests.compilations.test_aggregates import assert_exact

    reports = [factories.file("deviation", cast["reporter"], org.unit_a) for _ in range(6)]
    data = factories.transition_data(reports[0], "assess", cast)
    for report in reports:

        def work(i, report=report):
            if i == 0:
                return do_transition(report.pk, "assess", acting_user=cast["manager_a"], data=data).state
            from cases.services import do_add_affected_person

            return do_add_affected_person(
                report.pk, acting_user=cast["manager_a"], data={"name": "Anna", "role": "Brukare"}
            ).pk

        results, errors = run_together(2, work)
        assert errors == {}, errors
        assert results[0] == "assessed"
    assert_exact()
