"""A board's year of cases, written straight to the tables so that every date is chosen.

Each table's expected values in the tests are worked out by hand from this list.
Times are local (Europe/Stockholm); the period of the main compilation is 2025-03-01 –
2025-10-31, which crosses the T1/T2 and T2/T3 boundaries.

Socialnämnden (SN): Äldreomsorg (units A, B) and IFO (unit F)
  L1 lex Sarah  2025-03-10 A  categories våld+försummelse, 2 persons, band hög, closed 2025-06-01,
                IVO decided 2025-04-01 → criticism; one action (done)
  L2 lex Sarah  2025-04-30 23:30 B  (T1 locally, though 21:30 UTC)  våld, 1 person, IVO 2025-05-15 awaiting
  L3 lex Sarah  2025-05-01 00:10 F  (T2 locally, April in UTC)  bemötande
  L4 lex Sarah  2025-09-15 A  försummelse, 1 person, closed 2025-10-01, IVO not notified (2025-09-30)
  L5 lex Sarah  2024-12-31 23:30 A  våld, closed 2025-01-20 (before the period)
  L6 lex Sarah  2025-01-01 00:30 F  (2025 T1, before the period)
  L7 lex Sarah  2023-06-01 A
  D1 deviation  2025-03-05 A  kommunikation, band låg, action done
  D2 deviation  2025-06-10 A  kommunikation, band hög, no action
  D3 deviation  2025-07-01 B  utbildning, actions in progress + not started
  D4 deviation  2025-08-01 F  no category, no action
  C1, C2 complaint 2025-04-02, 2025-06-03  klagomål / handläggning
  C3 complaint  2025-07-04  synpunkt / bemötande
  C4 complaint  2025-08-05  beröm / no subject area
  B1 breach     2025-04-01  IMY notified 2025-04-02 → closed
  B2 breach     2025-06-01  not notified (2025-06-02)
  B3 breach     2025-07-01  undecided
Omsorgsnämnden (ON): L8 lex Sarah 2025-03-15 unit C.
"""

import datetime
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from cases.models import (
    Action,
    AffectedPerson,
    DelegationDecision,
    LegalReference,
    OrgUnit,
    RegulatorNotification,
    Report,
    RiskBand,
    Term,
)
from reporting.services.aggregates import rebuild

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_sequence = itertools.count(1)


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def term(vocabulary, code):
    return Term.objects.get(vocabulary=vocabulary, code=code)


def make(report_type, unit, when, *, state="reported", categories=(), persons=(), **fields):
    number = next(_sequence)
    report = Report(
        type=report_type,
        state=state,
        unit=unit,
        namnd=unit.namnd,
        description="Beskrivning.",
        reported_at=when,
        occurred_at=when,
        case_year=when.year,
        case_sequence=number,
        case_number=f"{unit.namnd.case_number_prefix} {when.year}/{number:04d}",
        **fields,
    )
    report.save(force_insert=True)
    report.categories.set(categories)
    for name, pnr in persons:
        AffectedPerson.objects.create(report=report, name=name, personnummer=pnr, role="Brukare")
    return report


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Background exports run at once, inside the test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def people(org, cast):
    """The fixed cast, plus leadership and an administrator at the municipality."""
    from django.contrib.auth import get_user_model

    from cases.models import Role
    from cases.services import do_grant_role

    User = get_user_model()
    leader = User.objects.create_user(username="leader", first_name="Lena", last_name="Ledning")
    do_grant_role(leader, Role.LEADERSHIP, org.kommun, acting_user=None)
    admin = User.objects.create_user(username="admin")
    do_grant_role(admin, Role.ADMINISTRATOR, org.kommun, acting_user=None)
    return {**cast, "leader": leader, "admin": admin}


