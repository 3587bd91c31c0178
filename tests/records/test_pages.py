"""Every records page as every member of the cast: who may, and 404 for everyone else."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import audit
from cases.models import AuditEvent, Role
from cases.services import do_grant_role
from records.models import DisposalItem, LogPick
from records.sampling import draw_log_review
from records.services import plan_gallring
from tests.factories import file
from tests.records.helpers import closed_case, example_rules, years_ago

pytestmark = pytest.mark.django_db

EVERYONE = [
    "reporter",
    "manager_a",
    "manager_b",
    "sas",
    "decision_maker",
    "dso",
    "outsider",
    "sas_other",
    "admin_sn",
    "admin_on",
    "leadership",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run(org, cast):
    example_rules(org)
    closed_case("complaint", cast, org, closed_at=years_ago(3))
    return plan_gallring(org.sn, timezone.now())


@pytest.fixture
def review(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    audit.record_read("report.viewed", actor=cast["reporter"], report_ids=[report.pk])
    now = timezone.now()
    return draw_log_review(
        org.sn, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1), now=now, share=1
    )


def statuses(client, cast, url, method="get", data=None):
    result = {}
    for name in EVERYONE:
        client.force_login(cast[name])
        result[name] = getattr(client, method)(url, data or {}).status_code
    return result


def allowed(result, code=200):
    return {name for name, status in result.items() if status == code}


def test_the_start_page_is_for_the_reviewing_roles_and_managers(client, cast):
    result = statuses(client, cast, reverse("records:home"))
    assert allowed(result) == {"manager_a", "manager_b", "sas", "dso", "sas_other"}
    assert set(result.values()) == {200, 404}


def test_the_menu_links_the_records_pages_only_for_those_they_have_something_for(client, cast):
    for name, shown in (("sas", True), ("reporter", False)):
        client.force_login(cast[name])
        page = client.get(reverse("web:home")).content.decode()
        assert (reverse("records:home") in page) == shown


def test_a_run_is_the_boards_sas_alone_without_an_archivist(client, cast, run):
    result = statuses(client, cast, reverse("records:run", args=[run.pk]))
    assert allowed(result) == {"sas"} and set(result.values()) == {200, 404}


def test_with_an_archivist_the_run_is_theirs(client, cast, org, run):
    do_grant_role(cast["outsider"], Role.ARCHIVIST, org.sn, acting_user=None)
    result = statuses(client, cast, reverse("records:run", args=[run.pk]))
    assert allowed(result) == {"outsider"}


def test_holding_back_and_approving_through_the_page(client, cast, run):
    url = reverse("records:run", args=[run.pk])
    item = run.items.get()
    refused = statuses(client, cast, url, "post", {"action": "hold", "item": item.pk, "reason": "Tvist"})
    assert allowed(refused, 302) == {"sas"}
    assert DisposalItem.objects.get(pk=item.pk).held_back
    client.force_login(cast["sas"])
    assert client.post(url, {"action": "release", "item": item.pk}).status_code == 302
    assert not DisposalItem.objects.get(pk=item.pk).held_back
    assert client.post(url, {"action": "approve"}).status_code == 302
    run.refresh_from_db()
    assert run.status == "approved" and run.approved_by == cast["sas"]
    page = client.get(url, headers={"accept-language": "sv"}).content.decode()
    assert "Godkänn" not in page


def test_a_log_review_is_the_boards_sas_and_dso(client, cast, review):
    result = statuses(client, cast, reverse("records:log_review", args=[review.pk]))
    assert allowed(result) == {"sas", "dso"} and set(result.values()) == {200, 404}


def test_judging_and_signing_through_the_page(client, cast, review):
    url = reverse("records:log_review", args=[review.pk])
    pick = review.picks.get()
    refused = statuses(client, cast, url, "post", {"pick": pick.pk, "verdict": "justified"})
    assert allowed(refused, 302) == {"sas", "dso"}
    client.force_login(cast["dso"])
    assert client.post(url, {"pick": pick.pk, "verdict": "questioned", "note": "Varför?"}).status_code == 302
    assert LogPick.objects.get(pk=pick.pk).follow_up_by == cast["manager_a"]
    client.force_login(cast["manager_a"])
    home = client.get(reverse("records:home")).content.decode()
    assert "Varför?" in home
    assert client.post(reverse("records:home"), {"pick": pick.pk, "note": "Samtal"}).status_code == 302
    assert LogPick.objects.get(pk=pick.pk).follow_up_note == "Samtal"
    client.force_login(cast["sas"])
    assert client.post(url, {"action": "sign"}).status_code == 302
    review.refresh_from_db()
    assert review.status == "signed"


def test_only_the_sas_and_the_dso_search_the_read_log_and_the_search_is_logged(client, cast, org, review):
    url = reverse("records:read_log")
    query = {"board": org.sn.pk, "reader": cast["reporter"].pk}
    result = statuses(client, cast, url, data=query)
    assert allowed(result) == {"sas", "dso", "sas_other"}
    csv_result = statuses(client, cast, reverse("records:read_log_csv"), data=query)
    # The other board's SAS names a board that is not theirs: no search, so no file.
    assert allowed(csv_result) == {"sas", "dso"}
    client.force_login(cast["sas"])
    page = client.get(url, query).content.decode()
    report = review.picks.get()
    assert report.case_number in page
    lines = (
        b"".join(client.get(reverse("records:read_log_csv"), query).streaming_content).decode().splitlines()
    )
    assert len(lines) == 2 and report.case_number in lines[1]
    searches = AuditEvent.objects.filter(action="readlog.searched", actor=cast["sas"])
    assert searches.exists() and searches.first().payload["reader"] == cast["reporter"].pk
    assert AuditEvent.objects.filter(action="readlog.exported", actor=cast["sas"]).exists()


def test_the_other_boards_sas_searches_only_their_own_board(client, cast, org, review):
    client.force_login(cast["sas_other"])
    page = client.get(
        reverse("records:read_log"), {"board": org.sn.pk, "case_number": review.picks.get().case_number}
    )
    assert page.status_code == 200 and "<table" not in page.content.decode()
    assert not AuditEvent.objects.filter(action="readlog.searched", actor=cast["sas_other"]).exists()


def test_the_reviews_and_follow_ups_are_in_the_inbox_of_whoever_acts_with_their_dates(
    client, cast, run, review
):
    from records.services import do_judge_pick

    shown = {}
    for name in EVERYONE:
        client.force_login(cast[name])
        page = client.get(reverse("web:inbox")).content.decode()
        shown[name] = (
            reverse("records:run", args=[run.pk]) in page,
            reverse("records:log_review", args=[review.pk]) in page,
        )
    assert {n for n, (r, _l) in shown.items() if r} == {"sas"}
    assert {n for n, (_r, lg) in shown.items() if lg} == {"sas", "dso"}

    pick = review.picks.get(reader=cast["reporter"])
    do_judge_pick(pick.pk, acting_user=cast["dso"], verdict="questioned", note="Ingen uppgift")
    client.force_login(cast["manager_a"])
    page = client.get(reverse("web:inbox")).content.decode()
    assert pick.case_number in page and reverse("records:log_review", args=[review.pk]) in page
    assert "⚠" not in page.split('id="other-tasks-title"')[1]


def test_an_overdue_review_is_flagged_in_the_inbox(client, cast, review):
    from records.models import LogReview

    LogReview.objects.filter(pk=review.pk).update(due_by=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(cast["dso"])
    section = client.get(reverse("web:inbox")).content.decode().split('id="other-tasks-title"')[1]
    assert "⚠" in section and reverse("records:log_review", args=[review.pk]) in section


def test_the_inbox_lists_records_tasks_through_the_registered_provider():
    from cases import inbox_extras
    from records.inbox import records_items

    assert records_items in inbox_extras._PROVIDERS
