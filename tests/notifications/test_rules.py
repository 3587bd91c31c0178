"""Every default rule, end to end: the event → notifications → the worker → a real SMTP server.
Each message is checked for its recipients, language and content, and searched for the case's
personal data."""

import datetime

import pytest
from django.utils import timezone, translation

from cases.events import case_event
from cases.models import LexSarah
from cases.services import do_add_action, do_add_affected_person, do_add_cause
from notifications.models import Delivery, Notification, NotificationRule, RecipientSettings, RuleRecipient
from tests.factories import file, walk_to

DESCRIPTION = "Brukaren Greta Hemlig fick fel medicin på kvällen."
PERSON = {"name": "Greta Hemlig", "personnummer": "19121212-1212", "role": "Brukare"}
SECRETS = ["Greta", "Hemlig", "19121212-1212", "121212-1212", "fel medicin", "Testsson"]


def assert_no_secrets(message):
    text = message.everything()
    for secret in SECRETS:
        assert secret not in text, secret


def file_with_person(report_type, cast, org, **extra):
    report = file(report_type, cast["reporter"], org.unit_a, description=DESCRIPTION, **extra)
    do_add_affected_person(report.pk, acting_user=cast["reporter"], data=PERSON)
    return report


def only_the_filing_rules():
    """The tests of the filing's own rules leave out ``task.waiting``, which also follows a filing
    (its first step waits for its holders): tests/notifications/test_step_holders.py covers it."""
    NotificationRule.objects.filter(event="task.waiting").update(is_active=False)


def send(name, report, **data):
    case_event.send(sender=None, name=name, report_id=report.pk, actor_id=None, data=data)


def test_new_lex_sarah_reaches_the_sas_chair_and_socialchef(cast, org, smtp, deliver, chair_and_chief):
    only_the_filing_rules()
    report = deliver(file_with_person, "lex_sarah", cast, org)
    assert sorted(r for m in smtp.received for r in m.recipients) == [
        "chair@kommun.example",
        "chief@kommun.example",
        "sas@kommun.example",
    ]
    sas_mail = smtp.to("sas@kommun.example")[0]
    assert sas_mail.subject == f"{report.case_number}: Ny lex Sarah-rapport"
    assert f"https://kvalitet.kommun.example/cases/{report.pk}/" in sas_mail.text
    assert f'href="https://kvalitet.kommun.example/cases/{report.pk}/"' in sas_mail.html
    assert sas_mail.message["Content-Language"] == "sv"
    chief_mail = smtp.to("chief@kommun.example")[0]
    assert chief_mail.subject == f"{report.case_number}: New lex Sarah report"
    assert "Case number" in chief_mail.text and chief_mail.message["Content-Language"] == "en"
    for message in smtp.received:
        assert_no_secrets(message)
    # The other board's SAS, the reporter and the managers hear nothing.
    assert not Notification.objects.exclude(user__username__in=["sas", "chair", "chief"]).exists()


def test_chair_and_socialchef_only_when_configured(cast, org, smtp, deliver):
    only_the_filing_rules()
    deliver(file_with_person, "lex_sarah", cast, org)
    assert [m.recipients for m in smtp.received] == [["sas@kommun.example"]]


def test_new_breach_reaches_the_dso_with_the_72_hour_deadline(cast, org, smtp, deliver):
    only_the_filing_rules()
    discovered = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    report = deliver(file_with_person, "data_breach", cast, org, discovered_at=discovered.isoformat())
    assert [m.recipients for m in smtp.received] == [["dso@kommun.example"]]
    mail = smtp.received[0]
    due = timezone.localtime(discovered + datetime.timedelta(hours=72))
    assert mail.subject == f"{report.case_number}: Ny personuppgiftsincident"
    assert f"Senast: {due:%Y-%m-%d %H:%M}" in mail.text
    assert_no_secrets(mail)


