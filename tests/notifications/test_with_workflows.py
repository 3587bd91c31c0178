"""The workflow layer's real task events (workflows.services, workflows.escalation) reach the
people they name by e-mail: no event is sent by hand here."""

import datetime

from django.utils import timezone

from notifications.models import Notification
from tests.factories import file
from tests.notifications.test_rules import assert_no_secrets
from workflows.escalation import escalate_unclaimed
from workflows.services import do_claim, do_reassign

DESCRIPTION = "Brukaren Greta Hemlig fick fel medicin på kvällen."


def new_task(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a, description=DESCRIPTION)
    return report, report.workflow.task_set.get(status="NEW")


def test_a_claim_and_a_reassignment_through_workflows_notify_the_new_assignee(cast, org, smtp, deliver):
    report, task = new_task(cast, org)
    # Claiming a task oneself announces task.assigned naming the claimant, who is the actor:
    # nobody is told of what they did themselves.
    deliver(do_claim, task.pk, acting_user=cast["manager_a"])
    assert smtp.received == [] and not Notification.objects.filter(event="task.assigned").exists()
    deliver(do_reassign, task.pk, acting_user=cast["manager_a"], user_id=cast["sas"].pk)
    assert [(m.recipients, m.subject) for m in smtp.received] == [
        (["sas@kommun.example"], f"{report.case_number}: En uppgift har tilldelats dig")
    ]
    [notification] = Notification.objects.filter(event="task.assigned")
    assert (notification.user, notification.report_id) == (cast["sas"], report.pk)
    assert notification.data == {"task_id": task.pk, "step": "assess"}
    assert_no_secrets(smtp.received[0])


def test_an_unclaimed_task_escalated_by_the_job_notifies_those_it_goes_to(cast, org, smtp, deliver):
    report, task = new_task(cast, org)
    assert deliver(escalate_unclaimed, timezone.now() + datetime.timedelta(days=5)) == 1
    # No unit manager above unit A in the test organisation: the escalation goes to the SAS.
    assert [(m.recipients, m.subject) for m in smtp.received] == [
        (["sas@kommun.example"], f"{report.case_number}: En uppgift har eskalerats till dig")
    ]
    [notification] = Notification.objects.filter(event="task.escalated")
    assert notification.data == {"task_id": task.pk, "step": "assess", "reason": "unclaimed"}
    assert_no_secrets(smtp.received[0])
