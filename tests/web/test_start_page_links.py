"""The start page links each user to the pages their roles open, so that none is reachable
only by typing its address (the crawl, tests/crawl, asserts every page is reached)."""

import pytest
from django.urls import reverse

from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

PAGES = {
    "statistics": reverse("statistics"),
    "compilations": reverse("compilations"),
    "import": reverse("report-import"),
}
OFFERED = Matrix.of(
    ["reporter", "outsider", "decision_maker", "dso", "manager_a", "sas", "leadership", "admin_sn"],
    {
        "reporter": set(),
        "outsider": set(),
        "decision_maker": set(),
        "dso": set(),
        "manager_a": {"statistics"},
        "sas": {"statistics", "compilations"},
        "leadership": {"statistics", "compilations"},
        "admin_sn": {"import"},
    },
)


@OFFERED.per_actor("name, expected")
def test_the_start_page_links_the_pages_the_users_roles_open(client, cast, name, expected):
    client.force_login(cast[name])
    body = client.get(reverse("web:home")).content.decode()
    offered = {page for page, url in PAGES.items() if f'href="{url}"' in body}
    assert offered == expected
    for page in offered:
        assert client.get(PAGES[page]).status_code == 200