def test_the_deadline_stated_is_the_cases_running_clock_and_none_once_it_stopped(cast, org, smtp, deliver):
    discovered = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    moved, stopped = (
        file_with_person("data_breach", cast, org, discovered_at=discovered.isoformat()) for _ in range(2)
    )  # filed, not yet announced (no commit in the test)
    clock = moved.clocks.get(code="breach-imy-notification", stopped_at__isnull=True)
    due = clock.due_at + datetime.timedelta(hours=5)
    moved.clocks.filter(pk=clock.pk).update(due_at=due)
    deliver(send, "report.filed", moved, type=moved.type)
    assert f"Senast: {timezone.localtime(due):%Y-%m-%d %H:%M}" in smtp.received[0].text
    # Stopped before the event is handled (IMY already notified): no deadline is stated at all,
    # rather than one worked out again from the discovery time.
    stopped.clocks.filter(code="breach-imy-notification").update(stopped_at=timezone.now())
    smtp.reset()
    deliver(send, "report.filed", stopped, type=stopped.type)
    assert [m.recipients for m in smtp.received] == [["dso@kommun.example"]]
    assert "Senast" not in smtp.received[0].text


@pytest.mark.parametrize(
    "event, extra, subject",
    [
        ("task.assigned", {"task_id": 7, "step": "register"}, "En uppgift har tilldelats dig"),
        (
            "task.escalated",
            {"task_id": 7, "step": "register", "reason": "unclaimed"},
            "En uppgift har eskalerats till dig",
        ),
    ],
)
def test_task_events_reach_the_users_named(cast, org, smtp, deliver, event, extra, subject):
    report = file_with_person("lex_sarah", cast, org)
    deliver(send, event, report, user_ids=[cast["manager_a"].pk], **extra)
    assert [(m.recipients, m.subject) for m in smtp.received] == [
        (["manager_a@kommun.example"], f"{report.case_number}: {subject}")
    ]
    assert_no_secrets(smtp.received[0])


def test_clock_warning_overdue_and_escalation(cast, org, smtp, deliver):
    report = file_with_person("data_breach", cast, org)
    due = (timezone.now() + datetime.timedelta(hours=6)).replace(microsecond=0)
    common = {"clock_id": 3, "code": "breach-imy-notification", "due_at": due.isoformat()}
    RecipientSettings.objects.create(user=cast["dso"], language="en")
    deliver(send, "clock.warning", report, hours_left=6, user_ids=[cast["dso"].pk], **common)
    deliver(send, "clock.overdue", report, user_ids=[cast["dso"].pk], **common)
    deliver(send, "clock.escalated", report, user_ids=[cast["sas"].pk], **common)
    dso = smtp.to("dso@kommun.example")
    assert [m.subject for m in dso] == [
        f"{report.case_number}: A deadline is approaching",
        f"{report.case_number}: A deadline has passed",
    ]
    assert "6 hours left" in dso[0].text and f"Due: {timezone.localtime(due):%Y-%m-%d %H:%M}" in dso[0].text
    assert [m.subject for m in smtp.to("sas@kommun.example")] == [
        f"{report.case_number}: En tidsfrist har passerats och eskaleras till dig"
    ]
    for message in smtp.received:
        assert_no_secrets(message)


def test_the_same_event_twice_notifies_once(cast, org, smtp, deliver):
    report = file_with_person("lex_sarah", cast, org)
    for _ in range(2):
        deliver(
            send,
            "clock.overdue",
            report,
            clock_id=1,
            code="x",
            due_at="2026-01-01T00:00:00+00:00",
            user_ids=[cast["sas"].pk],
        )
    assert len(smtp.received) == 1


