"""The header's menu and the start page link each user to the pages their roles open, from one
table (``cases.access.NAV_PAGES``), so that none is reachable only by typing its address (the
crawl, tests/crawl, asserts every page is reached): each member of the cast finds exactly the
pages they can open, in both places, and each of them answers 200."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

PAGES = {
    "report": reverse("web:report_start"),
    "my_reports": reverse("web:my_reports"),
    "inbox": reverse("web:inbox"),
    "register": reverse("web:register"),
    "actions": reverse("web:actions"),
    "statistics": reverse("statistics"),
    "compilations": reverse("compilations"),
    "quality_chapter": reverse("quality-chapter"),
    "summary_reviews": reverse("summary-reviews"),
    "imports": reverse("report-import"),
    "records": reverse("records:home"),
}
# Open to everyone signed in (an empty list for those without a role), so not refused when
# not linked; every other page refuses those it is not linked for.
OPEN_TO_ALL = {"report", "my_reports", "inbox", "actions"}
EVERYONE = {"report", "my_reports"}
STAFF = EVERYONE | {"inbox", "register"}
OFFERED = Matrix.of(
    [
        "reporter",
        "outsider",
        "decision_maker",
        "dso",
        "manager_a",
        "manager_b",
        "sas",
        "sas_other",
        "leadership",
        "admin_sn",
        "superuser",
    ],
    {
        "reporter": EVERYONE,
        "outsider": EVERYONE,
        "decision_maker": STAFF,
        "dso": STAFF | {"actions", "records"},
        "manager_a": STAFF | {"actions", "statistics", "records"},
        "manager_b": STAFF | {"actions", "statistics", "records"},
        "sas": STAFF
        | {"actions", "statistics", "compilations", "quality_chapter", "summary_reviews", "records"},
        "sas_other": STAFF
        | {"actions", "statistics", "compilations", "quality_chapter", "summary_reviews", "records"},
        "leadership": EVERYONE | {"statistics", "compilations", "quality_chapter"},
        "admin_sn": EVERYONE | {"imports"},
        "superuser": EVERYONE | {"imports"},
    },
)


def linked(body, region):
    if region == "header":
        body = body.split('<header role="banner"', 1)[1].split("</header>", 1)[0]
    else:
        body = body.split('<main id="main"', 1)[1]
    hrefs = set(re.findall(r'href="([^"]+)"', body))
    return {page for page, url in PAGES.items() if url in hrefs}


@pytest.fixture
def users(cast):
    superuser = get_user_model().objects.create_superuser("root-nav", "root@kommun.example", "x-Secret-123")
    return {**cast, "superuser": superuser}


@OFFERED.per_actor("name, expected")
def test_the_menu_and_the_start_page_link_exactly_the_pages_the_user_can_open(client, users, name, expected):
    client.force_login(users[name])
    body = client.get(reverse("web:home")).content.decode()
    assert linked(body, "header") == expected
    assert linked(body, "start") == expected
    for page in expected:
        assert client.get(PAGES[page]).status_code == 200, page
    for page in set(PAGES) - expected - OPEN_TO_ALL:
        assert client.get(PAGES[page]).status_code in (403, 404), page
