"""The fixed cast every view and endpoint is tested as (ARCHITECTURE.md).

Kommunen
├── Socialnämnden (SN) ─ Socialförvaltningen ─ Äldreomsorg ─┬─ Enhet A (hemtjänst)
│                                                           └─ Enhet B (privat utförare)
└── Omsorgsnämnden (ON) ─ Omsorgsförvaltningen ─ LSS ─ Enhet C

reporter        works in unit A, no roles
manager_a       unit manager of A
manager_b       unit manager of B (another unit of the same board)
sas             SAS of Socialnämnden
decision_maker  delegat of Socialnämnden
dso             DSO / PuA delegate of Socialnämnden
outsider        no roles anywhere (works at Socialnämnden)
sas_other       SAS of Omsorgsnämnden (the secrecy boundary)
admin_sn        administrator (systemförvaltare) of Socialnämnden: reaches no case
admin_on        administrator of Omsorgsnämnden: reaches nothing of Socialnämnden's
leadership      leadership of Socialnämnden: aggregates only
mas             medically responsible nurse (MAS) of Socialnämnden: lex Maria

Every member has a home unit (where they work), which puts them in a board for the
administrators (cases.administration): the unit of their role, or the board itself.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from cases.models import OrgUnit, Role
from cases.services import do_grant_role

CAST = ["reporter", "manager_a", "manager_b", "sas", "decision_maker", "dso", "outsider"]
# Lex Maria's matrices add its medically responsible nurse to the fixed cast.
CAST_WITH_MAS = [*CAST, "mas"]
PASSWORD = "demo-losenord-123"


@dataclass
class Org:
    kommun: OrgUnit
    sn: OrgUnit
    on: OrgUnit
    unit_a: OrgUnit
    unit_b: OrgUnit
    unit_c: OrgUnit


def build_org():
    kommun = OrgUnit.objects.create(kind="kommun", name="Exempelkommun")
    sn = OrgUnit.objects.create(kind="namnd", name="Socialnämnden", parent=kommun, case_number_prefix="SN")
    sf = OrgUnit.objects.create(kind="forvaltning", name="Socialförvaltningen", parent=sn)
    ao = OrgUnit.objects.create(kind="avdelning", name="Äldreomsorg", parent=sf)
    unit_a = OrgUnit.objects.create(kind="enhet", name="Hemtjänst Centrum", parent=ao)
    unit_b = OrgUnit.objects.create(
        kind="enhet", name="Omsorg AB (privat)", parent=ao, is_private_provider=True
    )
    on = OrgUnit.objects.create(kind="namnd", name="Omsorgsnämnden", parent=kommun, case_number_prefix="ON")
    of = OrgUnit.objects.create(kind="forvaltning", name="Omsorgsförvaltningen", parent=on)
    lss = OrgUnit.objects.create(kind="avdelning", name="LSS", parent=of)
    unit_c = OrgUnit.objects.create(kind="enhet", name="Gruppbostad Linden", parent=lss)
    return Org(kommun, sn, on, unit_a, unit_b, unit_c)


def build_cast(org):
    User = get_user_model()
    titles = {
        "reporter": "Undersköterska",
        "manager_a": "Enhetschef",
        "manager_b": "Enhetschef",
        "sas": "SAS",
        "decision_maker": "Socialchef",
        "dso": "Dataskyddsombud",
        "outsider": "Handläggare",
        "sas_other": "SAS",
        "admin_sn": "Systemförvaltare",
        "admin_on": "Systemförvaltare",
        "leadership": "Förvaltningschef",
        "mas": "Medicinskt ansvarig sjuksköterska",
    }
    homes = {
        "reporter": org.unit_a,
        "manager_a": org.unit_a,
        "manager_b": org.unit_b,
        "sas_other": org.on,
        "admin_on": org.on,
    }
    users = {}
    for name, title in titles.items():
        users[name] = User.objects.create_user(
            username=name,
            password=PASSWORD,
            email=f"{name}@kommun.example",
            first_name=name.replace("_", " ").title(),
            last_name="Testsson",
            title=title,
            home_unit=homes.get(name, org.sn),
        )
    grants = [
        ("manager_a", Role.UNIT_MANAGER, org.unit_a),
        ("manager_b", Role.UNIT_MANAGER, org.unit_b),
        ("sas", Role.SAS, org.sn),
        ("decision_maker", Role.DECISION_MAKER, org.sn),
        ("dso", Role.DSO, org.sn),
        ("sas_other", Role.SAS, org.on),
        ("admin_sn", Role.ADMINISTRATOR, org.sn),
        ("admin_on", Role.ADMINISTRATOR, org.on),
        ("leadership", Role.LEADERSHIP, org.sn),
        ("mas", Role.MAS, org.sn),
    ]
    for username, role, unit in grants:
        do_grant_role(users[username], role, unit, acting_user=None)
    return users