def test_decision_gives_the_reporter_a_status_without_details(cast, org, smtp, deliver):
    report = file_with_person("lex_sarah", cast, org)
    report = deliver(walk_to, report, "decided", cast)
    mails = smtp.to("reporter@kommun.example")
    assert [m.subject for m in mails] == [f"{report.case_number}: Ny status för din rapport"]
    with translation.override("sv"):  # the state's name is a cases/ string, translated there
        assert f"Status: {LexSarah.STATES['decided']}" in mails[0].text
    assert "IVO" not in mails[0].everything()  # the decision's text stays in the case
    assert_no_secrets(mails[0])


def test_complaint_answered_reaches_a_submitter_who_left_an_email_address(cast, org, smtp, deliver):
    report = file(
        "complaint",
        None,
        org.unit_a,
        description=DESCRIPTION,
        submitter_name="Greta Hemlig",
        submitter_contact="greta@example.org",
    )
    deliver(send, "complaint.answered", report)
    assert [m.recipients for m in smtp.received] == [["greta@example.org"]]
    mail = smtp.received[0]
    assert mail.subject == f"{report.case_number}: Ditt klagomål har besvarats"
    assert "/cases/" not in mail.everything()  # no account: no link into the case
    assert "Greta" not in mail.everything().replace("greta@example.org", "")
    assert not Notification.objects.filter(in_app=True).exists()


def test_complaint_answered_without_an_email_address_sends_nothing(cast, org, smtp, deliver):
    report = file("complaint", None, org.unit_a, submitter_contact="070-123 45 67")
    deliver(send, "complaint.answered", report)
    assert smtp.received == [] and not Notification.objects.exists()


