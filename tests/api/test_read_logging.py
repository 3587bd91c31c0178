"""Every read of a case writes one access row: who read which cases, when, in which request."""

import pytest

from cases.models import AuditEvent
from tests.api.helpers import Case, url
from tests.factories import file


def reads():
    return list(AuditEvent.objects.filter(chain="access").order_by("seq"))


def test_a_list_page_writes_one_row_with_the_ids_it_shows(cast, org, client_as):
    filed = [file("deviation", cast["reporter"], org.unit_a) for _ in range(3)]
    before = len(reads())
    page = client_as("sas").get(
        "/api/v1/reports/", {"page_size": 2, "type": "deviation"}, HTTP_X_REQUEST_ID="req-1"
    )
    rows = reads()[before:]
    assert len(rows) == 1
    assert (
        rows[0].action == "report.listed" and rows[0].actor == cast["sas"] and rows[0].request_id == "req-1"
    )
    assert (
        rows[0].payload["report_ids"]
        == [r["id"] for r in page.json()["results"]]
        == [filed[2].pk, filed[1].pk]
    )
    assert rows[0].payload["filters"] == {"type": "deviation"}


def test_reading_a_case_writes_one_row_for_that_case(cast, org, client_as):
    report = file("deviation", cast["reporter"], org.unit_a)
    before = len(reads())
    client_as("manager_a").get(url(report))
    [row] = reads()[before:]
    assert (row.action, row.report_id, row.payload) == (
        "report.viewed",
        report.pk,
        {"report_ids": [report.pk]},
    )


@pytest.mark.parametrize(
    "part",
    [
        "persons",
        "investigation-entries",
        "causes",
        "actions",
        "information-events",
        "attachments",
        "links",
        "notifications",
    ],
)
def test_reading_a_part_of_a_case_writes_one_row_naming_the_part(part, cast, org, client_as):
    report = Case(cast, org, "lex_sarah", "investigating").report
    before = len(reads())
    assert client_as("sas").get(url(report, part)).status_code == 200
    [row] = reads()[before:]
    assert row.action == "report.viewed" and row.report_id == report.pk
    assert row.payload["part"] == part.replace("-", "_")


def test_a_download_and_a_look_at_the_audit_trail_are_logged_as_what_they_are(cast, org, client_as):
    case = Case(cast, org, "deviation", "reported").having("attachment")
    client = client_as("sas")
    before = len(reads())
    client.get(url(case.report, "attachments", case.attachment.pk, "download"))
    client.get(url(case.report, "audit"))
    downloaded, audited = reads()[before:]
    assert (downloaded.action, downloaded.report_id, downloaded.payload["attachment"]) == (
        "attachment.downloaded",
        case.report.pk,
        case.attachment.pk,
    )
    assert (audited.action, audited.report_id) == ("audit.viewed", case.report.pk)


def test_a_refused_read_is_not_logged_as_a_read(cast, org, client_as):
    report = file("deviation", cast["reporter"], org.unit_a)
    before = len(reads())
    assert client_as("sas_other").get(url(report)).status_code == 404
    assert client_as("reporter").get(url(report, "persons")).status_code == 403
    assert len(reads()) == before


def test_the_audit_trail_lists_changes_and_reads_of_the_case(cast, org, client_as):
    report = file("deviation", cast["reporter"], org.unit_a)
    client_as("manager_a").get(url(report))
    body = client_as("sas").get(url(report, "audit")).json()
    assert [(r["chain"], r["action"], r["actor_name"]) for r in body["results"]] == [
        ("change", "report.filed", "Reporter Testsson"),
        ("access", "report.viewed", "Manager A Testsson"),
    ]
    assert body["results"][1]["request_id"]
