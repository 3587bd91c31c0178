"""Every workflow step assigned to a role notifies its holders (issue 17): the step's task.waiting
event, through the outbox, reaches whoever may take it, in the app and by e-mail. Before, the
delegat was never told that a decision waited."""

import datetime

from django.test import Client
from django.utils import timezone

from cases.services import do_transition
from notifications.models import Notification
from tests.cast import CAST
from tests.factories import complete_lex_sarah_investigation, file, transition_data, walk_to
from tests.matrix import Matrix
from tests.notifications.test_rules import assert_no_secrets
from workflows.models import Substitute

DESCRIPTION = "Brukaren Greta Hemlig fick fel medicin på kvällen."

# Who hears that the lex Sarah decision waits, of the cast: the decision maker only (the SAS who
# assessed caused it and is not told of their own step; no one else may take it).
DECISION_WAITS = Matrix.of(CAST, {"decision_maker": 1}, default=0)


def test_the_delegat_is_told_when_a_decision_waits(cast, org, smtp, deliver):
    report = walk_to(
        file("lex_sarah", cast["reporter"], org.unit_a, description=DESCRIPTION), "investigating", cast
    )
    complete_lex_sarah_investigation(report, cast["sas"])
    smtp.reset()
    deliver(
        do_transition,
        report.pk,
        "assess",
        acting_user=cast["sas"],
        data=transition_data(report, "assess"),
    )
    waiting = Notification.objects.filter(event="task.waiting", report=report)
    counts = {name: waiting.filter(user=cast[name]).count() for name in CAST}
    assert counts == DECISION_WAITS.expected()
    [notification] = waiting
    assert notification.in_app and notification.data["step"] == "decide"
    [mail] = smtp.to("decision_maker@kommun.example")
    assert mail.subject == f"{report.case_number}: Ett steg i ett ärende väntar på dig"
    assert f"https://kvalitet.kommun.example/cases/{report.pk}/" in mail.text
    assert_no_secrets(mail)
    # In the app too: the notification centre lists it for the delegat.
    client = Client()
    client.force_login(cast["decision_maker"])
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert report.case_number in page and "Ett steg i ett ärende väntar på dig" in page


def test_every_step_of_a_deviation_notifies_the_holders_of_its_roles_but_not_the_one_who_acted(
    cast, org, smtp, deliver
):
    report = deliver(file, "deviation", cast["reporter"], org.unit_a)
    # Filed by the reporter: the first step (assess) waits for the unit's manager and the SAS.
    assert set(
        Notification.objects.filter(event="task.waiting", report=report).values_list(
            "user__username", flat=True
        )
    ) == {"manager_a", "sas"}
    Notification.objects.all().delete()
    deliver(
        do_transition,
        report.pk,
        "assess",
        acting_user=cast["manager_a"],
        data=transition_data(report, "assess"),
    )
    # manager_a completed the step before: not told; the SAS may take the next step too.
    assert list(
        Notification.objects.filter(event="task.waiting", report=report).values_list(
            "user__username", flat=True
        )
    ) == ["sas"]


def test_an_absent_holders_substitute_is_told_too(cast, org, smtp, deliver, django_user_model):
    stand_in = django_user_model.objects.create_user(
        username="stand_in", email="stand_in@kommun.example", home_unit=org.sn
    )
    now = timezone.now()
    Substitute.objects.create(
        person=cast["decision_maker"],
        substitute=stand_in,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(days=3),
    )
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    complete_lex_sarah_investigation(report, cast["sas"])
    deliver(
        do_transition, report.pk, "assess", acting_user=cast["sas"], data=transition_data(report, "assess")
    )
    assert set(
        Notification.objects.filter(event="task.waiting", report=report).values_list(
            "user__username", flat=True
        )
    ) == {"decision_maker", "stand_in"}
