"""The key-time correction page (``/cases/<id>/key-time/``) as the fixed cast: a plain form
without JavaScript, errors keep what was typed, success moves the running clocks."""

import datetime

from django.utils import timezone

from cases.models import AuditEvent, CaseClock
from tests.api.helpers import EVERYONE
from tests.matrix import Matrix

# A breach filed in unit A: the DSO handles it; the SAS and the reporter see it but may not correct it.
EXPECTED = Matrix.of(EVERYONE, {"dso": 200, "sas": 403, "reporter": 403}, default=404)


def page(report):
    return f"/cases/{report.pk}/key-time/"


def typed(hours_ago):
    return (timezone.localtime() - datetime.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


@EXPECTED.per_actor("member, expected")
def test_who_may_open_the_page(member, expected, breach, login):
    response = login(member).get(page(breach))
    assert response.status_code == expected
    if response.status_code == 200:
        html = response.content.decode()
        assert '<form method="post"' in html and 'name="reason"' in html


@EXPECTED.per_actor("member, expected")
def test_who_may_post_a_correction(member, expected, breach, login):
    before = CaseClock.objects.get(report=breach, code="breach-imy-notification").due_at
    response = login(member).post(
        page(breach), {"field": "discovered_at", "value": typed(4), "reason": "Loggen."}
    )
    moved = CaseClock.objects.get(report=breach, code="breach-imy-notification").due_at != before
    if member == "dso":
        assert response.status_code == 302 and moved
    else:
        assert response.status_code == expected and not moved


def test_a_correction_moves_the_clock_writes_audit_and_goes_back_to_the_case(breach, cast, login):
    value = typed(6)
    response = login("dso").post(
        page(breach), {"field": "discovered_at", "value": value, "reason": "Upptäckten gjordes tidigare."}
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{breach.pk}/"
    discovered = timezone.make_aware(datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M"))
    assert CaseClock.objects.get(
        report=breach, code="breach-imy-notification"
    ).due_at == discovered + datetime.timedelta(hours=72)
    row = AuditEvent.objects.get(action="report.key_time_corrected", report_id=breach.pk)
    assert row.actor_id == cast["dso"].pk and row.payload["reason"] == "Upptäckten gjordes tidigare."


def test_errors_show_the_form_again_with_what_was_typed(breach, login):
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = login("dso").post(
        page(breach),
        {"field": "occurred_at", "value": future, "reason": "Mitt skäl"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert f'value="{future}"' in html and "Mitt skäl" in html
    assert '<option value="occurred_at" selected>' in html
    assert not AuditEvent.objects.filter(action="report.key_time_corrected").exists()


def test_the_page_is_in_swedish_and_english(breach, login, settings):
    client = login("dso")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert "Korrigera en nyckeltid" in client.get(page(breach)).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Correct a key time" in client.get(page(breach)).content.decode()


def test_the_case_page_links_to_the_correction_for_those_who_may_make_it(breach, deviation, login):
    link = f'href="{page(breach)}"'
    assert link in login("dso").get(f"/cases/{breach.pk}/").content.decode()
    assert link not in login("reporter").get(f"/cases/{breach.pk}/").content.decode()
    assert link not in login("sas").get(f"/cases/{breach.pk}/").content.decode()
    # The decision maker sees a deviation but does not handle it.
    assert (
        f'href="{page(deviation)}"'
        not in login("decision_maker").get(f"/cases/{deviation.pk}/").content.decode()
    )
    assert f'href="{page(deviation)}"' in login("manager_a").get(f"/cases/{deviation.pk}/").content.decode()
