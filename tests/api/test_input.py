"""Bad input answers 400 (or 404/413), never 500, with messages per field in the user's language."""

import pytest
from django.conf import settings

from cases.models import Report
from tests.api.helpers import Case, url
from tests.factories import ago, transition_data


@pytest.fixture
def sas(client_as):
    return client_as("sas")


def filing(org, **changes):
    return {
        "type": "deviation",
        "unit": org.unit_a.pk,
        "description": "Larmet gick inte.",
        "occurred_at": ago(hours=1),
        **changes,
    }


def test_a_missing_field_is_named_in_swedish_by_default(sas):
    response = sas.post("/api/v1/reports/", {"type": "deviation"}, format="json")
    assert response.status_code == 400
    assert response.json()["description"] == ["Det här fältet är obligatoriskt."]


def test_a_missing_field_is_named_in_english_when_asked_for(sas):
    response = sas.post("/api/v1/reports/", {"type": "deviation"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["description"] == ["This field is required."]


def test_a_failed_filing_saves_nothing(sas, org):
    response = sas.post("/api/v1/reports/", filing(org, occurred_at=None), format="json")
    assert response.status_code == 400 and list(response.json()) == ["occurred_at"]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "report_type, needs",
    [
        ("deviation", {"occurred_at": ago(hours=1)}),
        ("complaint", {"kind": "klagomal"}),
        ("lex_sarah", {"occurred_at": ago(hours=1)}),
        ("data_breach", {"discovered_at": ago(hours=1)}),
    ],
)
def test_each_type_is_filed_with_no_more_than_type_unit_description_and_its_moment(
    report_type, needs, org, sas
):
    body = {"type": report_type, "unit": org.unit_a.pk, "description": "Något hände.", **needs}
    response = sas.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["type"] == report_type and response.json()["case_number"].startswith("SN ")
    without = {k: v for k, v in body.items() if k not in needs}
    assert list(sas.post("/api/v1/reports/", without, format="json").json()) == list(needs)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"type": "deviation",', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"NaN", "application/json"),
    ],
)
def test_malformed_json_is_a_bad_request(body, content_type, sas):
    assert sas.generic("POST", "/api/v1/reports/", body, content_type=content_type).status_code == 400


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"12", b"null"])
def test_a_body_that_is_not_an_object_is_a_bad_request(body, sas):
    response = sas.generic("POST", "/api/v1/reports/", body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"occurred_at": 12}, "occurred_at"),
        ({"occurred_at": True}, "occurred_at"),
        ({"occurred_at": ["2026-01-01", {"a": 1}]}, "occurred_at"),
        ({"unit": "A"}, "unit"),
        ({"unit": {"id": 1}}, "unit"),
        ({"unit": 10**30}, "unit"),
        ({"unit": 999999}, "unit"),
        ({"type": ["deviation", "lex_sarah", 3]}, "type"),
        ({"description": "x" * 20001}, "description"),
        ({"description": "null\x00byte"}, "description"),
        ({"description": {"nested": ["object"]}}, "description"),
        ({"type": "incident"}, "type"),
    ],
)
def test_wrong_types_and_unknown_ids_name_the_field(changes, field, sas, org):
    response = sas.post("/api/v1/reports/", filing(org, **changes), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_request_larger_than_allowed_is_refused(sas, org):
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert sas.post("/api/v1/reports/", filing(org, description=huge), format="json").status_code == 413


@pytest.mark.parametrize("path", ["999999/", "99999999999999999999999999/", "abc/", "-1/", "1/persons/x/"])
def test_an_unknown_or_malformed_case_id_is_not_found(path, sas):
    assert sas.get("/api/v1/reports/" + path).status_code == 404


@pytest.mark.parametrize(
    "query", [{"type": "incident"}, {"unit": "A"}, {"unit": 10**30}, {"state": "x" * 100}]
)
def test_bad_list_filters_are_named(query, sas):
    response = sas.get("/api/v1/reports/", query)
    assert response.status_code == 400 and list(response.json()) == list(query)


def test_a_page_beyond_the_last_is_not_found(sas):
    assert sas.get("/api/v1/reports/", {"page": 5}).status_code == 404
    assert sas.get("/api/v1/reports/", {"page": "x"}).status_code == 404


def test_huge_numbers_and_ids_in_lists_are_refused_not_crashed_on(cast, org, client_as):
    dso = client_as("dso")
    report = Case(cast, org, "data_breach", "reported").report
    too_many = {**transition_data(report, "assess", cast), "approx_subjects": 10**12}
    response = dso.post(url(report, "transitions", "assess"), too_many, format="json")
    assert response.status_code == 400 and list(response.json()) == ["approx_subjects"]
    beyond_any_id = {**transition_data(report, "assess", cast), "data_categories": [10**20]}
    for fmt in ("json", "multipart"):
        assert dso.post(url(report, "transitions", "assess"), beyond_any_id, format=fmt).status_code == 400
    assert dso.get(url(report)).json()["state"] == "reported"


def test_unknown_ids_of_parts_are_refused(cast, org, sas):
    case = Case(cast, org, "lex_sarah", "investigating")
    assert sas.post(
        url(case.report, "actions"),
        {
            "description": "x",
            "kind": "corrective",
            "causes": [999999],
            "owner": 999999,
            "due_date": "2030-01-01",
        },
        format="json",
    ).json().keys() == {"causes", "owner"}
    assert (
        sas.patch(url(case.report, "actions", 999999), {"status": "done"}, format="json").status_code == 404
    )
    assert sas.post(url(case.report, "investigators"), {"user": 999999}, format="json").json().keys() == {
        "user"
    }
    assert (
        sas.post(
            url(case.report, "notifications", 999999, "transitions", "submit"), {}, format="json"
        ).status_code
        == 404
    )


LONE_SURROGATE = b'"\\ud800 text"'


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/",
        "/api/v1/auth/token/",
        "/api/v1/tasks/1/reassign/",
        "/api/v1/reports/1/persons/",
        "/api/v1/reports/1/attachments/",
    ],
)
def test_json_text_that_is_not_unicode_is_refused_by_every_endpoint(path, sas):
    """JSON can spell a lone surrogate, which no database can store: refused where the body is
    read, for every endpoint (cases.api.parsers), as an unreadable body."""
    body = (
        b'{"description": '
        + LONE_SURROGATE
        + b', "username": '
        + LONE_SURROGATE
        + b', "name": '
        + LONE_SURROGATE
        + b', "user": '
        + LONE_SURROGATE
        + b', "password": "x"}'
    )
    response = sas.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400
    assert "surrogat" in response.json()["detail"]


