"""The crawl's world: the fixed cast's municipality with data of every type in every state,
built through the services as users would build it (tests/factories.py walks the lifecycles).

Socialnämnden's unit A holds a case of every type in every state, the notifications to IVO and
IMY in each of theirs, and what a case carries: persons heard, investigation entries, causes,
actions in each status, an attachment, a linked case, a named investigator, questions to a
public submitter, feedback to the reporter, a corrected key time, tasks taken and waiting.
Unit B (manager_b's) and Omsorgsnämnden's unit C (sas_other's) hold a case of every type, so
that every user has cases out of their scope. There are compilation exports done and failed,
notifications in the centre, a substitution and the administrators' admin rights.
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.management.commands.seed_demo import ADMINISTRATOR_MODELS
from cases.models import Report, Role
from cases.services import (
    do_add_affected_person,
    do_add_attachment,
    do_add_information_event,
    do_ask_submitter,
    do_correct_key_time,
    do_decide_ivo_notification,
    do_file_public_submission,
    do_give_reporter_feedback,
    do_grant_investigator,
    do_grant_role,
    do_notification_transition,
    do_route,
    do_transition,
    do_update_action,
)
from notifications.models import FailedAddress, Position
from reporting.models import ExportJob
from tests import factories
from tests.factories import ACTOR, PATHS, ago, file, prepare, transition_data, walk_to
from workflows.models import Substitute
from workflows.selectors import tasks_for
from workflows.services import do_claim

NOTIFICATION_STEPS = {
    "submitted": ["submit"],
    "supplemented": ["submit", "supplement"],
    "regulator_decided": ["submit", "record_outcome"],
    "done": ["submit", "record_outcome", "complete"],
}
NOTIFICATION_DATA = {
    "submit": lambda: {
        "submitted_at": ago(minutes=5),
        "channel": "e_service",
        "regulator_case_number": "3.1.1-1",
    },
    "supplement": lambda: {"sent_at": ago(minutes=2), "text": "Kompletterande uppgifter."},
    "record_outcome": lambda: {
        "outcome": "criticism",
        "outcome_at": timezone.localdate().isoformat(),
        "outcome_note": "Kritik.",
    },
    "complete": lambda: {},
}


def build(cast, org):
    """Everything the crawl visits; returns a short description of what was made."""
    made = {"cases": 0}

    def case(report_type, unit, state, by="reporter", **extra):
        report = file(report_type, cast[by], unit, **extra)
        made["cases"] += 1
        return walk_to(report, state, cast, finish_notifications=True) if state else report

    for report_type, path in PATHS.items():
        for index in range(len(path) + 1):
            state = None if index == 0 else _state_after(report_type, path[index - 1])
            case(report_type, org.unit_a, state)
        case(report_type, org.unit_b, None)
        case(report_type, org.unit_c, None)
    _outside_scope(cast, org)
    _corrections(cast, org)
    _notifications_in_every_state(cast, org, "lex_sarah", "ivo")
    _notifications_in_every_state(cast, org, "data_breach", "imy")
    _notifications_in_every_state(cast, org, "lex_maria", "ivo")
    _lex_maria_routing(cast, org)
    _early_ivo(cast, org)
    _content(cast, org)
    _public_complaint(cast, org)
    _tasks(cast, org)
    _compilations(cast, org)
    _administrators(cast, org)
    _records(cast, org)
    _quality(cast, org)
    _risk_analysis(cast, org)
    made["cases"] = Report.objects.count()
    return made


def _state_after(report_type, name):
    return TARGETS[(report_type, name)]


TARGETS = {
    ("deviation", "assess"): "assessed",
    ("deviation", "complete_investigation"): "investigated",
    ("deviation", "record_actions"): "actions_taken",
    ("deviation", "follow_up"): "followed_up",
    ("deviation", "close"): "closed",
    ("complaint", "register"): "registered",
    ("complaint", "investigate"): "investigated",
    ("complaint", "answer"): "answered",
    ("complaint", "close"): "closed",
    ("lex_sarah", "record_immediate_measures"): "measures_taken",
    ("lex_sarah", "register"): "registered",
    ("lex_sarah", "start_investigation"): "investigating",
    ("lex_sarah", "assess"): "assessed",
    ("lex_sarah", "decide"): "decided",
    ("lex_sarah", "close"): "closed",
    ("data_breach", "assess"): "assessed",
    ("data_breach", "decide"): "decided",
    ("data_breach", "close"): "closed",
    ("lex_maria", "register"): "registered",
    ("lex_maria", "start_investigation"): "investigating",
    ("lex_maria", "assess"): "assessed",
    ("lex_maria", "decide"): "decided",
    ("lex_maria", "close"): "closed",
}


def _step(report, name, cast, data=None):
    prepare(report, name, cast)
    return do_transition(
        report.pk,
        name,
        acting_user=cast[ACTOR[(report.type, name)]],
        data=transition_data(report, name, cast) if data is None else data,
    )


def _outside_scope(cast, org):
    report = file("lex_sarah", cast["reporter"], org.unit_a)
    for name in ("record_immediate_measures", "register"):
        report = _step(report, name, cast)
    do_transition(
        report.pk,
        "close_outside_scope",
        acting_user=cast["sas"],
        data={"decision": "Inte ett missförhållande.", "spawn": "deviation"},
    )


def _lex_maria_routing(cast, org):
    """A lex Maria case closed as no vårdskada that continues as lex Sarah, one notified to IVO
    early, and a deviation routed to lex Maria at its assessment."""
    report = _step(file("lex_maria", cast["reporter"], org.unit_a), "register", cast)
    do_transition(
        report.pk,
        "close_outside_scope",
        acting_user=cast["mas"],
        data={"decision": "Ingen vårdskada; brister i bemötandet.", "spawn": "lex_sarah"},
    )
    report = walk_to(file("lex_maria", cast["reporter"], org.unit_a), "investigating", cast)
    do_decide_ivo_notification(
        report.pk, acting_user=cast["mas"], data={"decision": "Allvarlig vårdskada; anmäls snarast."}
    )
    deviation = file("deviation", cast["reporter"], org.unit_a)
    do_transition(
        deviation.pk,
        "assess",
        acting_user=cast["manager_a"],
        data={
            **transition_data(deviation, "assess", cast),
            "route": "lex_maria",
            "risk_override_reason": "Fallet gällde hemsjukvård.",
        },
    )


def _corrections(cast, org):
    """A withdrawn report and a duplicate merged into another case, of every type; a reopened
    case; a description with an earlier version."""
    from cases.services import do_edit_description, do_merge_reports, do_reopen_report, do_withdraw_report

    corrector = {"deviation": "sas", "complaint": "sas", "lex_sarah": "sas", "data_breach": "dso"}
    for report_type, name in corrector.items():
        actor = cast[name]
        do_withdraw_report(
            file(report_type, cast["reporter"], org.unit_a).pk,
            acting_user=actor,
            data={"reason": "Av misstag."},
        )
        survivor = file(report_type, cast["reporter"], org.unit_a)
        do_merge_reports(
            file(report_type, cast["reporter"], org.unit_a).pk,
            acting_user=actor,
            data={"survivor": survivor.case_number, "reason": "Dubblett."},
        )
        do_edit_description(
            survivor.pk, acting_user=actor, data={"description": "Rättad beskrivning.", "reason": "Stavfel."}
        )
    closed = walk_to(file("deviation", cast["reporter"], org.unit_a), None, cast)
    do_reopen_report(closed.pk, acting_user=cast["sas"], data={"reason": "Nya uppgifter."})


def _notifications_in_every_state(cast, org, report_type, regulator):
    actor = cast[factories.NOTIFIER[report_type]]
    for steps in NOTIFICATION_STEPS.values():
        report = walk_to(file(report_type, cast["reporter"], org.unit_a), "decided", cast)
        notification = report.regulator_notifications.get(regulator=regulator)
        for name in steps:
            do_notification_transition(
                report.pk, notification.pk, name, acting_user=actor, data=NOTIFICATION_DATA[name]()
            )


def _early_ivo(cast, org):
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    do_decide_ivo_notification(
        report.pk,
        acting_user=cast["decision_maker"],
        data={"decision": "Allvarligt; IVO underrättas innan utredningen är klar."},
    )


def _content(cast, org):
    """A lex Sarah investigation with everything a case can carry, and a routed deviation."""
    report = walk_to(file("lex_sarah", cast["reporter"], org.unit_a), "investigating", cast)
    person = do_add_affected_person(
        report.pk,
        acting_user=cast["sas"],
        data={"name": "Tolvan Tolvansson", "personnummer": "19121212-1212", "role": "Brukare"},
    )
    do_add_information_event(
        report.pk,
        acting_user=cast["sas"],
        data={
            "person": person.pk,
            "informed_at": ago(hours=1),
            "channel": "Samtal",
            "person_view": "Brukaren berättade.",
            "journal_note_recorded": True,
        },
    )
    factories.complete_lex_sarah_investigation(report, cast["sas"])
    for status in ("not_started", "in_progress"):
        action = factories.settled_action(report, cast["sas"], cast["manager_a"])
        do_update_action(
            report.pk, action.pk, acting_user=cast["sas"], data={"status": status, "effect_follow_up": ""}
        )
    do_add_attachment(
        report.pk,
        acting_user=cast["sas"],
        upload=SimpleUploadedFile("anteckning.txt", b"Anteckning.", content_type="text/plain"),
    )
    do_grant_investigator(report.pk, cast["manager_b"], acting_user=cast["sas"])
    do_correct_key_time(
        report.pk,
        acting_user=cast["sas"],
        data={"field": "reported_at", "value": ago(hours=30), "reason": "Rapporten lämnades muntligt först."},
    )
    do_give_reporter_feedback(report.pk, acting_user=cast["sas"], data={"text": "Tack, vi utreder."})
    deviation = walk_to(file("deviation", cast["reporter"], org.unit_a), "assessed", cast)
    do_route(
        deviation.pk,
        acting_user=cast["manager_a"],
        data={"target_type": "data_breach", "reason": "Uppgifter lämnades ut."},
    )


def _public_complaint(cast, org):
    report, _code = do_file_public_submission(
        data={
            "unit": org.unit_a.pk,
            "kind": "klagomal",
            "description": "Anonymt klagomål.",
            "submitter_contact": "anna@example.com",
        }
    )
    report = _step(report, "register", cast)
    do_ask_submitter(report.pk, acting_user=cast["manager_a"], data={"text": "Vilken dag hände det?"})


def _tasks(cast, org):
    """Some tasks taken (inboxes), the rest waiting in the queues; manager_a away, the SAS standing in."""
    for name in ("manager_a", "sas", "dso", "decision_maker"):
        for task in list(tasks_for(cast[name], "queue")[:2]):
            do_claim(task.pk, acting_user=cast[name])
    now = timezone.now()
    Substitute.objects.create(
        person=cast["manager_a"],
        substitute=cast["manager_b"],
        starts_at=now,
        ends_at=now + timezone.timedelta(days=7),
    )


def _compilations(cast, org):
    params = {
        "kind": "compilation",
        "unit": org.sn.pk,
        "from": "2026-01-01",
        "to": "2026-04-30",
        "public": True,
        "format": "csv",
    }
    for name in ("sas", "leadership"):
        ExportJob.objects.create(
            requested_by=cast[name],
            params=params,
            status=ExportJob.Status.DONE,
            progress=100,
            content=b"a,b\n",
            content_type="text/csv",
            filename="sammanstallning.csv",
            finished_at=timezone.now(),
        )
        ExportJob.objects.create(
            requested_by=cast[name],
            params=params,
            status=ExportJob.Status.FAILED,
            failure=ExportJob.Failure.ERROR,
            finished_at=timezone.now(),
        )
        ExportJob.objects.create(requested_by=cast[name], params=params)


def _administrators(cast, org):
    """As seed_demo makes them: staff with the admin pages of the organisation and reference
    data; and a row in each admin list that is empty on a fresh installation. Leadership also
    over the municipality, whose kvalitetsberättelse only a municipality-wide role compiles."""
    perms = Permission.objects.filter(
        content_type__app_label="cases",
        codename__in=[
            f"{action}_{model}" for action in ("view", "add", "change") for model in ADMINISTRATOR_MODELS
        ],
    )
    for name in ("admin_sn", "admin_on"):
        cast[name].is_staff = True
        cast[name].save(update_fields=["is_staff"])
        cast[name].user_permissions.set(perms)
    do_grant_role(cast["leadership"], Role.LEADERSHIP, org.kommun, acting_user=None)
    Token.objects.create(user=cast["sas"])
    Position.objects.create(
        code="namnd_chair", name="Nämndens ordförande", unit=org.sn, user=cast["decision_maker"]
    )
    FailedAddress.objects.create(address="borta@kommun.example", code=550, error="Mailbox unavailable")
    # A stranger locked out (not one of the cast, who sign in for the crawl)
    lockout = {
        "username": "okand.person",
        "ip_address": "10.0.0.1",
        "user_agent": "crawl",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    AccessAttempt.objects.create(**lockout, get_data="", post_data="", failures_since_start=10)
    AccessFailureLog.objects.create(**lockout, locked_out=True)
    _directory(cast, org)


def _directory(cast, org):
    """Single sign-on's rows in the admin (identity/): an identity provider, a linked directory
    account, a second factor, and the board's translation of directory groups and unit codes."""
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount, SocialApp

    from identity.models import GroupRoleMapping, UnitCodeMapping

    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="kommun",
        name="Exempelkommun",
        client_id="kvalitet",
        secret="hemlig",
        settings={"server_url": "https://idp.kommun.example"},
    )
    SocialAccount.objects.create(
        user=cast["outsider"], provider="kommun", uid="outsider", extra_data={"sub": "x"}
    )
    Authenticator.objects.create(user=cast["dso"], type=Authenticator.Type.TOTP, data={"secret": "x"})
    GroupRoleMapping.objects.create(group="sg-kvalitet-sas", role=Role.SAS, unit=org.sn)
    UnitCodeMapping.objects.create(code="KST-4711", unit=org.unit_a)


