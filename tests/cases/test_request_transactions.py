"""A changing request is one transaction, and a database that does not answer is a 503 with
Retry-After and a clean message, never a 500 with a traceback (cases.request_transactions)."""

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from cases.models import AuditEvent, OutboxEvent, Report
from tests.cases.test_concurrency import reference_data  # noqa: F401  (a fixture)
from tests.factories import filing_data

SV = "Tjänsten når inte sin databas just nu. Inget sparades. Försök igen om en stund."
EN = "The service cannot reach its database just now. Nothing was saved. Please try again in a moment."


def gone(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def api(client_as):
    return client_as("reporter")


@pytest.fixture
def client_as(cast):
    from rest_framework.test import APIClient

    def make(name):
        client = APIClient()
        client.force_authenticate(cast[name])
        return client

    return make


@pytest.mark.parametrize("lang, message", [("sv", SV), ("en", EN)])
def test_an_api_read_without_its_database_answers_503_in_json(lang, message, api, org, monkeypatch):
    monkeypatch.setattr("cases.selectors.case_register", gone)
    response = api.get("/api/v1/reports/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"detail": message}


def test_a_page_without_its_database_answers_503_with_a_page_of_its_own(client, cast, monkeypatch):
    client.force_login(cast["reporter"])
    monkeypatch.setattr("cases.access.role_scope", gone)  # the menu reads the roles
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "<h1>Försök igen om en stund</h1>" in body and SV in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_a_filing_whose_answer_cannot_be_read_back_is_not_kept(api, org, monkeypatch):
    """The case is filed, then the database goes away while the answer is built: 503, and the
    filing, its audit row and its event are rolled back with the request's transaction."""
    audit_rows = AuditEvent.objects.count()
    monkeypatch.setattr("cases.api.views.reports.case_response", gone)
    response = api.post("/api/v1/reports/", filing_data("deviation", org.unit_a), format="json")
    assert response.status_code == 503 and response.json() == {"detail": SV}
    assert not Report.objects.exists() and not OutboxEvent.objects.exists()
    assert AuditEvent.objects.count() == audit_rows


def test_a_server_error_after_a_change_rolls_the_change_back(api, org, monkeypatch):
    def bug(*args, **kwargs):
        raise RuntimeError("a bug in building the answer")

    monkeypatch.setattr("cases.api.views.reports.case_response", bug)
    api.raise_request_exception = False
    response = api.post("/api/v1/reports/", filing_data("deviation", org.unit_a), format="json")
    assert response.status_code == 500
    assert not Report.objects.exists()


def test_a_database_error_in_a_later_middleware_answers_503_and_keeps_nothing(client, org, monkeypatch):
    """The public form's receipt code is saved with the session, after the view: that failing
    is a 503 too, and the submission is not kept without the code that was never shown."""
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", gone)
    client.raise_request_exception = False
    response = client.post(
        reverse("web:public_form"),
        {"unit": org.unit_a.pk, "kind": "klagomal", "description": "Maten var kall."},
    )
    assert response.status_code == 503 and SV in response.content.decode()
    assert not Report.objects.exists()


def test_only_a_changing_request_is_wrapped_in_a_transaction(api, org, monkeypatch):
    from rest_framework.response import Response

    depth = []
    real = __import__("cases.selectors", fromlist=["case_register"]).case_register
    monkeypatch.setattr(
        "cases.selectors.case_register",
        lambda *a, **k: depth.append(len(connection.atomic_blocks)) or real(*a, **k),
    )
    monkeypatch.setattr(
        "cases.api.views.reports.case_response",
        lambda *a, **k: depth.append(len(connection.atomic_blocks)) or Response({}, status=201),
    )
    monkeypatch.setattr("cases.idempotency.IdempotencyKey.objects.create", lambda **k: None)
    baseline = len(connection.atomic_blocks)
    api.get("/api/v1/reports/")
    api.post("/api/v1/reports/", filing_data("deviation", org.unit_a), format="json")
    assert depth == [baseline, baseline + 1]  # the GET runs in the test's transaction only


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_side_effect_failing_after_the_commit_does_not_change_the_answer(cast, org, monkeypatch):
    from rest_framework.test import APIClient

    from cases import events

    real_emit = events.emit

    def emit_then_fail_after_commit(*args, **kwargs):
        real_emit(*args, **kwargs)
        transaction.on_commit(gone)

    monkeypatch.setattr("cases.services.reports.emit", emit_then_fail_after_commit)
    client = APIClient()
    client.force_authenticate(cast["reporter"])
    response = client.post("/api/v1/reports/", filing_data("deviation", org.unit_a), format="json")
    assert response.status_code == 201
    assert Report.objects.filter(pk=response.json()["id"]).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_commit_that_fails_answers_503_saying_the_outcome_is_unknown(cast, org, monkeypatch):
    from rest_framework.test import APIClient

    real_commit = connection.commit
    calls = []

    def commit_once_lost():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("connection lost during COMMIT")
        return real_commit()

    client = APIClient()
    client.force_authenticate(cast["reporter"])
    connection.ensure_connection()
    monkeypatch.setattr(connection, "commit", commit_once_lost)
    response = client.post(
        "/api/v1/reports/", filing_data("deviation", org.unit_a), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "cannot tell whether it was saved" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_transaction_that_cannot_begin_answers_that_nothing_was_saved(cast, org, monkeypatch):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(cast["reporter"])
    connection.close()
    monkeypatch.setattr(connection, "connect", gone)
    response = client.post(
        "/api/v1/reports/", filing_data("deviation", org.unit_a), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    monkeypatch.undo()
    assert response.status_code == 503 and response.json() == {"detail": EN}
    assert not Report.objects.exists()
