"""The frame around the pages: language switch, login, the admin's look, the optional bell."""

import pytest
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
    from django.contrib.staticfiles import finders

    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Tillbaka till ärendesidorna" in body and 'href="/static/ui/admin.css"' in body
    assert "#0b4f8a" in open(finders.find("ui/admin.css"), encoding="utf-8").read()


def test_the_header_bell_shows_the_unread_count(client, cast, org):
    from notifications.models import Notification
    from tests.factories import file

    report = file("deviation", cast["reporter"], org.unit_a)
    Notification.objects.create(
        user=cast["reporter"],
        event="report.decide",
        kind="decision",
        key="bell-test",
        report=report,
        case_number=report.case_number,
    )
    client.force_login(cast["reporter"])
    html = client.get("/").content.decode()
    assert 'href="/notifications/"' in html
    assert "1" in html.split('href="/notifications/"', 1)[1].split("</a>", 1)[0]
