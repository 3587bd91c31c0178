"""The frame around the pages: language switch, login, the admin's look, the optional bell."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_pages_are_swedish_first_and_switch_to_english(client, cast):
    client.force_login(cast["reporter"])
    assert "Rapportera något" in client.get("/").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "Report something" in body and '<html lang="en">' in body


def test_login_leads_to_the_start_page(client, cast):
    from tests.cast import PASSWORD

    response = client.post(reverse("login"), {"username": "reporter", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_failed_login_keeps_the_username_and_says_why(client, cast):
    body = client.post(reverse("login"), {"username": "reporter", "password": "fel"}).content.decode()
    assert 'id="error-summary"' in body and 'value="reporter"' in body


def test_the_admin_matches_the_pages_and_links_back(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Tillbaka till ärendesidorna" in body and "#0b4f8a" in body


def test_the_bell_is_left_out_while_the_notifications_app_has_no_template(cast):
    request = RequestFactory().get("/")
    request.user = cast["reporter"]
    html = engines["django"].from_string('{% load ui %}[{% include_if_exists "notifications/_bell.html" %}]').render(
        {"user": cast["reporter"]}, request)
    assert html == "[]"


def test_the_bell_is_rendered_when_a_template_provides_it(cast, settings, tmp_path):
    (tmp_path / "notifications").mkdir()
    (tmp_path / "notifications" / "_bell.html").write_text("bell for {{ user.username }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    from django.template import engines as fresh

    html = fresh["django"].from_string('{% load ui %}{% include_if_exists "notifications/_bell.html" %}').render(
        {"user": cast["reporter"]})
    assert html == "bell for reporter"
