"""Valid input for filing and for every transition, so tests state only what differs."""

import datetime

from django.utils import timezone

from cases.models import InvestigationTopic, Report, Term
from cases.services import (
    do_add_action,
    do_add_cause,
    do_add_investigation_entry,
    do_file_report,
    do_transition,
    do_update_action,
)


def ago(**kwargs):
    return (timezone.now() - datetime.timedelta(**kwargs)).isoformat()


def term(vocabulary, code=None):
    qs = Term.objects.filter(vocabulary=vocabulary, parent__isnull=True)
    return (qs.get(code=code) if code else qs.first()).pk


def filing_data(report_type, unit, **extra):
    """Valid input for filing a report of ``report_type`` in ``unit``."""
    data = {"type": report_type, "unit": unit.pk, "description": "Brukaren fick fel medicin på kvällen."}
    if report_type in ("deviation", "lex_sarah", "lex_maria"):
        data["occurred_at"] = ago(hours=3)
    if report_type == "data_breach":
        data["discovered_at"] = ago(hours=2)
    if report_type == "complaint":
        data["kind"] = "klagomal"
    data.update(extra)
    return data


def file(report_type, user, unit, **extra):
    return do_file_report(acting_user=user, data=filing_data(report_type, unit, **extra))


def transition_data(report, name, cast=None):
    """Complete, valid data for ``name`` on ``report`` in its current state."""
    t = report.type
    if (t, name) == ("deviation", "assess"):
        return {"category": term("deviation_category"), "probability": 2, "severity": 2}
    if name == "complete_investigation":
        return {"investigation_summary": "Rutinen för signering följdes inte."}
    if name == "record_actions":
        return {}
    if name == "follow_up":
        return {}
    if name == "close":
        return (
            {"decision": "Avslutas; åtgärderna har haft effekt."} if t in ("deviation", "complaint") else {}
        )
    if (t, name) == ("complaint", "register"):
        return {
            "handler": cast["manager_a"].pk,
            "complaint_kind": term("complaint_kind", "klagomal"),
            "complaint_source": term("complaint_source"),
            "acknowledged_at": ago(minutes=5),
        }
    if (t, name) == ("complaint", "investigate"):
        return {"position_statement": "Bemötandet brast.", "deviation_found": "True"}
    if (t, name) == ("complaint", "answer"):
        return {"reply": "Tack för att du hörde av dig; vi har gått igenom rutinen."}
    if name == "record_immediate_measures":
        return {"immediate_measures": "Personalen byttes ut.", "immediate_measures_at": ago(hours=1)}
    if (t, name) == ("lex_sarah", "register"):
        return {
            "chair_informed_at": ago(minutes=30),
            "social_chief_informed_at": ago(minutes=30),
            "categories": [term("lex_sarah_category")],
        }
    if name == "close_outside_scope":
        return {"decision": "Inte ett missförhållande enligt lex Sarah."}
    if name == "start_investigation":
        return {}
    if (t, name) == ("lex_sarah", "assess"):
        return {
            "lex_sarah_assessment": "missforhallande",
            "is_serious": "True",
            "probability": 3,
            "severity": 4,
        }
    if (t, name) == ("lex_sarah", "decide"):
        return {"decision": "Anmälan görs till IVO.", "notify_ivo": "True"}
    if (t, name) == ("lex_maria", "register"):
        return {
            "categories": [term("lex_maria_category")],
            "immediate_measures": "Läkare kontaktades; patienten observerades.",
            "immediate_measures_at": ago(hours=1),
        }
    if (t, name) == ("lex_maria", "assess"):
        return {"injury_assessment": "allvarlig", "probability": 3, "severity": 4}
    if (t, name) == ("lex_maria", "decide"):
        return {"decision": "Händelsen anmäls till IVO enligt lex Maria.", "notify_ivo": "True"}
    if (t, name) == ("data_breach", "assess"):
        return {
            "breach_nature": ["confidentiality"],
            "data_categories": [term("breach_data_category")],
            "approx_subjects": 12,
            "approx_records": 40,
            "likely_consequences": "Obehörig fick se uppgifter.",
            "breach_measures": "Behörigheter spärrade.",
            "breach_risk": "risk",
        }
    if (t, name) == ("data_breach", "decide"):
        return {"decision": "Incidenten anmäls till IMY.", "notify_imy": "True"}
    raise KeyError((t, name))


def complete_lex_sarah_investigation(report, user):
    complete_investigation(report, user)


