"""Finishing a case without trial and error (issue 17): the lex Sarah investigation's required
topics are a checklist on the case page from the start, a step that would leave the next role
unable to act is refused with what is missing, and a step that cannot succeed yet is shown
disabled with its reason, the same reason the service refuses with."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cases import forms, selectors
from cases.management.commands.seed_demo import FIRST_TOPICS
from cases.models import InvestigationTopic, Report
from cases.services import (
    available_transitions,
    do_add_affected_person,
    do_add_investigation_entry,
    do_notification_transition,
    do_transition,
)
from tests.cast import CAST
from tests.factories import (
    ago,
    complete_lex_sarah_investigation,
    file,
    settled_action,
    transition_data,
    walk_to,
)
from tests.matrix import Matrix


def document(report, user, codes):
    for topic in InvestigationTopic.objects.filter(report_type="lex_sarah", code__in=codes):
        do_add_investigation_entry(
            report.pk,
            acting_user=user,
            data={
                "topic": topic.pk,
                "text": f"Dokumentation: {topic.name}",
                "entry_date": timezone.localdate(),
                "source": "Samtal med personalen",
                "nature": "fact",
            },
        )


def required_names(codes=None):
    topics = InvestigationTopic.objects.filter(report_type="lex_sarah", required_for_decision=True)
    return [t.name for t in topics if codes is None or t.code in codes]


def steps(report, user):
    case = selectors.access_report(user, report.pk)  # the case as its type's lifecycle, read afresh
    return {t["name"]: t["blocked_by"] for t in available_transitions(case, user)}


def test_the_demo_cases_stuck_state_cannot_be_reached(org, cast):
    """SN 2026/0023 of the demo: the SAS assessed an investigation that documented only its first
    topics, and only the delegat's decision said what was missing, which the delegat cannot add.
    Now the assessment refuses, naming the missing topics, and the case stays with the SAS."""
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    document(report, cast["sas"], FIRST_TOPICS)
    missing = [n for n in required_names() if n not in required_names(FIRST_TOPICS)]
    with pytest.raises(ValidationError) as refused:
        do_transition(report.pk, "assess", acting_user=cast["sas"], data=transition_data(report, "assess"))
    message = " ".join(refused.value.message_dict["__all__"])
    assert all(name in message for name in missing)
    assert not any(name in message for name in required_names(FIRST_TOPICS))
    assert Report.objects.get(pk=report.pk).state == "investigating"
    # The page and the API say so before anyone tries: the step is listed with the same reasons.
    assert steps(report, cast["sas"])["assess"] == [str(r) for r in forms.LexSarahAssessForm.blockers(report)]
    assert all(name in " ".join(steps(report, cast["sas"])["assess"]) for name in missing)
    # Once every topic is documented the assessment passes, and the delegat can decide at once.
    complete_lex_sarah_investigation(report, cast["sas"])
    assert steps(report, cast["sas"]) == {"assess": []}
    report = do_transition(
        report.pk, "assess", acting_user=cast["sas"], data=transition_data(report, "assess")
    )
    assert steps(report, cast["decision_maker"]) == {"decide": []}
    report = do_transition(
        report.pk, "decide", acting_user=cast["decision_maker"], data=transition_data(report, "decide")
    )
    assert report.state == "decided"


def test_an_entry_without_a_topic_documents_no_topic(org, cast):
    """An entry with no topic must not count for every topic (a NULL in the documented set)."""
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    do_add_investigation_entry(
        report.pk,
        acting_user=cast["sas"],
        data={"text": "Allmänt.", "entry_date": timezone.localdate(), "source": "x", "nature": "fact"},
    )
    assert [name for name, documented in ((t.name, d) for t, d in forms.investigation_checklist(report))] == (
        required_names()
    )
    assert forms.missing_topics(report) == list(
        InvestigationTopic.objects.filter(report_type="lex_sarah", required_for_decision=True)
    )


def test_a_topic_required_after_the_assessment_blocks_the_decision_and_says_so(org, cast):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "assessed", cast)
    new = InvestigationTopic.objects.create(
        report_type="lex_sarah", code="ny-punkt", name="Ny punkt i föreskriften", required_for_decision=True
    )
    [reason] = steps(report, cast["decision_maker"])["decide"]
    assert "Ny punkt i föreskriften" in reason
    with pytest.raises(ValidationError) as refused:
        do_transition(
            report.pk, "decide", acting_user=cast["decision_maker"], data=transition_data(report, "decide")
        )
    assert refused.value.message_dict["__all__"] == [reason]
    # The SAS still may document it while the case waits for the decision.
    document(report, cast["sas"], [new.code])
    assert steps(report, cast["decision_maker"]) == {"decide": []}


def test_closing_explains_what_is_missing_and_refuses_with_the_same_words(org, cast):
    report = walk_to(
        file("lex_sarah", cast["reporter"], org.unit_a), "decided", cast, finish_notifications=False
    )
    notification = report.regulator_notifications.get()
    with translation.override("sv"):
        assert steps(report, cast["sas"])["close"] == ["Anmälan till IVO har inte skickats in."]
        do_notification_transition(
            report.pk,
            notification.pk,
            "submit",
            acting_user=cast["sas"],
            data={"submitted_at": ago(minutes=1), "channel": "e_service"},
        )
        assert steps(report, cast["sas"])["close"] == ["IVO:s slutliga beslut saknas."]
        with pytest.raises(ValidationError) as refused:
            do_transition(report.pk, "close", acting_user=cast["sas"], data={})
        assert refused.value.message_dict["__all__"] == ["IVO:s slutliga beslut saknas."]
    do_notification_transition(
        report.pk,
        notification.pk,
        "record_outcome",
        acting_user=cast["sas"],
        data={"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
    )
    assert (
        "slutför" in steps(report, cast["sas"])["close"][0]
        or "complete" in steps(report, cast["sas"])["close"][0]
    )
    do_notification_transition(report.pk, notification.pk, "complete", acting_user=cast["sas"], data={})
    assert steps(report, cast["sas"]) == {"close": []}
    assert do_transition(report.pk, "close", acting_user=cast["sas"], data={}).state == "closed"


def test_a_deviation_without_a_cause_shows_why_its_investigation_cannot_complete(org, cast):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    [reason] = steps(report, cast["manager_a"])["complete_investigation"]
    with pytest.raises(ValidationError) as refused:
        do_transition(
            report.pk,
            "complete_investigation",
            acting_user=cast["manager_a"],
            data=transition_data(report, "complete_investigation"),
        )
    assert refused.value.message_dict["__all__"] == [reason]


# The case page of a lex Sarah case just filed, as each member of the cast: the checklist of the
# required topics for everyone who reads the whole case, from the start; nothing of it for the
# reporter (their own view), 404 for those who may not see the case.
PAGE = Matrix.of_groups(
    CAST,
    [({"manager_a", "sas", "decision_maker"}, "checklist"), ({"reporter"}, "reporter view")],
    default=404,
)


def test_the_checklist_is_on_the_case_page_from_the_start(org, cast, client):
    report = file("lex_sarah", cast["reporter"], org.unit_a)
    names = required_names()

    def seen(name):
        client.force_login(cast[name])
        response = client.get(f"/cases/{report.pk}/", HTTP_ACCEPT_LANGUAGE="sv")
        if response.status_code != 200:
            return response.status_code
        page = response.content.decode()
        if 'id="checklist"' not in page:
            return "reporter view"
        assert all(n in page for n in names)
        assert page.count("(saknas)") == len(names)
        assert f"{len(names)} punkter saknas ännu" in page
        return "checklist"

    assert {name: seen(name) for name in CAST} == PAGE.expected()


def test_the_page_shows_a_blocked_step_disabled_with_its_reason(org, cast, client):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    document(report, cast["sas"], FIRST_TOPICS)
    client.force_login(cast["sas"])
    page = client.get(f"/cases/{report.pk}/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert f"/cases/{report.pk}/do/assess/" not in page  # not offered as a link to a form that refuses
    assert 'disabled aria-describedby="blocked-assess"' in page
    assert "Utredningen dokumenterar ännu inte" in page
    assert page.count("(saknas)") == len(required_names()) - len(FIRST_TOPICS)
    # The step's own page says the same before anything is typed.
    form_page = client.get(f"/cases/{report.pk}/do/assess/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert (
        "Det här steget kan inte tas ännu" in form_page and "Utredningen dokumenterar ännu inte" in form_page
    )


def test_an_action_saved_without_its_follow_up_says_it_stays_open(org, cast, client):
    report = walk_to(file("deviation", cast["reporter"], org.unit_a), "investigated", cast)
    action = settled_action(report, cast["manager_a"], cast["manager_a"])
    type(action).objects.filter(pk=action.pk).update(effect_follow_up="", status="in_progress")
    client.force_login(cast["manager_a"])
    response = client.post(
        f"/cases/{report.pk}/actions/{action.pk}/", {"status": "done"}, HTTP_ACCEPT_LANGUAGE="sv", follow=True
    )
    page = response.content.decode()
    assert "Åtgärden står kvar som öppen tills effekten har följts upp" in page
    assert "Står kvar som öppen tills effekten följts upp" in page  # beside the action in the table
    response = client.post(
        f"/cases/{report.pk}/actions/{action.pk}/",
        {"status": "done", "effect_follow_up": "Inga nya fel."},
        HTTP_ACCEPT_LANGUAGE="sv",
        follow=True,
    )
    page = response.content.decode()
    assert "Sparat." in page and "står kvar som öppen" not in page.lower()


def test_routing_a_deviation_to_lex_sarah_carries_its_risk_and_persons_and_says_so(org, cast, client):
    report = file("deviation", cast["reporter"], org.unit_a)
    do_add_affected_person(
        report.pk,
        acting_user=cast["reporter"],
        data={"name": "Tolvan Tolvansson", "personnummer": "19121212-1212", "role": "Brukare"},
    )
    client.force_login(cast["manager_a"])
    response = client.post(
        f"/cases/{report.pk}/do/assess/",
        {
            "category": transition_data(report, "assess")["category"],
            "risk_cell": "3-4",
            "route": "lex_sarah",
            "risk_override_reason": "",
        },
        HTTP_ACCEPT_LANGUAGE="sv",
        follow=True,
    )
    lex = Report.objects.get(type="lex_sarah")
    page = response.content.decode()
    assert f"Lex Sarah-ärende {lex.case_number} skapat." in page
    assert "Fördes över: riskbedömningen och de berörda personerna." in page
    assert (lex.probability, lex.severity, lex.risk_band_id) == (
        3,
        4,
        Report.objects.get(pk=report.pk).risk_band_id,
    )
    source_persons = list(
        Report.objects.get(pk=report.pk).persons.values_list("name", "personnummer", "role")
    )
    assert list(lex.persons.values_list("name", "personnummer", "role")) == source_persons
    assert lex.links_in.get().source_id == report.pk
    # The lex Sarah assessment starts from the carried risk: the matrix's cell is checked.
    walk_to(selectors.access_report(cast["sas"], lex.pk), "investigating", cast)
    client.force_login(cast["sas"])
    form_page = client.get(f"/cases/{lex.pk}/do/assess/").content.decode()
    assert 'value="3-4" checked' in form_page
    # Routing the same case to lex Sarah again is refused with the case to work on instead.
    client.force_login(cast["manager_a"])
    again = client.post(
        f"/cases/{report.pk}/route/",
        {"target_type": "lex_sarah", "reason": "Igen."},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert again.status_code == 200 and lex.case_number in again.content.decode()
    assert Report.objects.filter(type="lex_sarah").count() == 1
