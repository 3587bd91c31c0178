"""Every page as each member of the fixed cast: what each may see, and 404 outside scope."""

import re

import pytest
from django.urls import reverse

from cases.models import Report
from cases.services import do_add_action, do_add_cause, do_give_reporter_feedback
from tests import factories
from tests.cast import CAST
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db
EVERYONE = CAST + ["sas_other"]


def numbers(response):
    return set(re.findall(r"[SO]N \d{4}/\d{4}", response.content.decode()))


@pytest.fixture
def cases(cast, org):
    dev_a = factories.file("deviation", cast["reporter"], org.unit_a)
    dev_b = factories.file("deviation", cast["manager_b"], org.unit_b)
    dev_c = factories.file("deviation", cast["sas_other"], org.unit_c)
    lex_a = factories.file("lex_sarah", cast["reporter"], org.unit_a)
    breach_a = factories.file("data_breach", cast["reporter"], org.unit_a)
    return {"dev_a": dev_a, "dev_b": dev_b, "dev_c": dev_c, "lex_a": lex_a, "breach_a": breach_a}


INBOX = Matrix.of(
    EVERYONE,
    {
        "reporter": set(),
        "outsider": set(),
        "decision_maker": set(),
        "manager_a": {"dev_a", "lex_a"},
        "manager_b": {"dev_b"},
        "sas": {"dev_a", "dev_b", "lex_a"},
        "dso": {"breach_a"},
        "sas_other": {"dev_c"},
    },
)


@INBOX.per_actor("name, waiting")
def test_the_inbox_lists_exactly_the_cases_waiting_for_this_user(client, cast, cases, name, waiting):
    client.force_login(cast[name])
    response = client.get(reverse("web:inbox"))
    assert response.status_code == 200
    assert numbers(response) == {cases[k].case_number for k in waiting}


# Who may open each case page (the selectors' scope); the reporter gets the reduced page.
VISIBLE = Matrix.of(
    EVERYONE,
    {
        "reporter": {"dev_a", "lex_a", "breach_a"},
        "manager_a": {"dev_a", "lex_a"},
        "manager_b": {"dev_b"},
        "sas": {"dev_a", "dev_b", "lex_a", "breach_a"},
        "decision_maker": {"dev_a", "dev_b", "lex_a"},
        "dso": {"breach_a"},
        "outsider": set(),
        "sas_other": {"dev_c"},
    },
)


@VISIBLE.per_actor("name, visible")
def test_a_case_page_opens_in_scope_and_is_404_outside(client, cast, cases, name, visible):
    client.force_login(cast[name])
    for key, report in cases.items():
        response = client.get(reverse("web:case", args=[report.pk]))
        expected = 200 if key in visible else 404
        assert response.status_code == expected, (name, key, response.status_code)
        if expected == 200:
            assert report.case_number in response.content.decode()
            full = 'id="investigation"' in response.content.decode()
            assert full == (name != "reporter"), (name, key)


