"""What each part of a case does over the API beyond who may use it."""

from django.utils import timezone

from cases.models import InvestigationEntry
from tests.api.helpers import PNG, Case, png, url
from tests.factories import ago


def test_an_investigation_entry_is_corrected_by_a_new_entry_never_changed(cast, org, client_as):
    case = Case(cast, org, "lex_sarah", "investigating").having("entry")
    client = client_as("sas")
    for method in ("put", "patch", "delete"):
        assert (
            getattr(client, method)(
                url(case.report, "investigation-entries", case.entry.pk), {"text": "Ändrad."}, format="json"
            ).status_code
            == 405
        )
    correction = client.post(
        url(case.report, "investigation-entries"),
        {
            "text": "Rättelse: det var kvällspasset.",
            "entry_date": timezone.localdate().isoformat(),
            "source": "Schema",
            "nature": "fact",
            "corrects": case.entry.pk,
        },
        format="json",
    ).json()
    assert correction["corrects"] == case.entry.pk
    assert correction["author_name"] == "Sas Testsson" and correction["author_title"] == "SAS"
    assert InvestigationEntry.objects.get(pk=case.entry.pk).text == "Personalen bekräftar händelsen."


def test_an_attachment_is_uploaded_and_downloaded_as_it_was(cast, org, client_as):
    report = Case(cast, org, "deviation", "reported").report
    client = client_as("manager_a")
    uploaded = client.post(
        url(report, "attachments"), {"file": png("skada på armen.png")}, format="multipart"
    )
    assert uploaded.status_code == 201
    meta = uploaded.json()
    assert (meta["original_name"], meta["content_type"], meta["size"]) == (
        "skada på armen.png",
        "image/png",
        len(PNG),
    )
    download = client.get(meta["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "image/png"


def test_an_attachment_that_is_not_what_its_name_says_is_refused(cast, org, client_as):
    report = Case(cast, org, "deviation", "reported").report
    client = client_as("manager_a")
    fake = png("intyg.pdf")
    assert list(client.post(url(report, "attachments"), {"file": fake}, format="multipart").json()) == [
        "file"
    ]
    assert list(client.post(url(report, "attachments"), {}, format="json").json()) == ["file"]
    assert client.get(url(report, "attachments")).json() == []


def test_an_action_update_changes_only_the_fields_sent(cast, org, client_as):
    case = Case(cast, org, "deviation", "assessed").having("action")
    client = client_as("manager_a")
    done = client.patch(
        url(case.report, "actions", case.action.pk),
        {"status": "done", "effect_follow_up": "Inga nya fel."},
        format="json",
    ).json()
    assert done["is_settled"] and done["done_at"]
    moved = client.patch(
        url(case.report, "actions", case.action.pk), {"due_date": "2030-01-31"}, format="json"
    ).json()
    assert (moved["due_date"], moved["status"], moved["effect_follow_up"]) == (
        "2030-01-31",
        "done",
        "Inga nya fel.",
    )
    assert moved["causes"] == [case.cause.pk]


def test_an_action_names_every_cause_it_addresses(cast, org, client_as):
    case = Case(cast, org, "deviation", "assessed")
    causes = [case.another("cause").pk for _ in range(2)]
    action = (
        client_as("manager_a")
        .post(
            url(case.report, "actions"),
            {
                "description": "Ny rutin.",
                "kind": "preventive",
                "causes": causes,
                "owner": cast["manager_a"].pk,
                "due_date": timezone.localdate().isoformat(),
            },
            format="json",
        )
        .json()
    )
    assert sorted(action["causes"]) == sorted(causes)


def test_the_ivo_notification_runs_its_own_lifecycle(cast, org, client_as):
    report = Case(cast, org, "lex_sarah", "investigating").report
    sas, decision_maker = client_as("sas"), client_as("decision_maker")
    decided = decision_maker.post(
        url(report, "notifications"), {"decision": "Allvarligt; anmäls."}, format="json"
    )
    assert decided.status_code == 201
    notification = decided.json()
    assert [t["name"] for t in notification["available_transitions"]] == ["submit"]
    assert (
        decision_maker.post(url(report, "notifications"), {"decision": "Igen."}, format="json").status_code
        == 409
    )

    steps = url(report, "notifications", notification["id"], "transitions")
    assert (
        sas.post(
            steps + "record_outcome/", {"outcome": "closed", "outcome_at": "2026-01-01"}, format="json"
        ).status_code
        == 409
    )
    assert sas.post(steps + "teleport/", {}, format="json").status_code == 404
    assert list(sas.post(steps + "submit/", {}, format="json").json()) == ["submitted_at", "channel"]
    submitted = sas.post(
        steps + "submit/",
        {"submitted_at": ago(minutes=5), "channel": "e_service", "regulator_case_number": "IVO 3.1-123/2026"},
        format="json",
    ).json()
    assert submitted["state"] == "submitted" and len(submitted["document_sha256"]) == 64
    assert {t["name"] for t in submitted["available_transitions"]} == {"supplement", "record_outcome"}
    supplemented = sas.post(
        steps + "supplement/", {"sent_at": ago(minutes=1), "text": "Utredningen bifogas."}, format="json"
    ).json()
    assert supplemented["supplements"][0]["text"] == "Utredningen bifogas."
    sas.post(
        steps + "record_outcome/",
        {"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
        format="json",
    )
    done = sas.post(steps + "complete/", {}, format="json").json()
    assert (done["state"], done["outcome"], done["regulator_case_number"]) == (
        "done",
        "closed",
        "IVO 3.1-123/2026",
    )
    assert client_as("manager_a").get(url(report, "notifications")).json()[0]["available_transitions"] == []


def test_routing_opens_a_linked_case_and_keeps_the_source(cast, org, client_as):
    report = Case(cast, org, "deviation", "assessed").report
    client = client_as("manager_a")
    link = client.post(
        url(report, "links"), {"target_type": "lex_sarah", "reason": "Missförhållande."}, format="json"
    ).json()
    assert link["direction"] == "to" and link["report"]["type"] == "lex_sarah" and link["visible"]
    assert client.get(url(link["report"]["id"], "links")).json()[0]["report"]["id"] == report.pk
    assert client.get(url(report)).json()["state"] == "assessed"
    assert list(
        client.post(url(report, "links"), {"target_type": "complaint", "reason": "x"}, format="json").json()
    ) == ["target_type"]


def test_a_named_investigator_may_work_on_that_one_case(cast, org, client_as):
    case = Case(cast, org, "lex_sarah", "investigating")
    other = Case(cast, org, "lex_sarah", "investigating")
    granted = client_as("sas").post(
        url(case.report, "investigators"), {"user": cast["outsider"].pk}, format="json"
    )
    assert granted.json() == {"user": {"id": cast["outsider"].pk, "name": "Outsider Testsson"}}
    outsider = client_as("outsider")
    assert outsider.get(url(case.report)).json()["representation"] == "full"
    assert (
        outsider.post(url(case.report, "causes"), {"description": "Bemanning."}, format="json").status_code
        == 201
    )
    assert outsider.get(url(other.report)).status_code == 404


def test_the_risk_is_set_and_its_level_follows_the_matrix(cast, org, client_as):
    report = Case(cast, org, "lex_sarah", "investigating").report
    client = client_as("sas")
    risk = client.put(url(report, "risk"), {"probability": 3, "severity": 4}, format="json").json()
    assert (risk["score"], risk["band"]["code"]) == (12, "kritisk")
    assert list(client.put(url(report, "risk"), {"probability": 5}, format="json").json()) == [
        "probability",
        "severity",
    ]
    assert client.get(url(report)).json()["risk"]["score"] == 12


def test_adding_to_a_closed_case_is_a_conflict(cast, org, client_as):
    report = Case(cast, org, "deviation", "closed").report
    assert (
        client_as("manager_a")
        .post(url(report, "causes"), {"description": "Sent."}, format="json")
        .status_code
        == 409
    )


def test_a_reporter_may_add_persons_and_files_until_the_report_is_taken_up(cast, org, client_as):
    report = Case(cast, org, "deviation", "reported").report
    reporter = client_as("reporter")
    assert reporter.post(url(report, "persons"), {"role": "Brukare"}, format="json").status_code == 201
    assert reporter.post(url(report, "attachments"), {"file": png()}, format="multipart").status_code == 201
    assert list(reporter.post(url(report, "persons"), {}, format="json").json()) == ["non_field_errors"]
