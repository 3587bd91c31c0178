"""Idempotency-Key on filings: a retry answers the first answer and files nothing more."""

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import idempotency
from cases.models import AuditEvent, IdempotencyKey, Report
from tests.cases.test_concurrency import reference_data, run_together  # noqa: F401  (a fixture)
from tests.factories import filing_data

FILINGS = "/api/v1/reports/"


def post(client, data, key=None, **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(FILINGS, data, format="json", **headers)


def reads_of(report_id):
    return AuditEvent.objects.filter(chain="access", action="report.viewed", report_id=report_id).count()


@pytest.mark.parametrize("report_type", ["deviation", "lex_sarah", "data_breach", "complaint"])
def test_a_retry_with_the_same_key_answers_the_first_answer_and_files_nothing_more(
    report_type, cast, org, client_as
):
    client, key = client_as("reporter"), str(uuid.uuid4())
    data = filing_data(report_type, org.unit_a)
    first = post(client, data, key)
    assert first.status_code == 201
    report_id = first.json()["id"]
    assert first["Location"] == f"http://testserver/api/v1/reports/{report_id}/"
    assert "Idempotent-Replayed" not in first
    again = post(client, data, key)
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Location"] == first["Location"] and again["Idempotent-Replayed"] == "true"
    assert Report.objects.filter(reporter=cast["reporter"]).count() == 1
    assert reads_of(report_id) == 2  # the case's data went out twice


def test_the_same_fields_in_another_order_are_the_same_request(cast, org, client_as):
    client, key = client_as("reporter"), "order-1"
    data = filing_data("deviation", org.unit_a)
    assert post(client, data, key).status_code == 201
    assert post(client, dict(reversed(list(data.items()))), key).status_code == 201
    assert Report.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_with_a_clear_error(cast, org, client_as):
    client = client_as("reporter")
    assert post(client, filing_data("deviation", org.unit_a), "k-1").status_code == 201
    refused = post(client, filing_data("deviation", org.unit_a, description="Något annat hände."), "k-1")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("Den här Idempotency-Key har använts")
    english = post(client, filing_data("deviation", org.unit_b), "k-1", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert english.json()["detail"] == (
        "This Idempotency-Key was used before for another request. Use a new key for a new filing."
    )
    assert Report.objects.count() == 1


def test_a_key_belongs_to_its_user(cast, org, client_as):
    data = filing_data("deviation", org.unit_a)
    assert post(client_as("reporter"), data, "shared").status_code == 201
    other = post(client_as("manager_a"), data, "shared")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Report.objects.count() == 2


def test_the_key_is_stored_only_as_a_digest(cast, org, client_as):
    post(client_as("reporter"), filing_data("deviation", org.unit_a), "my-secret-key")
    row = IdempotencyKey.objects.get()
    assert "my-secret-key" not in row.key_hash and len(row.key_hash) == 64
    assert row.user == cast["reporter"]


def test_without_a_key_every_post_files(cast, org, client_as):
    client, data = client_as("reporter"), filing_data("deviation", org.unit_a)
    assert post(client, data).status_code == 201 and post(client, data).status_code == 201
    assert Report.objects.count() == 2 and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["x" * 256, "with space", "åäö", "tab\there"])
def test_a_malformed_key_is_refused_and_nothing_is_filed(key, cast, org, client_as):
    response = post(client_as("reporter"), filing_data("deviation", org.unit_a), key)
    assert response.status_code == 400
    assert response.json() == {
        "Idempotency-Key": ["En idempotensnyckel är 1–255 synliga ASCII-tecken (ett UUID är ett bra val)."]
    }
    assert not Report.objects.exists()


def test_a_refused_filing_does_not_use_up_its_key(cast, org, client_as):
    client = client_as("reporter")
    assert post(client, {"type": "deviation"}, "k-2").status_code == 400
    assert post(client, filing_data("deviation", org.unit_a), "k-2").status_code == 201
    assert Report.objects.count() == 1


def test_a_retry_that_arrives_while_the_first_is_filing_answers_with_the_first(
    cast, org, client_as, monkeypatch
):
    """The unique key row decides: the later request's own filing is rolled back when its
    INSERT of the key meets the earlier one's, and it answers with the earlier answer."""
    client, data = client_as("reporter"), filing_data("deviation", org.unit_a)
    first = post(client, data, "race")
    looked, real = [], idempotency.earlier

    def not_seen_at_first(*args):
        looked.append(args)
        return None if len(looked) == 1 else real(*args)  # as if the first had not committed yet

    monkeypatch.setattr(idempotency, "earlier", not_seen_at_first)
    second = post(client, data, "race")
    assert (
        second.status_code == 201
        and second.json() == first.json()
        and second["Idempotent-Replayed"] == "true"
    )
    assert Report.objects.count() == 1 and len(looked) == 2
    assert Report.objects.get().case_sequence == 1  # the second filing's number was given back


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_concurrent_retries_with_one_key_file_once(cast, org):
    """Six clients send the same filing with the same key at once, each on its own connection."""
    token = Token.objects.create(user=cast["reporter"]).key
    data = filing_data("lex_sarah", org.unit_a)

    def send(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = post(client, data, "together")
        return response.status_code, response.json()

    results, errors = run_together(6, send)
    assert errors == {}
    assert {status for status, _body in results.values()} == {201}
    assert len({body["id"] for _status, body in results.values()}) == 1
    assert Report.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_the_schema_documents_the_header():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/reports/"]["post"]["parameters"]
    key = next(p for p in parameters if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and not key.get("required")


def test_old_keys_are_pruned_by_the_scheduler_job(cast, org, client_as, settings):
    from datetime import timedelta

    from django.utils import timezone

    post(client_as("reporter"), filing_data("deviation", org.unit_a), "old")
    now = timezone.now()
    assert idempotency.prune_expired(now) == 0
    assert idempotency.prune_expired(now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, seconds=1)) == 1
    assert not IdempotencyKey.objects.exists()
