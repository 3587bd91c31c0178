"""One client address for the sign-in lockout, the rate limits and the audit trail: REMOTE_ADDR
by default, never a header the client writes; behind a proxy, the header the deployment names
(CLIENT_IP_HEADERS)."""

import pytest
from rest_framework.test import APIClient

from cases.models import AuditEvent
from tests.cast import PASSWORD
from tests.factories import file

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.PUBLIC_SUBMISSIONS_PER_HOUR = 2


def sign_in(client, username, password, **meta):
    return client.post("/accounts/login/", {"username": username, "password": password}, **meta)


def test_a_forwarded_for_header_from_the_client_does_not_change_its_address(client, cast):
    for number, name in enumerate(["sas", "dso", "reporter"]):
        sign_in(client, name, "wrong", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    response = sign_in(
        client, "manager_a", PASSWORD, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99"
    )
    assert response.status_code == 429


@pytest.fixture
def behind_a_proxy(settings):
    settings.CLIENT_IP_HEADERS = ["HTTP_X_REAL_IP", "REMOTE_ADDR"]


def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_names(client, cast, behind_a_proxy):
    for name in ("sas", "dso", "reporter"):
        sign_in(client, name, "wrong", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.7")
    assert (
        sign_in(client, "manager_a", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.7").status_code
        == 429
    )
    assert (
        sign_in(client, "manager_a", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.8").status_code
        == 302
    )


def test_behind_a_proxy_the_public_forms_limit_counts_each_client(client, db, behind_a_proxy):
    def limited(address):
        response = client.post(
            "/feedback/", {}, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=address, HTTP_ACCEPT_LANGUAGE="en"
        )
        return "Too many messages have been sent from here." in response.content.decode()

    assert [limited("198.51.100.7") for _ in range(3)] == [False, False, True]
    assert not limited("198.51.100.8")


def test_behind_a_proxy_the_audit_trail_records_the_client(cast, org, behind_a_proxy):
    report = file("deviation", cast["reporter"], org.unit_a)
    client = APIClient()
    client.force_authenticate(cast["sas"])
    assert (
        client.get(
            f"/api/v1/reports/{report.pk}/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.7"
        ).status_code
        == 200
    )
    event = AuditEvent.objects.filter(chain=AuditEvent.Chain.ACCESS).latest("seq")
    assert event.ip == "198.51.100.7"


@pytest.mark.parametrize(
    "headers, count, meta, expected",
    [
        (
            ["REMOTE_ADDR"],
            None,
            {"HTTP_X_FORWARDED_FOR": "203.0.113.1", "HTTP_X_REAL_IP": "203.0.113.2"},
            PROXY,
        ),
        (["HTTP_X_REAL_IP"], None, {"HTTP_X_REAL_IP": "198.51.100.7"}, "198.51.100.7"),
        # Two proxies, the outer one appending the client to X-Forwarded-For and the inner one
        # appending the outer one; django-ipware counts the proxies that appear in the header.
        (["HTTP_X_FORWARDED_FOR"], 1, {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 10.0.0.1"}, "198.51.100.7"),
        # A client that writes its own X-Forwarded-For does not fit the count: its entry is not used.
        (["HTTP_X_FORWARDED_FOR"], 1, {"HTTP_X_FORWARDED_FOR": "203.0.113.66, 198.51.100.7, 10.0.0.1"}, None),
    ],
)
def test_the_client_address_is_read_as_configured(rf, settings, headers, count, meta, expected):
    from cases.middleware import client_address

    settings.CLIENT_IP_HEADERS, settings.CLIENT_IP_PROXY_COUNT = headers, count
    assert client_address(rf.get("/", REMOTE_ADDR=PROXY, **meta)) == expected
