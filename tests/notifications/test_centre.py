"""The in-app centre, its API and the bell, as every member of the cast."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from rest_framework.test import APIClient

from cases.events import case_event
from notifications.models import Notification
from tests.api.helpers import EVERYONE
from tests.factories import file
from tests.queries import assert_num_queries


@pytest.fixture
def notified(cast, org, django_capture_on_commit_callbacks):
    """Every cast member has one unread notification about a task on a deviation they filed
    themselves: a case each may see, whatever their roles (tests/notifications/
    test_visibility.py has the notifications about cases they may not see)."""
    for name in EVERYONE:
        report = file("deviation", cast[name], org.unit_a)
        with django_capture_on_commit_callbacks(execute=True):
            case_event.send(
                sender=None,
                name="task.assigned",
                report_id=report.pk,
                actor_id=None,
                data={"task_id": 1, "step": "assess", "user_ids": [cast[name].pk]},
            )
    return {name: Notification.objects.get(user=cast[name]) for name in EVERYONE}


def web(user):
    client = Client()
    client.force_login(user)
    return client


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("name", EVERYONE)
def test_each_member_sees_only_their_own(name, cast, notified):
    client = web(cast[name])
    # session, user, the user's roles (for which cases the notifications may name), count, page,
    # the header bell's count
    with assert_num_queries(6):
        response = client.get("/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    own = notified[name]
    assert f"/notifications/{own.pk}/read/" in page and own.case_number in page
    others = [n for other, n in notified.items() if other != name]
    assert not any(f"/notifications/{n.pk}/read/" in page for n in others)
    assert '<main id="main"' in page  # extends base.html


@pytest.mark.parametrize("name", EVERYONE)
def test_mark_read_own_only(name, cast, notified):
    client = web(cast[name])
    other = notified["outsider" if name != "outsider" else "reporter"]
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    assert client.post(f"/notifications/{notified[name].pk}/read/").status_code == 302
    notified[name].refresh_from_db()
    assert notified[name].read_at is not None
    assert client.get(f"/notifications/{notified[name].pk}/read/").status_code == 405


def test_mark_all_read_touches_only_own(cast, notified):
    response = web(cast["sas"]).post("/notifications/read-all/", follow=True)
    assert "1 " in response.content.decode()
    assert list(
        Notification.objects.filter(read_at__isnull=False).values_list("user__username", flat=True)
    ) == ["sas"]


def test_marking_needs_the_csrf_token(cast, notified):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["sas"])
    assert client.post(f"/notifications/{notified['sas'].pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_anonymous_is_sent_to_login(notified):
    response = Client().get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


@pytest.mark.parametrize("name", EVERYONE)
def test_api_lists_and_marks_own(name, cast, notified):
    client = api(cast[name])
    with assert_num_queries(3):  # the user's roles, count, page
        body = client.get("/api/v1/notifications/").json()
    assert [item["id"] for item in body["results"]] == [notified[name].pk]
    item = body["results"][0]
    assert item["title"] == "En uppgift har tilldelats dig"  # LANGUAGE_CODE, no Accept-Language
    assert item["link"].endswith(f"/cases/{notified[name].report_id}/") and item["read_at"] is None
    other = notified["outsider" if name != "outsider" else "reporter"]
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    response = client.post(f"/api/v1/notifications/{notified[name].pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}


def test_bell_shows_the_unread_count_as_text(rf, cast, notified):
    from notifications.context_processors import notifications as context

    request = rf.get("/")
    request.user = cast["sas"]
    html = render_to_string("notifications/_bell.html", context(request))
    assert 'href="/notifications/"' in html and "1" in html
    Notification.objects.filter(user=cast["sas"]).update(read_at="2026-01-01T00:00:00Z")
    html = render_to_string("notifications/_bell.html", context(request))
    assert ": 0 " in html


def test_the_count_is_not_queried_unless_shown(rf, cast):
    from notifications.context_processors import notifications as context

    request = rf.get("/")
    request.user = cast["sas"]
    with assert_num_queries(0):
        context(request)
