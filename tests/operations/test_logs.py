"""Structured logs (operations.logging): one JSON object per line carrying the request id that
the answer's X-Request-ID and the audit rows of the same request carry."""

import json
import logging

import pytest
from django.test import Client

from cases.models import AuditEvent
from operations.logging import Formatter, RequestIdFilter
from tests.factories import file

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """The JSON lines of the root logger during the test, as the production setting writes them."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(Formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield records
    root.removeHandler(handler)


def test_a_log_line_of_a_request_carries_its_request_id_as_the_audit_row_does(cast, org, lines):
    report = file("deviation", cast["reporter"], org.unit_a)
    client = Client(raise_request_exception=False)
    client.force_login(cast["reporter"])
    response = client.get(f"/cases/{report.pk}/", HTTP_X_REQUEST_ID="req-4711")
    assert response.status_code == 200 and response["X-Request-ID"] == "req-4711"
    assert AuditEvent.objects.filter(request_id="req-4711", report_id=report.pk).exists()  # the read, logged
    # A case out of scope: 404, which Django logs (django.request) inside the request.
    response = client.get("/cases/99999999/", HTTP_X_REQUEST_ID="req-4712")
    assert response.status_code == 404
    line = next(json.loads(text) for text in reversed(lines) if '"django.request"' in text)
    assert line["request_id"] == "req-4712" and line["level"] == "WARNING" and "Not Found" in line["message"]
    assert "time" in line


def test_outside_a_request_the_id_is_empty(lines):
    logging.getLogger("cases.scheduler").info("round")
    assert json.loads(lines[-1])["request_id"] == ""