def test_a_lone_surrogate_is_named_in_english_when_asked_for(sas):
    response = sas.generic(
        "POST",
        "/api/v1/reports/",
        b'{"description": ' + LONE_SURROGATE + b"}",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "lone surrogate" in response.json()["detail"]


@pytest.mark.parametrize(
    "moment",
    [
        "0201-05-03T11:24:35Z",
        "1899-12-31T23:59",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2100-01-01T12:00",
    ],
)
def test_a_time_outside_1900_to_2099_is_refused_where_it_is_given(moment, cast, org, sas):
    """Before 1900 Stockholm kept local mean time (+01:12:12, no valid ISO 8601 offset) and
    beyond 9999 no value can be read back: such times are refused by every form that takes one."""
    case = Case(cast, org, "lex_sarah", "investigating").having("person")
    assert list(sas.post("/api/v1/reports/", filing(org, occurred_at=moment), format="json").json()) == [
        "occurred_at"
    ]
    corrected = sas.post(
        url(case.report, "key-time"),
        {"field": "reported_at", "value": moment, "reason": "Fel."},
        format="json",
    )
    assert list(corrected.json()) == ["value"]
    informed = sas.post(
        url(case.report, "information-events"),
        {"person": case.person.pk, "informed_at": moment, "channel": "phone"},
        format="json",
    )
    assert informed.status_code == 400 and "informed_at" in informed.json()
