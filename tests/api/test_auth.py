"""Signing in: a token for programs, the session for the browser; nothing without either.

Unauthenticated requests get 401 with ``WWW-Authenticate: Token``: DRF answers 401 rather
than 403 because the first authentication class (TokenAuthentication) names a scheme.
"""

import pytest
from django.http import HttpRequest
from rest_framework.test import APIClient

from tests.cast import PASSWORD
from tests.queries import assert_num_queries


def test_a_token_is_issued_for_a_username_and_password_and_opens_the_api(cast):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "sas", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/reports/").status_code == 200


def test_a_wrong_password_gets_no_token(cast):
    response = APIClient().post("/api/v1/auth/token/", {"username": "sas", "password": "fel"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/reports/"),
        ("post", "/api/v1/reports/"),
        ("get", "/api/v1/reports/1/"),
        ("post", "/api/v1/reports/1/transitions/assess/"),
        ("get", "/api/v1/reports/1/audit/"),
    ],
)
def test_without_credentials_the_answer_is_401(method, path, cast):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_401(cast):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/reports/").status_code == 401


def test_the_browser_session_works_too(cast):
    client = APIClient()
    assert client.login(request=HttpRequest(), username="manager_a", password=PASSWORD)
    assert client.get("/api/v1/reports/").status_code == 200


def test_an_inactive_user_is_refused(cast):
    cast["outsider"].is_active = False
    cast["outsider"].save()
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "outsider", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_the_openapi_schema_and_its_documentation_are_served(db):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/reports/{report_id}/transitions/{name}/" in schema.json()["paths"]
    docs = APIClient().get("/api/v1/docs/")
    assert docs.status_code == 200
    # Swagger UI from this installation (drf-spectacular-sidecar), never from a CDN.
    page = docs.content.decode()
    assert "swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


def test_a_token_whose_user_was_deactivated_is_refused_with_drfs_message(cast):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cast["sas"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/api/v1/reports/").status_code == 200
    cast["sas"].is_active = False
    cast["sas"].save()
    response = client.get("/api/v1/reports/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/api/v1/reports/").json()["detail"] == "Invalid token."


def test_the_token_and_its_user_are_one_read(cast):
    from rest_framework.authtoken.models import Token

    from identity.authentication import TokenAuthentication

    token = Token.objects.create(user=cast["sas"])
    with assert_num_queries(1):
        user, found = TokenAuthentication().authenticate_credentials(token.key)
        assert (user, found, user.username) == (cast["sas"], token, "sas")