def test_action_assigned_due_soon_and_overdue_reach_the_owner(cast, org, smtp, deliver):
    report = walk_to(file_with_person("deviation", cast, org), "assessed", cast)
    cause = do_add_cause(report.pk, acting_user=cast["manager_a"], data={"description": "Okänd rutin."})
    action = deliver(
        do_add_action,
        report.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Utbilda Greta Hemligs team.",
            "kind": "corrective",
            "causes": [cause.pk],
            "owner": cast["reporter"].pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    deliver(
        send,
        "action.due_soon",
        report,
        action_id=action.pk,
        due_date="2026-12-01",
        user_ids=[cast["reporter"].pk],
    )
    deliver(
        send,
        "action.overdue",
        report,
        action_id=action.pk,
        due_date="2026-12-01",
        user_ids=[cast["reporter"].pk],
    )
    mails = smtp.to("reporter@kommun.example")
    assert [m.subject.split(": ", 1)[1] for m in mails] == [
        "En åtgärd har tilldelats dig",
        "En åtgärd du ansvarar för ska snart vara klar",
        "En åtgärd du ansvarar för är försenad",
    ]
    assert "Förfallodag: 2026-12-01" in mails[2].text
    for message in mails:
        assert_no_secrets(message)


def test_rules_are_data(cast, org, smtp, deliver):
    only_the_filing_rules()
    NotificationRule.objects.filter(event="report.filed", report_type="lex_sarah").update(is_active=False)
    rule = NotificationRule.objects.create(event="report.filed", report_type="deviation", kind="new_report")
    RuleRecipient.objects.create(rule=rule, who="role", role="unit_manager")
    RuleRecipient.objects.create(rule=rule, who="user", user=cast["sas"])
    deliver(file_with_person, "lex_sarah", cast, org)
    assert smtp.received == []
    report = deliver(file_with_person, "deviation", cast, org)
    assert sorted(r for m in smtp.received for r in m.recipients) == [
        "manager_a@kommun.example",
        "sas@kommun.example",
    ]
    assert smtp.received[0].subject == f"{report.case_number}: Ny avvikelse"


def test_parent_unit_role_reaches_the_manager_above(cast, org, smtp, deliver, django_user_model):
    from cases.services import do_grant_role

    boss = django_user_model.objects.create_user(username="boss", email="boss@kommun.example")
    do_grant_role(boss, "unit_manager", org.unit_a.parent, acting_user=None)
    rule = NotificationRule.objects.create(event="clock.escalated", kind="clock", legal_clock=True)
    RuleRecipient.objects.create(rule=rule, who="parent_role", role="unit_manager")
    report = file_with_person("deviation", cast, org)
    deliver(
        send,
        "clock.escalated",
        report,
        clock_id=1,
        code="deviation-assessment",
        due_at=timezone.now().isoformat(),
        user_ids=[],
    )
    assert [m.recipients for m in smtp.received] == [["boss@kommun.example"]]
    assert Delivery.objects.get().status == "sent"


def test_a_follow_up_question_reaches_the_submitter(cast, org, smtp, deliver):
    report = file("complaint", None, org.unit_a, submitter_contact="greta@example.org")
    deliver(send, "complaint.question", report)
    assert [(m.recipients, m.subject) for m in smtp.received] == [
        (["greta@example.org"], f"{report.case_number}: En fråga om ditt klagomål")
    ]


def test_rules_are_edited_in_the_admin(admin_client):
    rule = NotificationRule.objects.get(event="report.filed", report_type="lex_sarah")
    assert admin_client.get("/admin/notifications/notificationrule/").status_code == 200
    page = admin_client.get(f"/admin/notifications/notificationrule/{rule.pk}/change/")
    assert page.status_code == 200 and "namnd_chair" in page.content.decode()
    for model in ("position", "delivery", "failedaddress", "notification"):
        assert admin_client.get(f"/admin/notifications/{model}/").status_code == 200


def test_a_failing_rule_never_reaches_the_sender_and_its_event_is_delivered_later(
    cast, org, smtp, deliver, monkeypatch, caplog
):
    only_the_filing_rules()
    from cases import outbox
    from cases.models import OutboxEvent

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    with monkeypatch.context() as patched:
        patched.setattr("notifications.rules.resolve_recipients", broken)
        report = deliver(file_with_person, "lex_sarah", cast, org)  # the filing itself succeeds
    assert smtp.received == [] and not Notification.objects.exists()
    event = OutboxEvent.objects.get(report=report, name="report.filed")
    assert event.delivered_at is None and event.attempts == 1 and event.last_error == "RuntimeError: boom"
    assert DESCRIPTION not in caplog.text
    deliver(outbox.deliver_all)
    assert [m.recipients for m in smtp.received] == [["sas@kommun.example"]]
    event.refresh_from_db()
    assert event.delivered_at is not None


def test_the_submitters_answer_reaches_the_handler(cast, org, smtp, deliver):
    from cases.services import do_answer_as_submitter, do_ask_submitter, do_file_public_submission

    report, code = do_file_public_submission(
        data={"unit": org.unit_a.pk, "kind": "klagomal", "description": DESCRIPTION}
    )
    walk_to(report, "registered", cast)  # registration names manager_a the handler
    do_ask_submitter(report.pk, acting_user=cast["manager_a"], data={"text": "När hände det?"})
    deliver(do_answer_as_submitter, code, data={"text": "Greta Hemlig var där på kvällen."})
    handler_mail = smtp.to(cast["manager_a"].email)
    assert len(handler_mail) == 1 and report.case_number in handler_mail[0].subject
    assert_no_secrets(handler_mail[0])
    assert "När hände" not in handler_mail[0].everything()
    assert (
        Notification.objects.filter(user=cast["manager_a"], event="complaint.submitter_answered").count() == 1
    )


def test_feedback_to_the_reporter_reaches_the_reporter(cast, org, smtp, deliver):
    from cases.services import do_give_reporter_feedback

    report = file_with_person("deviation", cast, org)
    deliver(
        do_give_reporter_feedback,
        report.pk,
        acting_user=cast["manager_a"],
        data={"text": "Greta Hemlig har fått rätt medicin nu."},
    )
    mails = smtp.to("reporter@kommun.example")
    assert len(mails) == 1 and report.case_number in mails[0].subject
    assert_no_secrets(mails[0])
