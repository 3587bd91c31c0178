"""Each flow end to end through the API, as the fixed cast: the case's open tasks follow its
state step by step, the regulator notification runs beside the investigation, and a case
routed to a linked case starts that case's own workflow."""

import pytest

from cases.models import Report
from tests.api.helpers import url
from tests.factories import ACTOR, NOTIFIER, PATHS, filing_data, prepare, transition_data
from tests.workflows.helpers import NOTIFICATION_DATA, listed_ids, open_steps, task_of
from workflows.consistency import drift
from workflows.models import CaseProcess

# The open steps after each step of the normal path (IVO and IMY notified at the decision).
AFTER = {
    "deviation": [["complete_investigation"], ["record_actions"], ["follow_up"], ["close"], []],
    "complaint": [["investigate"], ["answer"], ["close"], []],
    "lex_sarah": [["register"], ["first_assessment"], ["assess"], ["decide"], ["submit_ivo"], []],
    "data_breach": [["decide"], ["submit_imy"], []],
    "lex_maria": [["first_assessment"], ["assess"], ["decide"], ["submit_ivo"], []],
}
FIRST = {
    "deviation": "assess",
    "complaint": "register",
    "lex_sarah": "record_immediate_measures",
    "data_breach": "assess",
    "lex_maria": "register",
}
# Who reads the case's open steps: the SAS, but for lex Maria (the SAS is not involved) the MAS.
READER = {"lex_maria": "mas"}
# The notification's steps until the case may close, and the open steps after each.
NOTIFICATION_PATH = {
    "ivo": [
        ("submit", ["record_ivo_outcome"]),
        ("record_outcome", ["complete_ivo"]),
        ("complete", ["close"]),
    ],
    "imy": [("submit", ["close"])],
}


def file_over_api(client, report_type, org):
    response = client.post("/api/v1/reports/", filing_data(report_type, org.unit_a), format="json")
    assert response.status_code == 201, response.content
    return Report.objects.get(pk=response.json()["id"]).typed()


def claim_if_unassigned(client_as, actor, report, reader):
    for task in reader.get(url(report)).json()["open_tasks"]:
        if task["assignee"] is None:
            client = client_as(actor)
            assert task["id"] in listed_ids(client, "queue")
            response = client.post(f"/api/v1/tasks/{task['id']}/claim/")
            assert response.status_code == 200, response.content
            assert response.json()["assignee"]["id"] is not None
            assert task["id"] in listed_ids(client, "inbox")
            return task["id"]
    return None


def run_notification(client_as, report, regulator, reader, steps_after):
    notification = Report.objects.get(pk=report.pk).regulator_notifications.get(regulator=regulator)
    actor = NOTIFIER[report.type]
    for name, expected in steps_after:
        response = client_as(actor).post(
            url(report, "notifications", notification.pk, "transitions", name),
            NOTIFICATION_DATA[name](),
            format="json",
        )
        assert response.status_code == 200, response.content
        assert open_steps(reader, report) == expected, name


@pytest.mark.parametrize("report_type", list(PATHS))
def test_each_flow_walks_with_its_case_from_filing_to_closing(report_type, cast, org, client_as):
    reader = client_as(READER.get(report_type, "sas"))
    report = file_over_api(client_as("reporter"), report_type, org)
    assert open_steps(reader, report) == [FIRST[report_type]]
    for name, expected in zip(PATHS[report_type], AFTER[report_type], strict=True):
        report = Report.objects.get(pk=report.pk).typed()
        prepare(report, name, cast)
        actor = ACTOR[(report_type, name)]
        claimed = claim_if_unassigned(client_as, actor, report, reader)
        response = client_as(actor).post(
            url(report, "transitions", name), transition_data(report, name, cast), format="json"
        )
        assert response.status_code == 200, (name, response.content)
        if claimed:
            assert claimed in listed_ids(client_as(actor), "archive")
        regulator = {"lex_sarah": "ivo", "data_breach": "imy", "lex_maria": "ivo"}.get(report_type)
        if name == "decide" and regulator:
            assert open_steps(reader, report) == expected
            run_notification(client_as, report, regulator, reader, NOTIFICATION_PATH[regulator])
            continue
        assert open_steps(reader, report) == expected, name
    process = CaseProcess.objects.get(report=report)
    assert process.status == "DONE" and process.finished is not None
    assert list(drift()) == []