@pytest.fixture
def world(org, cast):
    sf = org.unit_a.parent.parent
    ifo = OrgUnit.objects.create(kind="avdelning", name="IFO", parent=sf)
    unit_f = OrgUnit.objects.create(kind="enhet", name="Familjeenheten", parent=ifo)
    a, b, c = org.unit_a, org.unit_b, org.unit_c
    vald = term("lex_sarah_category", "vald-eller-overgrepp")
    forsummelse = term("lex_sarah_category", "forsummelse")
    bemotande = term("lex_sarah_category", "brister-i-bemotande")
    band = {b.code: b for b in RiskBand.objects.all()}
    ivo_ref = (
        LegalReference.objects.filter(code="lex-sarah-anmalan").first() or LegalReference.objects.first()
    )
    dm, sas = cast["decision_maker"], cast["sas"]

    def decision(report, kind, when):
        return DelegationDecision.objects.create(
            report=report,
            kind=kind,
            delegate=dm,
            delegate_name="Decision Maker",
            delegate_title="Socialchef",
            legal_reference=ivo_ref,
            decided_at=when,
            summary="Beslut.",
        )

    def notify(report, regulator, when, outcome=""):
        return RegulatorNotification.objects.create(
            report=report, regulator=regulator, decided_at=when, decided_by=dm, outcome=outcome
        )

    def action(report, status):
        return Action.objects.create(
            report=report,
            description="Åtgärd.",
            kind="corrective",
            owner=sas,
            due_date=datetime.date(2025, 12, 1),
            status=status,
            created_by=sas,
        )

    w = SimpleNamespace(org=org, cast=cast, ifo=ifo, unit_f=unit_f)
    w.L1 = make(
        "lex_sarah",
        a,
        at(2025, 3, 10),
        state="closed",
        categories=[vald, forsummelse],
        persons=[("Anna Andersson", "19450101-1234"), ("Bertil Berg", "194602021234")],
        risk_band=band["hog"],
        closed_at=at(2025, 6, 1),
        lex_sarah_assessment="missforhallande",
        investigation_summary="Anna Andersson (19450101-1234) fick fel insats; ring 070-123 45 67 "
        "eller skriv till anna@example.se. Bertil fick vänta.",
        decision="Anmäls till IVO; Andersson informerad.",
    )
    decision(w.L1, "notify_ivo", at(2025, 4, 1))
    notify(w.L1, "ivo", at(2025, 4, 1), outcome="criticism")
    action(w.L1, "done")
    w.L2 = make(
        "lex_sarah",
        b,
        at(2025, 4, 30, 23, 30),
        state="investigating",
        categories=[vald],
        persons=[("Cecilia Ceder", "")],
    )
    notify(w.L2, "ivo", at(2025, 5, 15))
    w.L3 = make("lex_sarah", unit_f, at(2025, 5, 1, 0, 10), state="registered", categories=[bemotande])
    w.L4 = make(
        "lex_sarah",
        a,
        at(2025, 9, 15),
        state="closed",
        categories=[forsummelse],
        persons=[("David Dahl", "")],
        closed_at=at(2025, 10, 1),
        lex_sarah_assessment="pataglig_risk",
        investigation_summary="Rutinen saknades.",
        decision="Ingen anmälan till IVO.",
    )
    decision(w.L4, "not_notify_ivo", at(2025, 9, 30))
    w.L5 = make(
        "lex_sarah", a, at(2024, 12, 31, 23, 30), state="closed", categories=[vald], closed_at=at(2025, 1, 20)
    )
    w.L6 = make("lex_sarah", unit_f, at(2025, 1, 1, 0, 30))
    w.L7 = make("lex_sarah", a, at(2023, 6, 1))
    w.L8 = make("lex_sarah", c, at(2025, 3, 15))

    kommunikation = term("deviation_category", "kommunikation-och-information")
    utbildning = term("deviation_category", "utbildning-kompetens")
    w.D1 = make("deviation", a, at(2025, 3, 5), category=kommunikation, risk_band=band["lag"])
    action(w.D1, "done")
    w.D2 = make("deviation", a, at(2025, 6, 10), category=kommunikation, risk_band=band["hog"])
    w.D3 = make("deviation", b, at(2025, 7, 1), category=utbildning)
    action(w.D3, "in_progress")
    action(w.D3, "not_started")
    w.D4 = make("deviation", unit_f, at(2025, 8, 1))

    klagomal, synpunkt, berom = (term("complaint_kind", k) for k in ("klagomal", "synpunkt", "berom"))
    handlaggning, bemotande_area = term("subject_area", "handlaggning"), term("subject_area", "bemotande")
    w.C1 = make("complaint", a, at(2025, 4, 2), complaint_kind=klagomal, subject_area=handlaggning)
    w.C2 = make("complaint", a, at(2025, 6, 3), complaint_kind=klagomal, subject_area=handlaggning)
    w.C3 = make("complaint", b, at(2025, 7, 4), complaint_kind=synpunkt, subject_area=bemotande_area)
    w.C4 = make("complaint", unit_f, at(2025, 8, 5), complaint_kind=berom)

    w.B1 = make("data_breach", a, at(2025, 4, 1))
    decision(w.B1, "notify_imy", at(2025, 4, 2))
    notify(w.B1, "imy", at(2025, 4, 2), outcome="closed")
    w.B2 = make("data_breach", a, at(2025, 6, 1))
    decision(w.B2, "not_notify_imy", at(2025, 6, 2))
    w.B3 = make("data_breach", b, at(2025, 7, 1))
    w.terms = SimpleNamespace(vald=vald, forsummelse=forsummelse, bemotande=bemotande)
    # Written straight to the tables, past the services that keep the monthly counts: count
    # them once, as the migration and ``manage.py aggregates --rebuild`` do.
    rebuild()
    return w
