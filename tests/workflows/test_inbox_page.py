"""The web inbox's page (``workflows.selectors.inbox_page``) walks the running clocks in
deadline order instead of computing every open task's deadline; its pages hold exactly the
tasks, in exactly the order, of sorting the whole inbox and queue by their deadline."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from cases.models import CaseClock, DeadlineRule, Report
from tests.workflows.bulk import open_deviations
from workflows.selectors import inbox_page, tasks_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(cast, org):
    """23 open tasks in the SAS's board: 8 with clocks (two of them with two, one past due, one
    stopped), the rest without; 3 assigned to the SAS, the others in the queue."""
    ids = open_deviations(23, [org.unit_a, org.unit_b], cast["reporter"], owners=[cast["sas"]] * 3)
    reports = list(
        Report.objects.filter(reporter=cast["reporter"]).order_by("pk").values_list("pk", flat=True)
    )
    rule = DeadlineRule.current("deviation-assessment")
    other = DeadlineRule.current("deviation-investigation")
    now = timezone.now()
    clocks = []
    for i, pk in enumerate(reports[2:18:2]):
        clocks.append(
            CaseClock(
                report_id=pk,
                rule=rule,
                code=rule.code,
                started_at=now,
                due_at=now + datetime.timedelta(hours=(i * 7) % 5 - 1),
            )
        )
    clocks.append(CaseClock(report_id=reports[4], rule=other, code=other.code, started_at=now, due_at=now))
    clocks.append(
        CaseClock(
            report_id=reports[6], rule=rule, code="deviation-x", started_at=now, due_at=now, stopped_at=now
        )
    )
    CaseClock.objects.bulk_create(clocks)
    return ids


def expected(user, **filters):
    qs = tasks_for(user, "inbox") | tasks_for(user, "queue")
    return list(qs.order_by(F("due_at").asc(nulls_last=True), "created", "id").values_list("pk", flat=True))


@pytest.mark.parametrize("size", [1, 3, 5, 8, 50])
def test_every_page_is_the_slice_of_the_whole_sorted_list(cast, tasks, size):
    whole = expected(cast["sas"])
    assert len(whole) == 23
    pages = []
    for start in range(0, 30, size):
        pages += inbox_page(cast["sas"], start, size)
    assert pages == whole


def test_overdue_and_narrowed_to_cases(cast, org, tasks):
    now = timezone.now()
    sas = cast["sas"]
    overdue = [
        t.pk for t in (tasks_for(sas, "overdue", now=now)).order_by(F("due_at").asc(), "created", "id")
    ]
    assert overdue and inbox_page(sas, 0, 50, overdue=True, now=now) == overdue
    from django.db.models import Q

    in_b = inbox_page(sas, 0, 50, cases=Q(process__caseprocess__report__unit=org.unit_b))
    assert in_b == [
        pk
        for pk in expected(sas)
        if pk
        in set(tasks_for(sas, "queue", unit=org.unit_b.pk).values_list("pk", flat=True))
        | set(tasks_for(sas, "inbox", unit=org.unit_b.pk).values_list("pk", flat=True))
    ]


@pytest.mark.parametrize("name", ["reporter", "outsider", "manager_b", "dso"])
def test_each_finds_only_their_own_tasks(cast, tasks, name):
    assert inbox_page(cast[name], 0, 100) == expected(cast[name])