def _records(cast, org):
    """A gallring run awaiting review (a complaint closed three years ago under the example
    rules) and a log review with a questioned read for the reporter's manager to follow up."""
    from cases import audit
    from records.defaults import seed_example_rules
    from records.models import RetentionRule
    from records.sampling import draw_log_review
    from records.services import do_judge_pick, plan_gallring

    seed_example_rules(org.sn, RetentionRule)
    now = timezone.now()
    old = Report.objects.filter(namnd=org.sn, type="complaint", state="closed").first()
    Report.objects.filter(pk=old.pk).update(closed_at=now.replace(year=now.year - 3))
    plan_gallring(org.sn, now)
    audit.record_read("report.viewed", actor=cast["reporter"], report_ids=[old.pk])
    review = draw_log_review(
        org.sn, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1), now=now, share=1
    )
    pick = review.picks.filter(reader=cast["reporter"]).first()
    do_judge_pick(pick.pk, acting_user=cast["sas"], verdict="questioned", note="Ingen uppgift i ärendet.")


def _quality(cast, org):
    """A signal awaiting the SAS's analysis (a run in unit A's deviations, over the world's own
    deviations of unit A) and one already analysed."""
    from quality.models import SignalAnalysis, SignalSettings
    from quality.selectors import months_back

    SignalSettings.objects.create(board=org.sn, valid_from=datetime.date(2020, 1, 1))

    now = timezone.now()
    months = months_back(timezone.localdate().replace(day=1) - datetime.timedelta(days=1), 24)
    ids = list(Report.objects.filter(unit=org.unit_a, type="deviation").values_list("pk", flat=True))
    common = {
        "board": org.sn,
        "unit": org.unit_a,
        "report_type": "deviation",
        "series_key": f"{org.unit_a.pk}:deviation:",
        "direction": "up",
        "last_month": months[-1],
        "series": {
            "months": [m.isoformat() for m in months],
            "counts": [0] * 16 + [1] * 8,
            "median": 0,
            "mean": 0.33,
            "lower": 0,
            "upper": 2.1,
        },
        "case_ids": ids,
        "raised_at": now,
        "due_by": now.date() + datetime.timedelta(days=30),
    }
    SignalAnalysis.objects.create(rule="run", first_month=months[16], **common)
    SignalAnalysis.objects.create(
        rule="beyond",
        first_month=months[-1],
        status="concluded",
        analysis="Förklarat av en ny rutin.",
        conclusion="explained",
        concluded_by=cast["sas"],
        concluded_at=now,
        **common,
    )


def _risk_analysis(cast, org):
    """A risk analysis with a scored risk, a measure and a materialised deviation."""
    from quality.services import do_add_measure, do_add_risk, do_create_risk_analysis, do_score_risk

    analysis = do_create_risk_analysis(
        acting_user=cast["sas"],
        unit=org.unit_a,
        title="Ny bemanningsmodell",
        description="",
        analysed_on=timezone.localdate(),
        assessors=[cast["manager_a"], cast["reporter"]],
    )
    risk = do_add_risk(analysis.pk, acting_user=cast["sas"], description="Ovana vikarier")
    do_score_risk(risk.pk, acting_user=cast["manager_a"], probability=2, severity=3)
    do_add_measure(
        risk.pk,
        acting_user=cast["sas"],
        description="Introduktion",
        owner=cast["manager_a"],
        follow_up_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    do_add_risk(analysis.pk, acting_user=cast["sas"], description="Fler avvikelser")
