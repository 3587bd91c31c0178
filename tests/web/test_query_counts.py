"""The inbox, the case page and My reports cost a fixed number of queries, whatever the
number of rows they show. Each page logs its read: the access chain's head (read with its
lock), the row's insert and the head's upsert, the same on SQLite and PostgreSQL."""

import pytest
from django.urls import reverse

from cases.services import do_add_affected_person, do_add_investigation_entry
from tests import factories
from tests.queries import assert_num_queries, captured_queries

pytestmark = pytest.mark.django_db


def queries(client, url):
    with captured_queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def file_many(cast, org, n):
    return [factories.file("deviation", cast["reporter"], org.unit_a) for _i in range(n)]


# Every page: +1 for the bell's count of unread notifications (notifications app, the bell
# now always in the header). The inbox: +1 for the user's active substitutions
# (workflows.selectors.inbox_q reads whom the user stands in for as an id list); +1 for
# the page's named investigators, read at once for whether each task may be handed on.
# The inbox: +2 for the records room's reviews (cases.inbox_extras): the boards, and the
# questioned reads waiting for the user's follow-up (the runs and reviews only for a reviewer).
# The inbox: +1 when its page reaches past the tasks with a running clock (here: always), read
# in two steps: those by walking the clocks in deadline order, then the others by creation
# (workflows.selectors.inbox_page, which a board of a million cases needs).
# Every page that logs its read: +1 for the audit chain's sealed head (issue 14; on PostgreSQL
# it replaced the chain's advisory lock, so the count is the same on both databases).
@pytest.mark.parametrize(
    "url_name, user, expected",
    [
        # 21: +4 for the quality room's inbox items (signal analyses, risk analyses to score,
        # measures to follow up).
        ("web:inbox", "manager_a", 21),
        ("web:my_reports", "reporter", 10),
    ],
)
def test_list_pages_cost_the_same_for_few_and_many_rows(client, cast, org, url_name, user, expected):
    client.force_login(cast[user])
    url = reverse(url_name)
    file_many(cast, org, 2)
    few = queries(client, url)
    file_many(cast, org, 8)
    assert queries(client, url) == few
    with assert_num_queries(expected):
        client.get(url)


def test_the_case_page_costs_the_same_with_more_parts(client, cast, org):
    report = factories.file("lex_sarah", cast["reporter"], org.unit_a)
    report = factories.walk_to(report, "investigating", cast)
    client.force_login(cast["sas"])
    url = reverse("web:case", args=[report.pk])

    def add(n):
        for i in range(n):
            do_add_affected_person(report.pk, acting_user=cast["sas"], data={"role": f"Brukare {i}"})
            do_add_investigation_entry(
                report.pk,
                acting_user=cast["sas"],
                data={
                    "text": f"Anteckning {i}",
                    "source": "Intervju",
                    "nature": "fact",
                    "entry_date": "2026-01-05",
                },
            )
            factories.settled_action(report, cast["sas"], cast["manager_a"])

    add(1)
    few = queries(client, url)
    add(4)
    assert queries(client, url) == few
    # 30: +1 for the bell's count of unread notifications, the bell now always in the header;
    # -1 since the linked cases' visibility is asked only when the case has links; +1 for the
    # read log's sealed chain head (on PostgreSQL instead of the chain's advisory lock);
    # 32: +1 for the case's corrections (reopened, withdrawn, merged, earlier descriptions);
    # 36: +4 for the investigation checklist (its topics and the entries documenting them), read
    # once for the checklist and once more for the steps it blocks (the assessment's and the
    # decision's ``blockers``): to be read once per request.
    with assert_num_queries(36):
        client.get(url)