def test_the_ivo_notification_runs_beside_the_investigation(cast, org, client_as):
    reader = client_as("sas")
    report = file_over_api(client_as("reporter"), "lex_sarah", org)
    for name in ("record_immediate_measures", "register"):
        client_as(ACTOR[("lex_sarah", name)]).post(
            url(report, "transitions", name), transition_data(report, name, cast), format="json"
        )
    assert open_steps(reader, report) == ["first_assessment"]

    # The decision maker notifies IVO at once, before the investigation has started.
    response = client_as("decision_maker").post(
        url(report, "notifications"), {"decision": "Anmäls till IVO."}, format="json"
    )
    assert response.status_code == 201, response.content
    assert open_steps(reader, report) == ["first_assessment", "submit_ivo"]
    notification_id = response.json()["id"]
    submit = task_of(reader, report, "submit_ivo")
    assert submit["due_at"] is None or submit["due_at"]  # the clock is clk's; the field is there either way

    client_as("sas").post(
        url(report, "notifications", notification_id, "transitions", "submit"),
        NOTIFICATION_DATA["submit"](),
        format="json",
    )
    assert open_steps(reader, report) == ["first_assessment", "record_ivo_outcome"]

    report = Report.objects.get(pk=report.pk).typed()
    for name in ("start_investigation", "assess", "decide"):
        report = Report.objects.get(pk=report.pk).typed()
        prepare(report, name, cast)
        response = client_as(ACTOR[("lex_sarah", name)]).post(
            url(report, "transitions", name), transition_data(report, name, cast), format="json"
        )
        assert response.status_code == 200, (name, response.content)
    # Decided, but the case cannot close while IVO's track is open: no close task yet.
    assert open_steps(reader, report) == ["record_ivo_outcome"]
    # A supplement keeps the same step open.
    response = client_as("sas").post(
        url(report, "notifications", notification_id, "transitions", "supplement"),
        {"sent_at": NOTIFICATION_DATA["submit"]()["submitted_at"], "text": "Kompletterande uppgifter."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert open_steps(reader, report) == ["record_ivo_outcome"]
    for name, expected in NOTIFICATION_PATH["ivo"][1:]:
        client_as("sas").post(
            url(report, "notifications", notification_id, "transitions", name),
            NOTIFICATION_DATA[name](),
            format="json",
        )
        assert open_steps(reader, report) == expected
    response = client_as("sas").post(url(report, "transitions", "close"), {}, format="json")
    assert response.status_code == 200, response.content
    assert open_steps(reader, report) == []
    assert list(drift()) == []


def test_a_lex_sarah_case_closed_as_outside_scope_ends_both_branches(cast, org, client_as):
    reader = client_as("sas")
    report = file_over_api(client_as("reporter"), "lex_sarah", org)
    for name in ("record_immediate_measures", "register", "close_outside_scope"):
        response = client_as(ACTOR[("lex_sarah", name)]).post(
            url(report, "transitions", name), transition_data(report, name, cast), format="json"
        )
        assert response.status_code == 200, response.content
    assert open_steps(reader, report) == []
    assert CaseProcess.objects.get(report=report).status == "DONE"
    assert list(drift()) == []


def test_a_deviation_routed_to_lex_sarah_starts_the_linked_case_workflow(cast, org, client_as):
    reader = client_as("sas")
    report = file_over_api(client_as("reporter"), "deviation", org)
    data = {**transition_data(report, "assess", cast), "probability": 3, "severity": 4, "route": "lex_sarah"}
    response = client_as("manager_a").post(url(report, "transitions", "assess"), data, format="json")
    assert response.status_code == 200, response.content
    assert open_steps(reader, report) == ["complete_investigation"]
    linked = Report.objects.get(links_in__source=report)
    assert linked.type == "lex_sarah"
    assert open_steps(reader, linked) == ["record_immediate_measures"]
    linked_task = task_of(reader, linked, "record_immediate_measures")
    assert linked_task["id"] in listed_ids(client_as("manager_a"), "queue")
    assert linked_task["id"] not in listed_ids(client_as("manager_b"), "queue")
    assert list(drift()) == []


def test_a_breach_not_notified_to_imy_goes_straight_to_closing(cast, org, client_as):
    reader = client_as("sas")
    report = file_over_api(client_as("reporter"), "data_breach", org)
    data = {**transition_data(report, "assess", cast), "breach_risk": "unlikely"}
    client_as("dso").post(url(report, "transitions", "assess"), data, format="json")
    response = client_as("dso").post(
        url(report, "transitions", "decide"),
        {"decision": "Ingen risk; anmäls inte.", "notify_imy": "False"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert open_steps(reader, report) == ["close"]
    assert list(drift()) == []
