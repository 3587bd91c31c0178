"""A case's named investigators are read once per transition (the permission check and the next
task's assignee share the one query), and what is kept is dropped when they change."""

from viewflow.workflow.models import Task

from cases import reference_cache
from cases.access import INVESTIGATOR
from cases.models import Report, RiskBand, RiskRoutingRule, Term
from cases.models.lifecycles import case_roles, forget_named_grants, named_grants
from cases.services import do_grant_investigator, do_transition
from cases.services.reports import grant_named_investigator
from tests.factories import file, transition_data, walk_to
from tests.queries import assert_num_queries, captured_queries


def grant_reads(captured):
    return captured.containing("cases_reportuserobjectpermission")


def test_the_named_investigators_are_read_once_for_every_user_asked_about(cast, org):
    report = Report.objects.get(pk=file("deviation", cast["reporter"], org.unit_a).pk)
    do_grant_investigator(report.pk, cast["outsider"], acting_user=cast["sas"])
    report = Report.objects.get(pk=report.pk)
    with captured_queries() as captured:
        assert INVESTIGATOR in case_roles(cast["outsider"], report)
        assert INVESTIGATOR not in case_roles(cast["manager_a"], report)
        assert named_grants(report) == [cast["outsider"]]
    assert len(grant_reads(captured)) == 1


def test_a_grant_through_the_service_is_seen_on_the_same_instance(cast, org):
    report = Report.objects.get(pk=file("deviation", cast["reporter"], org.unit_a).pk)
    assert INVESTIGATOR not in case_roles(cast["outsider"], report) and named_grants(report) == []
    grant_named_investigator(report, cast["outsider"])
    assert INVESTIGATOR in case_roles(cast["outsider"], report)
    assert named_grants(report) == [cast["outsider"]]


def test_forgetting_drops_both_the_grants_and_the_roles_kept(cast, org):
    from django.contrib.auth.models import Permission

    from cases.models import ReportUserObjectPermission

    report = Report.objects.get(pk=file("deviation", cast["reporter"], org.unit_a).pk)
    assert INVESTIGATOR not in case_roles(cast["outsider"], report)
    ReportUserObjectPermission.objects.create(  # a grant written behind the helper's back
        user=cast["outsider"],
        content_object=report,
        permission=Permission.objects.get(codename="investigate_report"),
    )
    assert INVESTIGATOR not in case_roles(cast["outsider"], report)  # what was read is kept ...
    forget_named_grants(report)
    assert INVESTIGATOR in case_roles(cast["outsider"], report)  # ... until it is forgotten


def test_the_newest_named_investigator_comes_first(cast, org):
    report = Report.objects.get(pk=file("deviation", cast["reporter"], org.unit_a).pk)
    grant_named_investigator(report, cast["outsider"])
    grant_named_investigator(report, cast["manager_b"])
    assert named_grants(Report.objects.get(pk=report.pk)) == [cast["manager_b"], cast["outsider"]]


def test_an_investigator_named_in_the_transition_gets_the_next_task(cast, org):
    """Lex Sarah's registration names the investigator after the permission check has read the
    (empty) grants: the next step must still go to the person just named."""
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "measures_taken", cast)
    data = {**transition_data(report, "register", cast), "investigator": cast["outsider"].pk}
    do_transition(report.pk, "register", acting_user=cast["sas"], data=data)
    task = Task.objects.get(
        process__caseprocess__report_id=report.pk,
        status="ASSIGNED",
        flow_task_type="HUMAN",
        owner__isnull=False,
    )
    assert task.owner == cast["outsider"]
    assert task.flow_task.name == "first_assessment"


def test_one_transition_reads_the_named_investigators_once(cast, org):
    """Assessing a deviation checks the actor's roles and assigns the named step that follows:
    one read of the grants for both."""
    report = file("deviation", cast["reporter"], org.unit_a)
    do_grant_investigator(report.pk, cast["outsider"], acting_user=cast["sas"])
    data = transition_data(report, "assess", cast)
    with captured_queries() as captured:
        do_transition(report.pk, "assess", acting_user=cast["manager_a"], data=data)
    assert len(grant_reads(captured)) == 1
    task = Task.objects.get(process__caseprocess__report_id=report.pk, status="ASSIGNED")
    assert task.owner == cast["outsider"] and task.flow_task.name == "complete_investigation"


# Assessing a deviation (as bench/run.py does: no one is named, so the next step waits in the
# queue), in statements on SQLite and PostgreSQL alike: the case
# with its unit, the actor's role grants, the case's named investigators (once, for the
# permission check and the next step's assignee), the case's UPDATE and its clock's, the
# workflow (the process read with its lock, the open tasks, the task's UPDATE, the next task's
# INSERT and its link), the audit row (the chain's head read with its lock, the INSERT, the head's
# upsert), and the transaction's savepoint
# and release inside the test's transaction. After the commit, the event's notification rules
# come from the per-process cache once read: report.assess has none, so nothing more is read.
# Before the named investigators were kept per case and the rules per event name: 24 with
# BEGIN/COMMIT in bench/run.py, 21 after; the monthly counts with the change row add 4 (the
# case and what it counted in before, its related rows, the cells, the case's new cells); the
# form's reference data comes from the process's copy once read (cases.reference_cache): 3 fewer;
# the workflow's lock is taken as the process is read, not in a savepoint of its own: 3 fewer.
# The sealed chain head (issue 14): +1 on SQLite; on PostgreSQL it replaced the advisory lock.
# The outbox (issue 14) adds 2: the event's row is INSERTed in the transaction, and after the
# commit the fast path, finding no receiver with work to do, marks it delivered (an UPDATE).
# Every step assigned to a role notifies its holders (issue 17): the next step's task.waiting
# event adds its outbox row (an INSERT in the transaction) and, after the commit, its delivery:
# the case, the step's role holders on the unit (group and direct grants) and the substitutes of
# the absent, the recipients and their preferences, the notification (in a savepoint), the
# recipient's language, the e-mail's delivery row (in a savepoint) and its queued send, the
# event's mark; 19 in all, none of them inside the change's transaction but the first.
TRANSITION_STATEMENTS = 40


def test_a_completion_takes_a_pinned_number_of_statements(cast, org, django_capture_on_commit_callbacks):
    from notifications.rules import matching_rules

    report = file("deviation", cast["reporter"], org.unit_a)
    data = transition_data(report, "assess", cast)
    manager = type(cast["manager_a"]).objects.get(pk=cast["manager_a"].pk)  # as a request loads it
    matching_rules("report.assess"), matching_rules("task.waiting")
    RiskBand.for_score(1), RiskRoutingRule.suggested_route(1, 1), reference_cache.rows(Term)
    with assert_num_queries(TRANSITION_STATEMENTS):
        with django_capture_on_commit_callbacks(execute=True):
            do_transition(report.pk, "assess", acting_user=manager, data=data)