def complete_investigation(report, user):
    """An entry for every topic the case's type requires before its decision."""
    for topic in InvestigationTopic.objects.filter(report_type=report.type, required_for_decision=True):
        do_add_investigation_entry(
            report.pk,
            acting_user=user,
            data={
                "topic": topic.pk,
                "text": f"Dokumentation: {topic.name}",
                "entry_date": timezone.localdate(),
                "source": "Intervju med personal",
                "nature": "fact",
            },
        )


def settled_action(report, user, owner):
    cause = do_add_cause(report.pk, acting_user=user, data={"description": "Rutinen var okänd."})
    action = do_add_action(
        report.pk,
        acting_user=user,
        data={
            "description": "Utbilda personalen i rutinen.",
            "kind": "corrective",
            "causes": [cause.pk],
            "owner": owner.pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    do_update_action(
        report.pk, action.pk, acting_user=user, data={"status": "done", "effect_follow_up": "Inga nya fel."}
    )
    return action


# The user who performs each step in a normal walk through the lifecycle.
ACTOR = {
    ("deviation", "assess"): "manager_a",
    ("deviation", "complete_investigation"): "manager_a",
    ("deviation", "record_actions"): "manager_a",
    ("deviation", "follow_up"): "manager_a",
    ("deviation", "close"): "manager_a",
    ("complaint", "register"): "manager_a",
    ("complaint", "investigate"): "manager_a",
    ("complaint", "answer"): "manager_a",
    ("complaint", "close"): "manager_a",
    ("lex_sarah", "record_immediate_measures"): "manager_a",
    ("lex_sarah", "register"): "sas",
    ("lex_sarah", "close_outside_scope"): "sas",
    ("lex_sarah", "start_investigation"): "sas",
    ("lex_sarah", "assess"): "sas",
    ("lex_sarah", "decide"): "decision_maker",
    ("lex_sarah", "close"): "sas",
    ("data_breach", "assess"): "dso",
    ("data_breach", "decide"): "dso",
    ("data_breach", "close"): "dso",
    ("lex_maria", "register"): "mas",
    ("lex_maria", "close_outside_scope"): "mas",
    ("lex_maria", "start_investigation"): "mas",
    ("lex_maria", "assess"): "mas",
    ("lex_maria", "decide"): "mas",
    ("lex_maria", "close"): "mas",
}

PATHS = {
    "deviation": ["assess", "complete_investigation", "record_actions", "follow_up", "close"],
    "complaint": ["register", "investigate", "answer", "close"],
    "lex_sarah": [
        "record_immediate_measures",
        "register",
        "start_investigation",
        "assess",
        "decide",
        "close",
    ],
    "data_breach": ["assess", "decide", "close"],
    "lex_maria": ["register", "start_investigation", "assess", "decide", "close"],
}

# Who takes the steps of a notification to the regulator, per case type.
NOTIFIER = {"lex_sarah": "sas", "data_breach": "dso", "lex_maria": "mas"}


def prepare(report, name, cast):
    """What must exist on the case before ``name`` can pass its rules."""
    if name == "complete_investigation":
        do_add_cause(report.pk, acting_user=cast["manager_a"], data={"description": "Stress vid passbyte."})
    if name == "record_actions":
        settled_action(report, cast["manager_a"], cast["manager_a"])
    if (report.type, name) == ("lex_sarah", "assess"):
        complete_lex_sarah_investigation(report, cast["sas"])
    if (report.type, name) == ("lex_maria", "decide"):
        complete_investigation(report, cast["mas"])


def walk_to(report, state_before, cast, finish_notifications=True):
    """Perform the normal path until the report would take ``state_before``'s next step."""
    for name in PATHS[report.type]:
        if report.state == state_before:
            return report
        if name not in {t.name for t in report.get_available_state_transitions()}:
            continue  # already past this step
        if name == "close" and finish_notifications:
            finish_regulator_notifications(report, cast)
        prepare(report, name, cast)
        actor = cast[ACTOR[(report.type, name)]]
        report = do_transition(report.pk, name, acting_user=actor, data=transition_data(report, name, cast))
    assert state_before is None or report.state == state_before, (report.state, state_before)
    return report


def finish_regulator_notifications(report, cast):
    from cases.services import do_notification_transition

    for notification in Report.objects.get(pk=report.pk).regulator_notifications.all():
        actor = cast[NOTIFIER[report.type]]
        do_notification_transition(
            report.pk,
            notification.pk,
            "submit",
            acting_user=actor,
            data={"submitted_at": ago(minutes=1), "channel": "e_service"},
        )
        if notification.regulator == "ivo":
            do_notification_transition(
                report.pk,
                notification.pk,
                "record_outcome",
                acting_user=actor,
                data={"outcome": "closed", "outcome_at": timezone.localdate().isoformat()},
            )
            do_notification_transition(report.pk, notification.pk, "complete", acting_user=actor, data={})
