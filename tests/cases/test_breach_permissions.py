"""Every step on a personal-data breach, as every member of the cast, through the services,
the web pages and the API: DOMAIN.md gives the assessment, the IMY decision and its record to
the DSO (the PuA's delegate); the SAS may read breaches and changes nothing on them.

Who may (written out from DOMAIN.md, not derived from the code): only ``dso``. Those who see
the case but may not (the reporter of the breach, the SAS) are refused (403); everyone else
meets a case that does not exist (404). A refusal leaves no change behind.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import AuditEvent, Report
from cases.services import (
    CaseNotFound,
    do_add_action,
    do_add_affected_person,
    do_add_attachment,
    do_add_cause,
    do_add_information_event,
    do_add_investigation_entry,
    do_correct_key_time,
    do_give_reporter_feedback,
    do_grant_investigator,
    do_notification_transition,
    do_set_risk,
    do_transition,
)
from tests.api.helpers import png, rolled_back
from tests.factories import ago, file, finish_regulator_notifications, transition_data, walk_to
from tests.matrix import Matrix
from workflows.selectors import open_tasks
from workflows.services import do_claim, do_reassign, do_release

pytestmark = pytest.mark.django_db

EVERYONE = [
    "reporter",
    "manager_a",
    "manager_b",
    "sas",
    "decision_maker",
    "dso",
    "outsider",
    "sas_other",
    "admin_sn",
    "admin_on",
    "leadership",
]
MAY = {"dso"}
SEES = {"reporter", "sas", "dso"}
# What each member meets on every step: "may" take it, "refused" (sees the case: 403) or
# "hidden" (the case does not exist for them: 404).
ON_EVERY_STEP = Matrix.of_groups(EVERYONE, [(MAY, "may"), (SEES, "refused")], default="hidden").expected()


class Breach:
    """A breach of unit A filed by ``reporter``, walked to ``state``; parts made by the DSO."""

    def __init__(self, cast, org, state, imy=None):
        self.cast, self.org = cast, org
        self.report = walk_to(
            file("data_breach", cast["reporter"], org.unit_a), state, cast, finish_notifications=False
        )
        self.dso = cast["dso"]
        if imy:
            notification = self.notification
            for name, data in [
                ("submit", {"submitted_at": ago(minutes=5), "channel": "e_service"}),
                ("record_outcome", {"outcome": "closed", "outcome_at": timezone.localdate().isoformat()}),
            ]:
                if notification.state == imy:
                    break
                do_notification_transition(
                    self.report.pk, notification.pk, name, acting_user=self.dso, data=data
                )
                notification.refresh_from_db()

    @property
    def notification(self):
        return self.report.regulator_notifications.get()

    def person(self):
        return do_add_affected_person(
            self.report.pk, acting_user=self.dso, data={"name": "Brukare Ett", "role": "Brukare"}
        )

    def action(self):
        cause = do_add_cause(
            self.report.pk, acting_user=self.dso, data={"description": "Fel mottagare valdes."}
        )
        return do_add_action(
            self.report.pk,
            acting_user=self.dso,
            data={
                "description": "Inför kontroll av mottagare.",
                "kind": "preventive",
                "causes": [cause.pk],
                "owner": self.dso.pk,
                "due_date": timezone.localdate().isoformat(),
            },
        )

    def task(self, step, claimed_by=None):
        task = next(t for t in open_tasks(self.report) if t.flow_task.name == step)
        if claimed_by:
            do_claim(task.pk, acting_user=claimed_by)
        return task


def entry_data():
    return {
        "text": "Mottagaren bekräftar att listan raderats.",
        "entry_date": timezone.localdate().isoformat(),
        "source": "Mejl från mottagaren",
        "nature": "fact",
    }


def key_time_data():
    return {
        "field": "discovered_at",
        "value": ago(hours=5),
        "reason": "Upptäckten gjordes tidigare än angavs.",
    }


# name: (state of the breach, IMY notification's state or None, set-up, service call, web request, API request)
# The set-up returns what the calls need; web and API requests are (method, path, data).
STEPS = {
    "assess": (
        "reported",
        None,
        lambda b: None,
        lambda b, s, u: do_transition(
            b.report.pk, "assess", acting_user=u, data=transition_data(b.report, "assess")
        ),
        lambda b, s: ("post", f"/cases/{b.report.pk}/do/assess/", transition_data(b.report, "assess")),
        lambda b, s: (
            "post",
            f"/api/v1/reports/{b.report.pk}/transitions/assess/",
            transition_data(b.report, "assess"),
        ),
    ),
    "decide on IMY": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_transition(
            b.report.pk, "decide", acting_user=u, data=transition_data(b.report, "decide")
        ),
        lambda b, s: ("post", f"/cases/{b.report.pk}/do/decide/", transition_data(b.report, "decide")),
        lambda b, s: (
            "post",
            f"/api/v1/reports/{b.report.pk}/transitions/decide/",
            transition_data(b.report, "decide"),
        ),
    ),
    "close": (
        "decided",
        "submitted",
        lambda b: None,
        lambda b, s, u: do_transition(b.report.pk, "close", acting_user=u, data={}),
        lambda b, s: ("post", f"/cases/{b.report.pk}/do/close/", {}),
        lambda b, s: ("post", f"/api/v1/reports/{b.report.pk}/transitions/close/", {}),
    ),
    "submit the IMY notification": (
        "decided",
        "decided",
        lambda b: b.notification,
        lambda b, n, u: do_notification_transition(
            b.report.pk,
            n.pk,
            "submit",
            acting_user=u,
            data={"submitted_at": ago(minutes=5), "channel": "e_service"},
        ),
        lambda b, n: (
            "post",
            f"/cases/{b.report.pk}/notifications/{n.pk}/submit/",
            {"submitted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "channel": "e_service"},
        ),
        lambda b, n: (
            "post",
            f"/api/v1/reports/{b.report.pk}/notifications/{n.pk}/transitions/submit/",
            {"submitted_at": ago(minutes=5), "channel": "e_service"},
        ),
    ),
    "supplement the IMY notification": (
        "decided",
        "submitted",
        lambda b: b.notification,
        lambda b, n, u: do_notification_transition(
            b.report.pk,
            n.pk,
            "supplement",
            acting_user=u,
            data={"sent_at": ago(minutes=1), "text": "Antalet berörda var 30."},
        ),
        lambda b, n: (
            "post",
            f"/cases/{b.report.pk}/notifications/{n.pk}/supplement/",
            {"sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "text": "Antalet berörda var 30."},
        ),
        lambda b, n: (
            "post",
            f"/api/v1/reports/{b.report.pk}/notifications/{n.pk}/transitions/supplement/",
            {"sent_at": ago(minutes=1), "text": "Antalet berörda var 30."},
        ),
    ),
    "record IMY's decision": (
        "decided",
        "submitted",
        lambda b: b.notification,
        lambda b, n, u: do_notification_transition(
            b.report.pk,
            n.pk,
            "record_outcome",
            acting_user=u,
            data={"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
        ),
        lambda b, n: (
            "post",
            f"/cases/{b.report.pk}/notifications/{n.pk}/record_outcome/",
            {"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
        ),
        lambda b, n: (
            "post",
            f"/api/v1/reports/{b.report.pk}/notifications/{n.pk}/transitions/record_outcome/",
            {"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
        ),
    ),
    "complete the IMY notification": (
        "decided",
        "regulator_decided",
        lambda b: b.notification,
        lambda b, n, u: do_notification_transition(b.report.pk, n.pk, "complete", acting_user=u, data={}),
        lambda b, n: ("post", f"/cases/{b.report.pk}/notifications/{n.pk}/complete/", {}),
        lambda b, n: (
            "post",
            f"/api/v1/reports/{b.report.pk}/notifications/{n.pk}/transitions/complete/",
            {},
        ),
    ),
    "add a person": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_add_affected_person(
            b.report.pk, acting_user=u, data={"name": "Brukare Två", "role": "Brukare"}
        ),
        lambda b, s: ("post", f"/cases/{b.report.pk}/persons/", {"name": "Brukare Två", "role": "Brukare"}),
        lambda b, s: (
            "post",
            f"/api/v1/reports/{b.report.pk}/persons/",
            {"name": "Brukare Två", "role": "Brukare"},
        ),
    ),
    "add an investigation entry": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_add_investigation_entry(b.report.pk, acting_user=u, data=entry_data()),
        lambda b, s: ("post", f"/cases/{b.report.pk}/entries/", entry_data()),
        lambda b, s: ("post", f"/api/v1/reports/{b.report.pk}/investigation-entries/", entry_data()),
    ),
    "set the risk": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_set_risk(b.report.pk, acting_user=u, data={"probability": 2, "severity": 3}),
        lambda b, s: ("post", f"/cases/{b.report.pk}/risk/", {"probability": 2, "severity": 3}),
        lambda b, s: ("put", f"/api/v1/reports/{b.report.pk}/risk/", {"probability": 2, "severity": 3}),
    ),
    "add a cause": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_add_cause(b.report.pk, acting_user=u, data={"description": "Stress."}),
        lambda b, s: ("post", f"/cases/{b.report.pk}/causes/", {"description": "Stress."}),
        lambda b, s: ("post", f"/api/v1/reports/{b.report.pk}/causes/", {"description": "Stress."}),
    ),
    "add an action": (
        "assessed",
        None,
        lambda b: b.action().causes.get(),
        lambda b, c, u: do_add_action(
            b.report.pk,
            acting_user=u,
            data={
                "description": "Utbildning.",
                "kind": "preventive",
                "causes": [c.pk],
                "owner": b.dso.pk,
                "due_date": timezone.localdate().isoformat(),
            },
        ),
        lambda b, c: (
            "post",
            f"/cases/{b.report.pk}/actions/",
            {
                "description": "Utbildning.",
                "kind": "preventive",
                "causes": [c.pk],
                "owner": b.dso.pk,
                "due_date": timezone.localdate().isoformat(),
            },
        ),
        lambda b, c: (
            "post",
            f"/api/v1/reports/{b.report.pk}/actions/",
            {
                "description": "Utbildning.",
                "kind": "preventive",
                "causes": [c.pk],
                "owner": b.dso.pk,
                "due_date": timezone.localdate().isoformat(),
            },
        ),
    ),
    "update an action": (
        "assessed",
        None,
        lambda b: b.action(),
        lambda b, a, u: do_update_action_as(b, a, u),
        lambda b, a: (
            "post",
            f"/cases/{b.report.pk}/actions/{a.pk}/",
            {
                "status": "in_progress",
                "description": a.description,
                "kind": a.kind,
                "owner": a.owner_id,
                "due_date": a.due_date.isoformat(),
                "causes": [c.pk for c in a.causes.all()],
            },
        ),
        lambda b, a: ("patch", f"/api/v1/reports/{b.report.pk}/actions/{a.pk}/", {"status": "in_progress"}),
    ),
    "record that a person was informed": (
        "assessed",
        None,
        lambda b: b.person(),
        lambda b, p, u: do_add_information_event(b.report.pk, acting_user=u, data=information_data(p)),
        lambda b, p: ("post", f"/cases/{b.report.pk}/information/", information_data(p, web=True)),
        lambda b, p: ("post", f"/api/v1/reports/{b.report.pk}/information-events/", information_data(p)),
    ),
    "add an attachment": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_add_attachment(b.report.pk, acting_user=u, upload=png()),
        lambda b, s: ("post", f"/cases/{b.report.pk}/attachments/", {"file": png()}),
        lambda b, s: ("post", f"/api/v1/reports/{b.report.pk}/attachments/", {"file": png()}),
    ),
    "correct a key time": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_correct_key_time(b.report.pk, acting_user=u, data=key_time_data()),
        lambda b, s: ("post", f"/cases/{b.report.pk}/key-time/", key_time_data()),
        lambda b, s: ("post", f"/api/v1/reports/{b.report.pk}/key-time/", key_time_data()),
    ),
    "give the reporter feedback": (
        "assessed",
        None,
        lambda b: None,
        lambda b, s, u: do_give_reporter_feedback(b.report.pk, acting_user=u, data={"text": "Tack."}),
        lambda b, s: ("post", f"/cases/{b.report.pk}/feedback/", {"text": "Tack."}),
        None,
    ),
    "name an investigator": (
        "assessed",
        None,
        lambda b: b.cast["outsider"],
        lambda b, o, u: do_grant_investigator(b.report.pk, o, acting_user=u),
        None,
        lambda b, o: ("post", f"/api/v1/reports/{b.report.pk}/investigators/", {"user": o.pk}),
    ),
    "take a task": (
        "reported",
        None,
        lambda b: b.task("assess"),
        lambda b, t, u: do_claim(t.pk, acting_user=u),
        lambda b, t: ("post", f"/tasks/{t.pk}/claim/", {}),
        lambda b, t: ("post", f"/api/v1/tasks/{t.pk}/claim/", {}),
    ),
    "give a task back": (
        "reported",
        None,
        lambda b: b.task("assess", claimed_by=b.dso),
        lambda b, t, u: do_release(t.pk, acting_user=u),
        lambda b, t: ("post", f"/tasks/{t.pk}/release/", {}),
        lambda b, t: ("post", f"/api/v1/tasks/{t.pk}/release/", {}),
    ),
    "hand a task to someone": (
        "reported",
        None,
        lambda b: b.task("assess"),
        lambda b, t, u: do_reassign(t.pk, acting_user=u, user_id=b.dso.pk),
        lambda b, t: ("post", f"/tasks/{t.pk}/reassign/", {"user": b.dso.pk}),
        lambda b, t: ("post", f"/api/v1/tasks/{t.pk}/reassign/", {"user": b.dso.pk}),
    ),
}


def do_update_action_as(breach, action, user):
    from cases.services import do_update_action

    return do_update_action(breach.report.pk, action.pk, acting_user=user, data={"status": "in_progress"})


def information_data(person, web=False):
    informed = timezone.localtime() - datetime.timedelta(hours=1)
    return {
        "person": person.pk,
        "informed_at": informed.strftime("%Y-%m-%dT%H:%M") if web else informed.isoformat(),
        "channel": "Telefon",
        "person_view": "Vill bli informerad.",
    }


def changes():
    return AuditEvent.objects.filter(chain="change").count()


def steps(names):
    """The steps × the cast, each step with the outcomes of ON_EVERY_STEP."""
    return Matrix(EVERYONE, dict.fromkeys(names, ON_EVERY_STEP))


SERVICE_STEPS = steps(STEPS)
WEB_STEPS = steps(n for n, spec in STEPS.items() if spec[4])
API_STEPS = steps(n for n, spec in STEPS.items() if spec[5])


def prepared(name, cast, org):
    state, imy, setup = STEPS[name][:3]
    breach = Breach(cast, org, state, imy)
    return breach, setup(breach)


@SERVICE_STEPS.per_row("name, outcomes")
def test_only_the_dso_takes_each_step_through_the_services(name, outcomes, cast, org):
    breach, thing = prepared(name, cast, org)
    call = STEPS[name][3]
    for member, outcome in outcomes.items():
        before = changes()
        with rolled_back():
            if outcome == "may":
                call(breach, thing, cast[member])
                assert changes() > before, member
                continue
            expected = PermissionDenied if outcome == "refused" else CaseNotFound
            with pytest.raises(expected):
                call(breach, thing, cast[member])
        assert changes() == before, member


@WEB_STEPS.per_row("name, outcomes")
def test_only_the_dso_takes_each_step_on_the_web_pages(name, outcomes, cast, org, client):
    breach, thing = prepared(name, cast, org)
    method, path, data = STEPS[name][4](breach, thing)
    for member, outcome in outcomes.items():
        client.force_login(cast[member])
        before = changes()
        with rolled_back():
            if not path.startswith("/tasks/"):
                page = client.get(path)
                assert page.status_code == {"may": 200, "refused": 403, "hidden": 404}[outcome], (
                    member,
                    "GET",
                )
            response = getattr(client, method)(path, {**data, "file": png()} if "file" in data else data)
            if outcome == "may":
                assert response.status_code == 302, (member, response.status_code)
                assert changes() > before, member
                continue
            assert response.status_code == (403 if outcome == "refused" else 404), (
                member,
                response.status_code,
            )
        assert changes() == before, member


@API_STEPS.per_row("name, outcomes")
def test_only_the_dso_takes_each_step_through_the_api(name, outcomes, cast, org):
    breach, thing = prepared(name, cast, org)
    method, path, data = STEPS[name][5](breach, thing)
    fmt = "multipart" if "file" in data else "json"
    for member, outcome in outcomes.items():
        client = APIClient()
        client.force_authenticate(cast[member])
        before = changes()
        with rolled_back():
            response = getattr(client, method)(
                path, {**data, "file": png()} if "file" in data else data, format=fmt
            )
            if outcome == "may":
                assert response.status_code < 300, (member, response.status_code, response.content)
                assert changes() > before, member
                continue
            assert response.status_code == (403 if outcome == "refused" else 404), (
                member,
                response.status_code,
            )
        assert changes() == before, member


def test_the_sas_reads_a_breach_and_is_offered_no_step_form_or_task(cast, org, client):
    breach = Breach(cast, org, "decided", "decided")
    client.force_login(cast["sas"])
    page = client.get(f"/cases/{breach.report.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and breach.report.case_number in html
    case_links = {
        f"/cases/{breach.report.pk}/{part}/"
        for part in (
            "do",
            "notifications",
            "persons",
            "entries",
            "risk",
            "causes",
            "actions",
            "information",
            "attachments",
            "feedback",
            "key-time",
            "route",
        )
    }
    assert not [link for link in case_links if link in html]
    assert "/tasks/" not in html
    api = APIClient()
    api.force_authenticate(cast["sas"])
    assert api.get(f"/api/v1/reports/{breach.report.pk}/").json()["available_transitions"] == []


def test_a_breach_does_not_close_while_imy_is_to_be_notified_and_not_yet_submitted(cast, org, client):
    breach = Breach(cast, org, "decided", "decided")
    with pytest.raises(ValidationError) as refused:
        do_transition(breach.report.pk, "close", acting_user=cast["dso"], data={})
    assert "IMY" in str(refused.value)
    client.force_login(cast["dso"])
    response = client.post(f"/cases/{breach.report.pk}/do/close/", {})
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    api = APIClient()
    api.force_authenticate(cast["dso"])
    assert (
        api.post(f"/api/v1/reports/{breach.report.pk}/transitions/close/", {}, format="json").status_code
        == 400
    )
    assert Report.objects.get(pk=breach.report.pk).state == "decided"
    finish_regulator_notifications(breach.report, cast)
    assert do_transition(breach.report.pk, "close", acting_user=cast["dso"], data={}).state == "closed"