def test_the_anonymous_visitor_is_sent_to_log_in(client, cases):
    for url in [
        reverse("web:case", args=[cases["dev_a"].pk]),
        reverse("web:inbox"),
        reverse("web:my_reports"),
        reverse("web:actions"),
        reverse("web:report_start"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 200


TRANSITION = Matrix.of(  # GET the assessment form of the deviation in unit A
    EVERYONE,
    {
        "reporter": 403,
        "manager_a": 200,
        "manager_b": 404,
        "sas": 200,
        "decision_maker": 403,
        "dso": 404,
        "outsider": 404,
        "sas_other": 404,
    },
)


@TRANSITION.per_actor("name, expected")
def test_a_transition_form_opens_only_for_who_may_take_it(client, cast, cases, name, expected):
    client.force_login(cast[name])
    response = client.get(reverse("web:transition", args=[cases["dev_a"].pk, "assess"]))
    assert response.status_code == expected


# POST a cause on the deviation in unit A.
ADD_CAUSE = Matrix.of(
    EVERYONE, {"manager_a": 302, "sas": 302, "reporter": 403, "decision_maker": 403}, default=404
)


@ADD_CAUSE.per_actor("name, expected")
def test_adding_a_cause_follows_the_same_rules(client, cast, cases, name, expected):
    client.force_login(cast[name])
    report = cases["dev_a"]
    response = client.post(
        reverse("web:part", args=[report.pk, "causes"]), {"description": "Stress vid passbyte."}
    )
    assert response.status_code == expected
    assert report.causes.count() == (1 if expected == 302 else 0)


def test_an_unknown_transition_or_part_is_404(client, cast, cases):
    client.force_login(cast["manager_a"])
    assert client.get(reverse("web:transition", args=[cases["dev_a"].pk, "no_such_step"])).status_code == 404
    assert client.get(reverse("web:part", args=[cases["dev_a"].pk, "no-such-part"])).status_code == 404


@pytest.mark.parametrize("name", EVERYONE)
def test_my_reports_shows_only_the_users_own_reports_and_chosen_feedback(client, cast, cases, name):
    do_give_reporter_feedback(
        cases["dev_a"].pk, acting_user=cast["manager_a"], data={"text": "Tack, rutinen ses över."}
    )
    client.force_login(cast[name])
    response = client.get(reverse("web:my_reports"))
    own = {r.case_number for r in Report.objects.filter(reporter=cast[name])}
    assert numbers(response) == own
    assert ("Tack, rutinen ses över." in response.content.decode()) == (name == "reporter")


# Whose actions (of the deviations in units A and B) each member finds on the actions board.
ACTIONS_BOARD = Matrix.of(
    EVERYONE,
    {"manager_a": {"dev_a"}, "sas": {"dev_a", "dev_b"}, "manager_b": {"dev_b"}, "reporter": {"dev_a"}},
    default=set(),
)


@ACTIONS_BOARD.per_actor("name, expected")
def test_the_actions_board_shows_the_actions_of_the_users_units_and_their_own(
    client, cast, cases, name, expected
):
    for key, owner in (("dev_a", "reporter"), ("dev_b", "manager_b")):
        handler = cast["manager_a" if key == "dev_a" else "manager_b"]
        cause = do_add_cause(cases[key].pk, acting_user=handler, data={"description": f"Orsak {key}"})
        do_add_action(
            cases[key].pk,
            acting_user=handler,
            data={
                "description": f"Åtgärd {key}",
                "kind": "corrective",
                "causes": [cause.pk],
                "owner": cast[owner].pk,
                "due_date": "2026-12-01",
            },
        )
    client.force_login(cast[name])
    body = client.get(reverse("web:actions")).content.decode()
    assert {k for k in ("dev_a", "dev_b") if f"Åtgärd {k}" in body} == expected


def test_the_owner_closes_their_action_from_the_board(client, cast, cases):
    report = cases["dev_a"]
    cause = do_add_cause(report.pk, acting_user=cast["manager_a"], data={"description": "Orsak"})
    action = do_add_action(
        report.pk,
        acting_user=cast["manager_a"],
        data={
            "description": "Åtgärd",
            "kind": "corrective",
            "causes": [cause.pk],
            "owner": cast["manager_a"].pk,
            "due_date": "2026-12-01",
        },
    )
    client.force_login(cast["manager_a"])
    response = client.post(
        reverse("web:update_action", args=[report.pk, action.pk]),
        {"status": "done", "effect_follow_up": "Fungerar.", "next": reverse("web:actions")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:actions")
    action.refresh_from_db()
    assert action.is_settled


def test_taking_a_task_from_the_queue(client, cast, cases):
    from workflows.selectors import tasks_for

    task = tasks_for(cast["manager_a"], "queue").get(process__caseprocess__report=cases["dev_a"])
    client.force_login(cast["outsider"])
    assert client.post(reverse("web:claim", args=[task.pk])).status_code == 404
    client.force_login(cast["manager_a"])
    response = client.post(reverse("web:claim", args=[task.pk]), {"next": reverse("web:inbox")})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == cast["manager_a"]
    assert cases["dev_a"].case_number in client.get(reverse("web:inbox")).content.decode()


def test_the_inbox_pages_through_a_long_queue_without_counting_it(client, cast, org):
    from tests.workflows.bulk import open_deviations

    open_deviations(55, [org.unit_a], cast["reporter"])
    client.force_login(cast["manager_a"])
    first = client.get(reverse("web:inbox")).content.decode()
    # Each case number: its link, its Take button and its Reassign link (the unit's manager).
    assert first.count("BULK-") == 3 * 50
    assert "page=2" in first
    second = client.get(reverse("web:inbox"), {"page": 2}).content.decode()
    assert second.count("BULK-") == 3 * 5 and "page=3" not in second


# The overdue list per unit: (unit, overdue cases, overdue actions). The decision maker answers
# for no deadline: none, as GET /api/v1/overdue/ (404).
OVERDUE = Matrix.of(
    EVERYONE,
    {
        "manager_a": [("Hemtjänst Centrum", 1, 0)],
        "manager_b": [("Omsorg AB (privat)", 0, 1)],
        "sas": [("Hemtjänst Centrum", 2, 0), ("Omsorg AB (privat)", 0, 1)],
        "dso": [("Hemtjänst Centrum", 1, 0)],
    },
    default=[],
)


@OVERDUE.per_actor("name, expected")
def test_the_overdue_list_counts_per_unit_what_the_user_may_see(client, cast, org, cases, name, expected):
    import datetime

    from django.utils import timezone

    from cases.models import CaseClock

    # Filing started the cases' clocks; the first to run out is moved into the past.
    for key, code in (("dev_a", "deviation-assessment"), ("breach_a", "breach-imy-notification")):
        moved = CaseClock.objects.filter(report=cases[key], code=code, stopped_at__isnull=True).update(
            due_at=timezone.now() - datetime.timedelta(hours=1)
        )
        assert moved == 1
    cause = do_add_cause(cases["dev_b"].pk, acting_user=cast["manager_b"], data={"description": "Orsak"})
    do_add_action(
        cases["dev_b"].pk,
        acting_user=cast["manager_b"],
        data={
            "description": "Åtgärd",
            "kind": "corrective",
            "causes": [cause.pk],
            "owner": cast["manager_b"].pk,
            "due_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        },
    )
    client.force_login(cast[name])
    overdue = client.get(reverse("web:inbox")).context["overdue"]
    assert [(r["unit"], r["cases"], r["actions"]) for r in overdue] == expected
