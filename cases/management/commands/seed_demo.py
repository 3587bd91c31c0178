"""``seed_demo``: a demo municipality with a user for every role and cases in every state.

Every case, role grant and regulator notification is made through ``cases.services``, as a
user would make it, so the demo carries a complete audit trail that ``verify_audit`` accepts.
Running it again changes nothing: an existing "Demokommun" means the demo is in place.

``--json`` prints the demo users for scripts (and nothing else on stdout). Each object's
``unit`` is the node the user's role is granted on; for a reporter, the unit they work in.
``home_unit`` is where the user works, which puts them in a board for its administrators.
"""

import contextlib
import datetime
import json
import sys
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import DelegationDecision, InvestigationTopic, OrgUnit, ReportType, Role, Term
from cases.services import (
    do_add_action,
    do_add_affected_person,
    do_add_cause,
    do_add_information_event,
    do_add_investigation_entry,
    do_correct_key_time,
    do_decide_ivo_notification,
    do_file_report,
    do_grant_role,
    do_mark_delegations_reported,
    do_merge_reports,
    do_notification_transition,
    do_transition,
    do_update_action,
    do_withdraw_report,
)

# Who makes the demo's corrections: the board's role that closes every case of the type.
CORRECTOR = {
    ReportType.DEVIATION: Role.SAS,
    ReportType.COMPLAINT: Role.SAS,
    ReportType.LEX_SARAH: Role.SAS,
    ReportType.DATA_BREACH: Role.DSO,
}

PASSWORD = "demo1234!"
MUNICIPALITY = "Demokommun"
EMAIL_DOMAIN = "demokommun.example"

# prefix: (nämnd, förvaltning, {avdelning: [(key, enhet, private provider)]})
BOARDS = {
    "SN": (
        "Socialnämnden",
        "Socialförvaltningen",
        {
            "Äldreomsorg": [
                ("hemtjanst", "Hemtjänst Norr", False),
                ("boende", "Björkängens vård- och omsorgsboende", False),
                ("privat", "Exempelomsorg AB (privat utförare)", True),
            ],
            "Individ- och familjeomsorg": [
                ("ekonomi", "Ekonomiskt bistånd", False),
                ("barn", "Barn och unga", False),
            ],
        },
    ),
    "ON": (
        "Omsorgsnämnden",
        "Omsorgsförvaltningen",
        {
            "Funktionsstöd": [
                ("gruppbostad", "Gruppbostaden Vitsippan", False),
                ("daglig", "Daglig verksamhet Verkstan", False),
                ("privat", "Exempelassistans AB (privat utförare)", True),
            ],
            "Socialpsykiatri": [("boendestod", "Boendestöd", False)],
        },
    ),
}
# Where each board's reporter works and its unit manager leads.
HOME_UNIT = {"SN": "hemtjanst", "ON": "gruppbostad"}

# Obviously made-up people: the surname says the role.
PEOPLE = {
    "SN": {
        Role.REPORTER: ("Rut", "Rapportsson", "Undersköterska"),
        Role.REGISTRAR: ("Rebecka", "Diariesson", "Registrator"),
        Role.UNIT_MANAGER: ("Elin", "Enhetsson", "Enhetschef hemtjänst"),
        Role.SAS: ("Sara", "Samordnarsson", "Socialt ansvarig samordnare (SAS)"),
        Role.DECISION_MAKER: ("Dag", "Delegatsson", "Socialchef"),
        Role.DSO: ("Dora", "Dataskyddsson", "Dataskyddsombud"),
        Role.ADMINISTRATOR: ("Adam", "Systemsson", "Systemförvaltare"),
        Role.LEADERSHIP: ("Lena", "Ledningsson", "Förvaltningschef"),
        Role.ARCHIVIST: ("Arvid", "Arkivsson", "Arkivarie"),
        Role.MAS: ("Maja", "Medicinsson", "Medicinskt ansvarig sjuksköterska (MAS)"),
    },
    "ON": {
        Role.REPORTER: ("Rolf", "Rapportdotter", "Stödassistent"),
        Role.REGISTRAR: ("Ragnar", "Diariedotter", "Registrator"),
        Role.UNIT_MANAGER: ("Erik", "Enhetsdotter", "Enhetschef gruppbostad"),
        Role.SAS: ("Stina", "Samordnardotter", "Socialt ansvarig samordnare (SAS)"),
        Role.DECISION_MAKER: ("Dennis", "Delegatdotter", "Omsorgschef"),
        Role.DSO: ("Disa", "Dataskyddsdotter", "Dataskyddsombud"),
        Role.ADMINISTRATOR: ("Alva", "Systemdotter", "Systemförvaltare"),
        Role.LEADERSHIP: ("Leif", "Ledningsdotter", "Förvaltningschef"),
        Role.ARCHIVIST: ("Agnes", "Arkivdotter", "Arkivarie"),
        Role.MAS: ("Mikael", "Medicinsdotter", "Medicinskt ansvarig för rehabilitering (MAR)"),
    },
}
SUPERUSER = ("admin", "Ada", "Administratörsson", "Systemförvaltare (superanvändare)")

# The admin pages a board's administrator works in (app label: models). What they reach on
# them is decided by their administrator role (cases.administration): their board's rows, and
# the shared reference data read-only.
ADMINISTRATOR_MODELS = {
    "cases": [
        "orgunit",
        "user",
        "term",
        "legalreference",
        "deadlinerule",
        "riskband",
        "riskroutingrule",
        "investigationtopic",
    ],
    "reporting": ["suppressionrule"],
    "workflows": ["substitute"],
    "notifications": ["position"],
    "records": ["retentionrule"],
    "quality": ["signalsettings"],
    # Directory groups mapped to roles and unit codes mapped to units (identity, issue 15).
    "identity": ["grouprolemapping", "unitcodemapping"],
}
# Substitutions and positions end, and a directory mapping no longer wanted is removed (audited);
# the other rows keep their history.
ADMINISTRATOR_DELETES = {
    "workflows": ["substitute"],
    "notifications": ["position"],
    "identity": ["grouprolemapping", "unitcodemapping"],
}

PUBLIC = "public"
HANDLER = "handler"  # the unit manager on their own unit, the SAS elsewhere

PATHS = {
    ReportType.DEVIATION: ["assess", "complete_investigation", "record_actions", "follow_up", "close"],
    ReportType.COMPLAINT: ["register", "investigate", "answer", "close"],
    ReportType.LEX_SARAH: [
        "record_immediate_measures",
        "register",
        "start_investigation",
        "assess",
        "decide",
        "close",
    ],
    ReportType.DATA_BREACH: ["assess", "decide", "close"],
    ReportType.LEX_MARIA: ["register", "start_investigation", "assess", "decide", "close"],
}
OUTSIDE_SCOPE_PATHS = {
    ReportType.LEX_SARAH: ["record_immediate_measures", "register", "close_outside_scope"],
    ReportType.LEX_MARIA: ["register", "close_outside_scope"],
}
ACTOR = {
    (ReportType.COMPLAINT, "register"): Role.REGISTRAR,
    (ReportType.LEX_SARAH, "register"): Role.SAS,
    (ReportType.LEX_SARAH, "close_outside_scope"): Role.SAS,
    (ReportType.LEX_SARAH, "start_investigation"): Role.SAS,
    (ReportType.LEX_SARAH, "assess"): Role.SAS,
    (ReportType.LEX_SARAH, "decide"): Role.DECISION_MAKER,
    (ReportType.LEX_SARAH, "close"): Role.SAS,
    (ReportType.DATA_BREACH, "assess"): Role.DSO,
    (ReportType.DATA_BREACH, "decide"): Role.DSO,
    (ReportType.DATA_BREACH, "close"): Role.DSO,
    **{
        (ReportType.LEX_MARIA, name): Role.MAS
        for name in ["close_outside_scope", *PATHS[ReportType.LEX_MARIA]]
    },
}
# Who investigates a case of the type on the board, and notifies its regulator: the SAS (the
# DSO for a breach's IMY notification), but for lex Maria the MAS.
INVESTIGATOR_ROLE = {ReportType.LEX_MARIA: Role.MAS}
# What must be on the case before a step passes its rules, added as the handler would.
PREPARE = {
    (ReportType.DEVIATION, "complete_investigation"): ["add_cause"],
    (ReportType.DEVIATION, "record_actions"): ["add_action"],
    (ReportType.DEVIATION, "follow_up"): ["settle_actions"],
    # The assessment hands the case to the decision maker, who cannot document the
    # investigation: every SOSFS 2011:5 5 kap. topic is documented before it (cases.forms).
    (ReportType.LEX_SARAH, "assess"): ["document_rest_of_investigation"],
    (ReportType.LEX_SARAH, "decide"): ["add_cause", "add_action", "inform_persons"],
    (ReportType.LEX_SARAH, "close"): ["settle_actions"],
    (ReportType.LEX_MARIA, "decide"): ["add_cause", "add_action", "document_lex_maria", "inform_persons"],
    (ReportType.LEX_MARIA, "close"): ["settle_actions"],
}
NOTIFICATION_PATHS = {
    "decided": [],
    "submitted": ["submit"],
    "supplemented": ["submit", "supplement"],
    "regulator_decided": ["submit", "record_outcome"],
    "done": ["submit", "record_outcome", "complete"],
}
# Documented at the start of a lex Sarah investigation; the other topics before the decision.
FIRST_TOPICS = ["what-happened", "how-noticed", "when-occurred"]

TOLVAN = {"name": "Tolvan Tolvansson", "personnummer": "19121212-1212", "role": "Brukare"}


@dataclass
class Demo:
    """One demo case: where, what, and how far along its lifecycle it is taken."""

    board: str
    unit: str
    type: str
    to: str
    text: str
    days_ago: float = 1.0  # when it occurred (a breach: when it was discovered)
    received_days_ago: float = 0  # received before it was entered: its clocks started then
    action_due_days: int = 30  # the action's due date, from today
    by: str = ""  # the filer's role; "" is the reporter on the home unit and the SAS elsewhere
    submitter: tuple = ("", "")
    kind: str = "klagomal"
    source: str = "brukare"
    subject: str = ""
    categories: tuple = ()
    risk: tuple = (2, 2)
    route: str = ""
    override: str = ""
    measures: str = "Brukaren fick omedelbart hjälp och personalen informerades om vad som hänt."
    cause: str = "Rutinen var inte känd av all personal i arbetsgruppen."
    action: str = "Gå igenom rutinen med hela arbetsgruppen på nästa arbetsplatsträff."
    effect: str = "Uppföljning efter fyra veckor: inga nya händelser av samma slag."
    summary: str = "Händelsen har utretts genom samtal med berörd personal och genomgång av dokumentationen."
    position: str = ""
    deviation_found: bool = True
    reply: str = ""
    decision: str = "Ärendet avslutas; åtgärderna är genomförda och deras effekt är uppföljd."
    assessment: str = "missforhallande"
    injury: str = "allvarlig"  # lex Maria: the vårdskada as assessed
    serious: bool = True
    early_ivo: bool = False
    spawn: str = ""
    notify: bool = True
    notification: str = "decided"
    outcome: str = "closed"
    breach: tuple = ()  # (nature, data categories, subjects, records, consequences, measures, risk)
    delay_reason: str = ""
    persons: tuple = ()
    heard: str = "Brukaren har fått information om utredningen och har berättat sin upplevelse av händelsen."


DEMOS = [
    # Socialnämnden: avvikelser
    Demo(
        "SN",
        "hemtjanst",
        "deviation",
        "reported",
        days_ago=0.3,
        text=(
            "Vid kvällsbesöket låg lunchdosen kvar i brukarens dosett, trots att signeringslistan visade att den "
            "getts. Brukaren mådde bra. Sjuksköterskan kontaktades och bedömde att kvällsdosen kunde ges som vanligt."
        ),
    ),
    Demo(
        "SN",
        "privat",
        "deviation",
        "reported",
        days_ago=15,
        received_days_ago=14,
        text=(
            "Vid ett provlarm hos en brukare som får insatser av Exempelomsorg AB kom larmet inte fram till "
            "larmcentralen. Larmet hade varit ur funktion sedan ett batteribyte; ingen hade larmat under tiden."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "deviation",
        "assessed",
        days_ago=2,
        categories=("omgivning-och-organisation",),
        text=(
            "En brukare halkade i badrummet nattetid. Golvet var blött efter städning och varningsskylt saknades. "
            "Blåmärke på höften; ingen fraktur enligt sjuksköterskans bedömning."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "deviation",
        "assessed",
        days_ago=1,
        risk=(3, 4),
        categories=("ovriga",),
        text=(
            "Brukaren berättade att en ur personalen vid flera tillfällen skällt på henne och ryckt henne i armen vid "
            "förflyttning. Brukaren är rädd och vill inte ha besök av personen igen."
        ),
    ),
    Demo(
        "SN",
        "ekonomi",
        "deviation",
        "assessed",
        days_ago=1,
        categories=("kommunikation-och-information",),
        route="data_breach",
        override=(
            "Uppgifter om en enskild har lämnats ut till fel mottagare; det är en personuppgiftsincident "
            "oavsett riskpoängen."
        ),
        text=(
            "Ett beslut om ekonomiskt bistånd med uppgifter om sökandens hälsa skickades till fel mottagare. "
            "Mottagaren hörde av sig och har förstört brevet."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "deviation",
        "investigated",
        days_ago=6,
        categories=("procedur-rutiner-riktlinjer",),
        cause="Schemaändringen på fredagen fördes inte över till helgens planering och kontrollerades inte vid passbytet.",
        summary="Genomgång av planeringen och samtal med personalen visar att ändringen gjordes utan överlämning.",
        text=(
            "Två besök hos en brukare med insulinbehandling missades under helgen, eftersom besöken inte "
            "fanns med i planeringen efter en schemaändring."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "deviation",
        "actions_taken",
        days_ago=12,
        action_due_days=-3,
        categories=("teknik-utrustning-och-apparatur",),
        cause="Rullstolen hade inte fått service på två år; ansvaret för kontroll av hjälpmedel var otydligt.",
        action="Inventera alla rullstolar och boka service; utse en hjälpmedelsansvarig på varje avdelning.",
        text=(
            "Rullstolens bromsar släppte när brukaren förflyttades från sängen. Brukaren gled ner på golvet "
            "men skadade sig inte."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "deviation",
        "followed_up",
        days_ago=30,
        categories=("procedur-rutiner-riktlinjer",),
        cause="Nycklar kvitteras inte konsekvent vid passbyte.",
        action="Inför kvittering av nycklar i den digitala nyckelhanteringen och gå igenom rutinen på APT.",
        effect="Inga saknade nycklar under fyra veckors uppföljning.",
        text=(
            "Nyckeln till en brukares bostad saknades i nyckelskåpet efter kvällspasset. Den hittades nästa "
            "dag i en arbetsjacka."
        ),
    ),
    Demo(
        "SN",
        "barn",
        "deviation",
        "closed",
        days_ago=45,
        categories=("omgivning-och-organisation",),
        cause="Ingen bevakade den sjuka handläggarens kalender.",
        action="Rutin för bevakning av kalendern vid frånvaro; gruppledaren går igenom dagens bokningar varje morgon.",
        effect="Inga missade möten under två månaders uppföljning.",
        decision="Ärendet avslutas. Rutinen är införd och har följts upp utan nya missade möten.",
        text=(
            "Ett planerat möte med en familj ställdes in med kort varsel utan att familjen fick besked, "
            "eftersom handläggaren var sjuk och ingen bevakade kalendern."
        ),
    ),
    # Socialnämnden: klagomål och synpunkter
    Demo(
        "SN",
        "privat",
        "complaint",
        "received",
        by=PUBLIC,
        text=(
            "Anonym synpunkt via e-tjänsten: personalen på boendet har för lite tid för de boende på kvällarna och "
            "det är ofta stökigt i matsalen."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "complaint",
        "received",
        by=PUBLIC,
        received_days_ago=10,
        submitter=("Karin Exempeldotter", "karin.exempeldotter@example.com"),
        text=(
            "Min pappa får hemtjänstbesök vid olika tider varje dag och vet aldrig när personalen kommer. Han blir "
            "orolig och ringer mig flera gånger om dagen."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "complaint",
        "registered",
        by=Role.REPORTER,
        kind="synpunkt",
        source="narstaende",
        subject="bemotande",
        submitter=("Gösta Exempelsson", "gosta.exempelsson@example.com"),
        text=(
            "Synpunkt från en närstående per telefon: personalen pratar ett annat språk sinsemellan under besöken "
            "och brukaren känner sig utanför."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "complaint",
        "investigated",
        by=PUBLIC,
        source="narstaende",
        subject="utforande-av-insats",
        submitter=("Maj Exempelsdotter", "maj.exempelsdotter@example.com"),
        position="Utevistelse har inte erbjudits enligt genomförandeplanen under perioden; det är en avvikelse.",
        text=(
            "Min mamma har inte fått komma ut på promenad på tre veckor, trots att det står i hennes "
            "genomförandeplan."
        ),
    ),
    Demo(
        "SN",
        "ekonomi",
        "complaint",
        "answered",
        by=PUBLIC,
        subject="tillganglighet",
        submitter=("Per Exempelsson", "per.exempelsson@example.com"),
        position=(
            "Handläggningstiden var längre än målet på fyra veckor på grund av vakanser, och den sökande "
            "fick ingen återkoppling."
        ),
        reply=(
            "Tack för att du hörde av dig. Vi beklagar den långa väntetiden. Ditt ärende är nu avgjort, och "
            "vi har infört telefontid varje vardag så att det blir lättare att nå oss."
        ),
        text="Jag har väntat i sex veckor på beslut om ekonomiskt bistånd och ingen svarar i telefon.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "complaint",
        "closed",
        by=PUBLIC,
        kind="berom",
        source="narstaende",
        submitter=("Ingrid Exempelsdotter", "ingrid.exempelsdotter@example.com"),
        deviation_found=False,
        position="Beröm; ingen avvikelse. Berömmet återförs till personalgruppen.",
        reply="Tack för dina fina ord! Vi har delat dem med personalgruppen.",
        decision="Berömmet är återkopplat till personalen; ärendet avslutas.",
        text=(
            "Jag vill ge beröm till hemtjänsten i Norr som hjälpte min man när han kom hem från sjukhuset. "
            "Alla var vänliga och lyhörda."
        ),
    ),
    # Socialnämnden: lex Sarah (the reported one is routed from the deviation above)
    Demo(
        "SN",
        "boende",
        "lex_sarah",
        "measures_taken",
        days_ago=0.5,
        measures=(
            "Brukaren undersöktes av sjuksköterska och fick värme och mat. Dörrlåset kontrollerades och "
            "extra tillsyn varje timme infördes under natten."
        ),
        text=(
            "En brukare med demenssjukdom hittades ensam utanför boendet en kall kväll. Dörren till "
            "avdelningen hade inte gått i lås efter att en leverantör varit där."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_sarah",
        "registered",
        days_ago=3,
        received_days_ago=3,
        categories=("brister-i-verkstallighet",),
        measures="Insatserna planerades om samma dag och brukaren fick dusch och tvätt enligt beslutet.",
        text=(
            "En brukare har under fyra veckor inte fått dusch och hjälp med tvätt enligt beslutet, enligt "
            "genomförandeplanen och signeringslistorna."
        ),
    ),
    Demo(
        "SN",
        "ekonomi",
        "lex_sarah",
        "outside_scope",
        days_ago=4,
        categories=("brister-i-handlaggning",),
        spawn=ReportType.DEVIATION,
        measures="Ärendet prioriterades och beslut fattades samma dag.",
        decision=(
            "Händelsen utgör inte ett missförhållande eller en påtaglig risk för ett missförhållande enligt "
            "lex Sarah. Handläggningstiden var lång men beslutet fattades inom lagstadgad tid. Ärendet "
            "hanteras vidare som avvikelse."
        ),
        text=(
            "En medarbetare rapporterade att en sökande fått vänta länge på beslut om bistånd och rapporterade "
            "det enligt lex Sarah."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "lex_sarah",
        "investigating",
        days_ago=3,
        early_ivo=True,
        notification="submitted",
        categories=("vald-fysiskt", "brister-i-bemotande"),
        persons=(
            {
                "name": "Tian Tiosson",
                "personnummer": "19101010-1010",
                "protected_identity": True,
                "role": "Brukare",
            },
        ),
        measures=(
            "Den berörda medarbetaren har flyttats till arbete utan brukarkontakt i avvaktan på utredningen. "
            "Brukaren har undersökts av sjuksköterska och läkare."
        ),
        text=(
            "En medarbetare uppger att en kollega vid flera tillfällen hållit fast en brukare hårt i armarna vid "
            "nattlig tillsyn och uttryckt sig kränkande. Brukaren har blåmärken på båda underarmarna."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_sarah",
        "assessed",
        days_ago=10,
        serious=False,
        risk=(2, 3),
        categories=("brister-i-verkstallighet",),
        cause="Signering gjordes i förväg för hela passet i stället för vid varje tillfälle.",
        summary="Läkemedel har signerats utan att ges vid tre tillfällen; inga bestående skador.",
        text=(
            "Läkemedel har vid tre tillfällen under en månad inte getts till en brukare med hjärtsvikt, "
            "trots att de signerats som givna."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "lex_sarah",
        "decided",
        days_ago=20,
        risk=(3, 4),
        categories=("forsummelse",),
        cause="Vikt och måltider följdes inte upp; nutritionsrutinen var inte införd på avdelningen.",
        action="Inför viktkontroll varje vecka och mat- och vätskelista för brukare med risk för undernäring.",
        decision="Allvarligt missförhållande (försummelse). Anmälan görs till IVO.",
        text=(
            "En brukare har under en längre tid fått för lite mat och dryck. Vikten har minskat med åtta kilo "
            "på tre månader utan att det uppmärksammats eller dokumenterats."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_sarah",
        "decided",
        days_ago=25,
        risk=(3, 3),
        notification="supplemented",
        categories=("forsummelse",),
        cause="Checklistan för avslutat besök följdes inte; larmet stängdes av för att det larmade vid besöket.",
        action="Checklista för låsning och larm vid varje kvällsbesök, signeras i appen.",
        decision="Allvarligt missförhållande. Anmälan görs till IVO.",
        text=(
            "Brukarens dörr lämnades olåst och larmet avstängt efter kvällsbesöket. Under natten kom en okänd "
            "person in i bostaden, och brukaren blev mycket rädd."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "lex_sarah",
        "decided",
        days_ago=40,
        risk=(3, 4),
        notification="regulator_decided",
        outcome="criticism",
        categories=("forsummelse", "brister-i-verkstallighet"),
        cause="Nattbemanningen var en person för låg under semesterperioden och tillsynsrundorna hann inte göras.",
        action="Bemanningsplan för nätter under semesterperioden med lägsta bemanning per avdelning.",
        decision="Allvarligt missförhållande. Anmälan görs till IVO.",
        text=(
            "En brukare låg på golvet i flera timmar efter ett fall nattetid, eftersom tillsynsrundorna inte "
            "gjordes som planerat."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_sarah",
        "closed",
        days_ago=60,
        risk=(3, 4),
        notification="done",
        categories=("brister-i-verkstallighet",),
        persons=(TOLVAN,),
        cause=(
            "Överlämningen från hemsjukvården saknade uppgift om tider för insulin, och ingen kontrollerade "
            "ordinationen."
        ),
        action="Skriftlig överlämning med ordinationslista vid varje övertagande från hemsjukvården.",
        effect="Tre övertaganden har följts upp; alla hade fullständig ordinationslista.",
        decision="Allvarligt missförhållande. Anmälan görs till IVO. Utredningen skickas till IVO när den är klar.",
        text=(
            "Brukaren fick under två veckor sina insulininjektioner vid fel tidpunkt efter att hemtjänsten tagit "
            "över från hemsjukvården. Vid ett tillfälle fick brukaren en svår känning och fick åka ambulans."
        ),
    ),
    Demo(
        "SN",
        "barn",
        "lex_sarah",
        "closed",
        days_ago=50,
        assessment="pataglig_risk",
        serious=False,
        notify=False,
        categories=("brister-i-handlaggning",),
        cause="Ärendet saknade handläggare i sex veckor vid ett handläggarbyte.",
        action="Ärenden fördelas vid varje personalbyte; gruppledaren följer upp besöksplanen varje månad.",
        effect="Alla placerade barn har fått sina uppföljningsbesök de senaste tre månaderna.",
        decision=(
            "Påtaglig risk för missförhållande som inte bedöms som allvarlig; anmälan till IVO görs inte. "
            "Åtgärder har vidtagits."
        ),
        text=(
            "Ett barn placerat i familjehem har inte fått sina uppföljningsbesök under ett halvår på grund av "
            "byte av handläggare."
        ),
    ),
    # Socialnämnden: personuppgiftsincidenter
    Demo(
        "SN",
        "ekonomi",
        "data_breach",
        "reported",
        days_ago=2 / 24,
        text=(
            "Ett e-postmeddelande med en utredning om ekonomiskt bistånd skickades okrypterat till en extern "
            "mottagare med liknande namn som den avsedda."
        ),
    ),
    Demo(
        "SN",
        "barn",
        "data_breach",
        "assessed",
        days_ago=3.5,
        breach=(
            ["confidentiality"],
            ["uppgifter-om-halsa", "uppgifter-som-omfattas-av-sekretess-osl"],
            40,
            300,
            "Känsliga uppgifter om barn och familjer kan ha blivit tillgängliga för obehöriga.",
            "Datorn är spärrad och fjärrraderad; lösenord har bytts.",
            "high",
        ),
        text=(
            "En arbetsdator med anteckningar om barn och familjer stals ur en bil. Hårddisken var krypterad, "
            "men lösenordet låg på en lapp i väskan."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "data_breach",
        "decided",
        days_ago=4,
        breach=(
            ["confidentiality"],
            ["identifieringsuppgifter", "uppgifter-om-halsa"],
            850,
            2100,
            "Uppgifter om hälsa och insatser kan ha lästs av personal utan behov av dem.",
            "Behörigheterna till mappen är begränsade till den egna enheten; loggarna analyseras.",
            "risk",
        ),
        delay_reason=(
            "Omfattningen var oklar de första dygnen: loggarna behövde analyseras av leverantören innan "
            "incidenten kunde bedömas. Anmälan görs nu med de uppgifter som finns och kompletteras."
        ),
        decision="Incidenten anmäls till IMY efter 72 timmar; skälet till dröjsmålet anges.",
        text=(
            "Personalen i hemtjänsten har haft tillgång till en delad mapp med genomförandeplaner för alla "
            "brukare i kommunen, inte bara för den egna enheten. Felet upptäcktes vid en loggkontroll."
        ),
    ),
    Demo(
        "SN",
        "ekonomi",
        "data_breach",
        "decided",
        days_ago=1,
        notification="submitted",
        breach=(
            ["confidentiality"],
            ["ekonomiska-uppgifter", "personnummer"],
            1,
            1,
            "Uppgifter om en enskilds ekonomi har lästs av en obehörig.",
            "Adressen är rättad i verksamhetssystemet; brevet har återlämnats.",
            "risk",
        ),
        decision="Incidenten anmäls till IMY.",
        text=(
            "Ett brev med beslut om ekonomiskt bistånd skickades till en tidigare adress. Den som bor där "
            "öppnade brevet och lämnade det till kommunen."
        ),
    ),
    Demo(
        "SN",
        "boende",
        "data_breach",
        "decided",
        days_ago=2,
        notification="supplemented",
        breach=(
            ["confidentiality", "availability"],
            ["personnummer", "uppgifter-om-halsa"],
            32,
            32,
            "Uppgifter om hälsa och läkemedel kan ha spridits.",
            "Rutinen förbjuder nu USB-minnen; listan finns i verksamhetssystemet.",
            "high",
        ),
        decision="Incidenten anmäls till IMY; de boende och deras företrädare informeras.",
        text=(
            "Ett USB-minne med en lista över de boende, deras personnummer och läkemedel har försvunnit från "
            "sjuksköterskeexpeditionen."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "data_breach",
        "decided",
        days_ago=2,
        notification="regulator_decided",
        breach=(
            ["confidentiality"],
            ["kontaktuppgifter"],
            210,
            210,
            "Namn och adresser till brukare i hemtjänsten har lämnats ut till en samarbetspartner.",
            "Mottagaren har bekräftat att filen är raderad.",
            "risk",
        ),
        decision="Incidenten anmäls till IMY.",
        text=(
            "I ett mejl till en samarbetspartner bifogades av misstag en fil med kontaktuppgifter till alla "
            "brukare i hemtjänsten."
        ),
    ),
    Demo(
        "SN",
        "ekonomi",
        "data_breach",
        "closed",
        days_ago=2,
        notification="done",
        breach=(
            ["confidentiality"],
            ["identifieringsuppgifter", "ekonomiska-uppgifter"],
            5,
            12,
            "Uppgifter om ekonomiskt bistånd kan ha lästs av obehöriga.",
            "Papperskorgarna är bortplockade från arbetsrummen; låsta sekretessbehållare finns i varje korridor.",
            "risk",
        ),
        decision="Incidenten anmäls till IMY.",
        text=(
            "Utskrifter med personuppgifter hittades i en vanlig papperskorg i stället för i en låst "
            "sekretessbehållare."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "data_breach",
        "closed",
        days_ago=1,
        notify=False,
        breach=(
            ["confidentiality"],
            ["kontaktuppgifter"],
            1,
            1,
            "Ingen sannolik risk: meddelandet innehöll bara en tid och ett förnamn.",
            "Mottagaren har raderat meddelandet.",
            "unlikely",
        ),
        decision="Incidenten bedöms inte medföra någon risk och anmäls inte till IMY; den dokumenteras.",
        text=(
            "En medarbetare skickade ett sms om tid för besök till fel brukare. Meddelandet innehöll en tid "
            "och ett förnamn."
        ),
    ),
    # Omsorgsnämnden: avvikelser
    Demo(
        "ON",
        "daglig",
        "deviation",
        "reported",
        days_ago=0.5,
        text=(
            "En deltagare i daglig verksamhet blev inte hämtad av färdtjänsten och fick vänta två timmar utomhus, "
            "eftersom beställningen inte gjorts."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "deviation",
        "assessed",
        days_ago=2,
        risk=(2, 3),
        categories=("teknik-utrustning-och-apparatur",),
        text=(
            "Brandlarmet i gruppbostaden löste ut under natten. Två boende vaknade inte av larmet och personalen "
            "fick hjälpa dem ut."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "deviation",
        "investigated",
        days_ago=7,
        categories=("utbildning-kompetens",),
        cause="Schemat lades utan kontroll av vem i personalen som har delegering för läkemedel.",
        text=(
            "En boende fick sina läkemedel en timme för sent tre kvällar i rad, eftersom kvällspersonalen "
            "saknade delegering."
        ),
    ),
    Demo(
        "ON",
        "boendestod",
        "deviation",
        "actions_taken",
        days_ago=14,
        categories=("procedur-rutiner-riktlinjer",),
        cause="Besöket föll bort när körlistan lades om; ingen kontrollerade att alla besök fanns kvar.",
        action="Kontrollera körlistan mot besluten vid varje omläggning.",
        text=(
            "Ett besök av boendestödet uteblev och brukaren blev utan stöd att ta sin medicin i tre dagar."
        ),
    ),
    Demo(
        "ON",
        "privat",
        "deviation",
        "followed_up",
        days_ago=28,
        categories=("omgivning-och-organisation",),
        cause="Sjukfrånvaro ersattes inte; bemanningsrutinen saknade krav på dubbelbemanning.",
        action="Bemanningsrutinen är uppdaterad; brukare som behöver två assistenter är markerade i schemat.",
        text=(
            "Exempelassistans AB rapporterade att en assistent arbetat ensam med en brukare som enligt beslutet "
            "behöver två assistenter vid förflyttning."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "deviation",
        "closed",
        days_ago=40,
        categories=("kommunikation-och-information",),
        cause="Leveranstiden hade ändrats utan att personalen fått besked.",
        action="Leveransbekräftelser skickas till gruppbostadens gemensamma telefon.",
        text=(
            "En boendes matkasse från hemleveransen stod utanför dörren en hel dag, och kyl- och frysvarorna "
            "fick kastas."
        ),
    ),
    # Omsorgsnämnden: klagomål och synpunkter
    Demo(
        "ON",
        "daglig",
        "complaint",
        "received",
        by=PUBLIC,
        kind="forslag",
        text=(
            "Förslag: erbjud fler aktiviteter utomhus på daglig verksamhet, gärna trädgårdsarbete på sommaren."
        ),
    ),
    Demo(
        "ON",
        "boendestod",
        "complaint",
        "registered",
        by=PUBLIC,
        subject="utforande-av-insats",
        submitter=("Nils Exempelsson", "nils.exempelsson@example.com"),
        text=(
            "Boendestödjaren kommer ofta sent och stannar bara en kort stund. Jag hinner inte få hjälp med det vi "
            "kommit överens om."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "complaint",
        "investigated",
        by=PUBLIC,
        source="narstaende",
        subject="bemotande",
        submitter=("Greta Exempelsdotter", "greta.exempelsdotter@example.com"),
        position=(
            "Kontaktpersonen har bytts på grund av personalomsättning, och informationen till närstående "
            "har brustit."
        ),
        text=(
            "Min son som bor på gruppbostaden har fått byta kontaktperson tre gånger på ett halvår, och ingen "
            "har informerat oss."
        ),
    ),
    Demo(
        "ON",
        "privat",
        "complaint",
        "answered",
        by=PUBLIC,
        kind="synpunkt",
        source="narstaende",
        subject="utforande-av-insats",
        submitter=("Hassan Exempelsson", "hassan.exempelsson@example.com"),
        position="Introduktionen av nya assistenter omfattade inte brukarens kommunikationshjälpmedel.",
        reply=(
            "Tack för din synpunkt. Exempelassistans AB har nu lagt in genomgång av kommunikationshjälpmedlet "
            "i introduktionen av alla nya assistenter."
        ),
        text=(
            "Assistenterna från Exempelassistans AB har inte fått lära sig hur min dotters "
            "kommunikationshjälpmedel fungerar."
        ),
    ),
    Demo(
        "ON",
        "daglig",
        "complaint",
        "closed",
        by=PUBLIC,
        kind="berom",
        source="narstaende",
        deviation_found=False,
        submitter=("Siv Exempelsdotter", "siv.exempelsdotter@example.com"),
        position="Beröm; ingen avvikelse.",
        reply="Tack! Vi har berättat för personalen på Verkstan.",
        decision="Berömmet är återkopplat till personalen; ärendet avslutas.",
        text="Stort tack till personalen på Verkstan för utflykten till skärgården. Min bror pratar fortfarande om den!",
    ),
    # Omsorgsnämnden: lex Sarah
    Demo(
        "ON",
        "gruppbostad",
        "lex_sarah",
        "reported",
        days_ago=0.2,
        text=(
            "En boende berättar att en ur personalen tagit pengar ur hans plånbok vid en inköpsresa. Kvittot stämmer "
            "inte med kassaboken."
        ),
    ),
    Demo(
        "ON",
        "daglig",
        "lex_sarah",
        "measures_taken",
        days_ago=1,
        measures="Deltagaren togs om hand och fick mat och dryck; anhöriga informerades samma dag.",
        text=(
            "En deltagare lämnades ensam i bussen i över en timme under en utflykt; personalen hade inte räknat "
            "deltagarna när gruppen gick ut."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "lex_sarah",
        "registered",
        days_ago=2,
        categories=("annan-form",),
        measures="Inlåsningen upphörde omedelbart; nattpersonalen har fått besked om att dörrarna inte får låsas.",
        text=(
            "En boende har under flera veckor låsts in i sitt rum nattetid av personalen, utan beslut och utan "
            "att det dokumenterats."
        ),
    ),
    Demo(
        "ON",
        "boendestod",
        "lex_sarah",
        "outside_scope",
        days_ago=3,
        categories=("brister-i-bemotande",),
        spawn=ReportType.COMPLAINT,
        measures="Enhetschefen ringde brukaren samma dag.",
        decision=(
            "Det gäller missnöje med ett personalbyte, inte ett missförhållande eller en påtaglig risk för ett "
            "missförhållande. Ärendet hanteras som klagomål."
        ),
        text="En brukare i boendestödet är mycket missnöjd med att ha fått en ny boendestödjare utan att bli tillfrågad.",
    ),
    Demo(
        "ON",
        "privat",
        "lex_sarah",
        "investigating",
        days_ago=5,
        categories=("ekonomiska-oegentligheter",),
        measures="Assistenten har stängts av från uppdraget hos brukaren i avvaktan på utredningen.",
        text=(
            "Exempelassistans AB rapporterar att en assistent vid flera tillfällen använt brukarens bil för "
            "privata ärenden."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "lex_sarah",
        "assessed",
        days_ago=8,
        risk=(2, 4),
        categories=("forsummelse",),
        cause="Ny personal hade inte fått introduktion i den boendes ordination vid anfall.",
        text=(
            "En boende med epilepsi fick vid två tillfällen inte sin vid behovs-medicin i tid vid anfall, eftersom "
            "ny personal inte kände till ordinationen."
        ),
    ),
    Demo(
        "ON",
        "daglig",
        "lex_sarah",
        "decided",
        days_ago=15,
        risk=(3, 3),
        notification="submitted",
        categories=("vald-psykiskt",),
        persons=({"role": "Deltagare i daglig verksamhet"},),
        cause="Personalen saknade handlingsplan för hot mellan deltagare och tidigare rapporter följdes inte upp.",
        action="Handlingsplan mot hot och kränkningar; varje rapport följs upp av enhetschefen inom en vecka.",
        decision="Allvarligt missförhållande. Anmälan görs till IVO.",
        text=(
            "En deltagare har utsatts för upprepade kränkande kommentarer och hot från en annan deltagare utan "
            "att personalen ingripit, trots att det rapporterats flera gånger."
        ),
    ),
    Demo(
        "ON",
        "gruppbostad",
        "lex_sarah",
        "closed",
        days_ago=45,
        risk=(3, 3),
        notification="done",
        outcome="criticism",
        categories=("brister-i-bemotande",),
        cause="Husregler hade införts utan stöd i beslut och utan att de boendes självbestämmande beaktats.",
        action="Husreglerna är upphävda; genomförandeplanerna har gåtts igenom med varje boende.",
        decision="Allvarligt missförhållande. Anmälan görs till IVO.",
        text=(
            "En boende har vid upprepade tillfällen nekats att ringa sina anhöriga på kvällen med hänvisning "
            "till husets regler."
        ),
    ),
    # Omsorgsnämnden: personuppgiftsincidenter
    Demo(
        "ON",
        "boendestod",
        "data_breach",
        "reported",
        days_ago=5 / 24,
        text=("En anteckning om en brukares psykiska hälsa sparades av misstag i en annan brukares akt."),
    ),
    Demo(
        "ON",
        "daglig",
        "data_breach",
        "assessed",
        days_ago=1,
        breach=(
            ["confidentiality"],
            ["identifieringsuppgifter", "uppgifter-om-halsa"],
            18,
            18,
            "Namn och diagnoser har kunnat ses av besökare.",
            "Listan är nedtagen.",
            "risk",
        ),
        text="En närvarolista med deltagarnas namn och diagnoser sattes upp på anslagstavlan i entrén.",
    ),
    Demo(
        "ON",
        "gruppbostad",
        "data_breach",
        "decided",
        days_ago=2,
        notification="submitted",
        breach=(
            ["confidentiality"],
            ["identifieringsuppgifter", "uppgifter-om-halsa"],
            6,
            60,
            "Obehöriga kan ha tagit del av journalanteckningar om de boende.",
            "Surfplattan är spärrad och fjärrlåst; inloggningen är återkallad.",
            "risk",
        ),
        decision="Incidenten anmäls till IMY.",
        text="En surfplatta med inloggning till verksamhetssystemet försvann under en utflykt.",
    ),
    Demo(
        "ON",
        "privat",
        "data_breach",
        "closed",
        days_ago=2,
        notification="done",
        breach=(
            ["integrity"],
            ["uppgifter-om-halsa"],
            3,
            9,
            "Fel uppgifter i genomförandeplanerna kunde ha lett till fel insatser.",
            "Planerna är rättade och leverantörens behörigheter begränsade.",
            "risk",
        ),
        decision="Incidenten anmäls till IMY.",
        text=(
            "Exempelassistans AB rapporterar att uppgifter i tre brukares genomförandeplaner ändrats av misstag "
            "vid en systemuppdatering."
        ),
    ),
    # Corrections (cases.services.corrections): a report filed by mistake and withdrawn, and a
    # duplicate merged into the case of the same type filed just before it, of every type.
    Demo(
        "SN",
        "hemtjanst",
        "deviation",
        "withdrawn",
        decision="Rapporten gällde en annan kommuns brukare och skickades in av misstag.",
        text="Test av rapportformuläret vid introduktion av ny personal.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "deviation",
        "merged",
        decision="Samma händelse rapporterades av två medarbetare.",
        text="Brukaren fick sin kvällsmedicin en timme för sent eftersom signeringslistan saknades.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "complaint",
        "withdrawn",
        submitter=("", ""),
        decision="Synpunkten registrerades två gånger av misstag vid inmatning från papper.",
        text="Registrerad av misstag vid inmatning av pappersblanketter.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "complaint",
        "merged",
        decision="Anhörig skickade samma klagomål både via e-post och via webbformuläret.",
        text="Anhörig hör av sig igen om att hemtjänsten kommer vid olika tider varje dag.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_sarah",
        "withdrawn",
        decision="Rapporten skickades in på fel ärendetyp; händelsen hanteras som avvikelse.",
        text="Felaktigt inskickad rapport under utbildning i systemet.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_sarah",
        "merged",
        decision="Samma händelse rapporterades av både undersköterskan och enhetschefen.",
        text="En brukare lämnades utan tillsyn under natten trots beslut om nattillsyn.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "data_breach",
        "withdrawn",
        decision="Det visade sig att e-postmeddelandet aldrig skickades; ingen incident inträffade.",
        text="Ett e-postmeddelande med en brukares namn misstänktes ha skickats till fel mottagare.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "data_breach",
        "merged",
        decision="Samma incident rapporterades av två medarbetare.",
        text="En utskrift med brukaruppgifter glömdes i skrivaren i personalrummet.",
    ),
    # Socialnämnden: lex Maria (hälso- och sjukvård på boendet och i hemsjukvården), the MAS's
    Demo(
        "SN",
        "boende",
        "lex_maria",
        "reported",
        days_ago=0.2,
        categories=("fall",),
        text="En boende hittades på golvet i sitt rum på morgonen med smärta i höften; larmet hade inte utlösts.",
    ),
    Demo(
        "SN",
        "boende",
        "lex_maria",
        "registered",
        days_ago=2,
        categories=("lakemedel",),
        measures="Sjuksköterskan kontaktade jourläkaren; patienten observerades under natten.",
        text="En boende fick en annan boendes kvällsmedicin; förväxlingen upptäcktes vid nästa dos.",
    ),
    Demo(
        "SN",
        "boende",
        "lex_maria",
        "investigating",
        days_ago=4,
        early_ivo=True,
        notification="submitted",
        categories=("vard-och-behandling",),
        persons=(TOLVAN,),
        text=(
            "En boende med känd diabetes fick dubbel dos insulin vid ett passbyte och fördes till "
            "akutmottagningen med lågt blodsocker."
        ),
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_maria",
        "assessed",
        days_ago=8,
        injury="risk_allvarlig",
        risk=(2, 4),
        categories=("informationsoverforing-och-kommunikation",),
        summary="Ordinationsändringen nådde inte hemsjukvården; patienten hann inte ta den gamla dosen.",
        text="En ändrad ordination av blodförtunnande läkemedel fördes inte över till hemsjukvårdens lista.",
    ),
    Demo(
        "SN",
        "boende",
        "lex_maria",
        "decided",
        days_ago=14,
        risk=(3, 4),
        notification="regulator_decided",
        outcome="criticism",
        categories=("omvardnad",),
        persons=(TOLVAN,),
        decision="Händelsen har medfört en allvarlig vårdskada och anmäls till IVO enligt lex Maria.",
        summary="Trycksåret uppstod när lägesändringar inte dokumenterades under två veckor.",
        text="En sängliggande boende fick ett trycksår av grad 4 som inte hade upptäckts i tid.",
    ),
    Demo(
        "SN",
        "boende",
        "lex_maria",
        "closed",
        days_ago=40,
        risk=(3, 4),
        notification="done",
        outcome="closed",
        categories=("medicinteknisk-utrustning",),
        decision="Händelsen anmäldes till IVO; åtgärderna är genomförda och uppföljda.",
        summary="Syrgaskoncentratorn larmade inte vid avbrott; leverantören har bytt ut apparaterna.",
        text="En boendes syrgaskoncentrator slutade fungera under natten utan att larma.",
    ),
    Demo(
        "SN",
        "hemtjanst",
        "lex_maria",
        "closed",
        days_ago=30,
        injury="vardskada",
        risk=(2, 2),
        notify=False,
        categories=("bedomning-och-diagnos",),
        decision="Vårdskadan var inte allvarlig och anmäls inte till IVO; åtgärderna följs upp lokalt.",
        summary="En urinvägsinfektion upptäcktes en dag senare än den kunnat; patienten tillfrisknade.",
        text="Tecken på infektion rapporterades inte vidare till sjuksköterskan förrän dagen efter.",
    ),
    Demo(
        "SN",
        "boende",
        "lex_maria",
        "outside_scope",
        days_ago=6,
        categories=("ovrigt",),
        spawn="lex_sarah",
        decision=(
            "Ingen vårdskada: den boende fick rätt vård. Personalens bemötande utreds som en lex "
            "Sarah-rapport."
        ),
        text="En anhörig berättade att personalen talat nedsättande till den boende under omvårdnaden.",
    ),
    Demo(
        "SN",
        "boende",
        "deviation",
        "assessed",
        days_ago=3,
        risk=(3, 4),
        route="lex_maria",
        override="Händelsen gäller hälso- och sjukvård på boendet: MAS bedömer den enligt lex Maria.",
        text="En boende fick fel styrka av smärtplåster; felet upptäcktes vid nästa byte.",
    ),
    # Omsorgsnämnden: lex Maria at the group home, the MAR's
    Demo(
        "ON",
        "gruppbostad",
        "lex_maria",
        "reported",
        days_ago=0.5,
        categories=("lakemedel",),
        text="En boende fick inte sin epilepsimedicin på kvällen; dosen hittades kvar i dosetten.",
    ),
]

ENTRIES = {
    "how-noticed": (
        "Uppmärksammades av personal som rapporterade samma dag till enhetschefen.",
        "Rapporten",
        "fact",
    ),
    "happened-before": (
        "Inga liknande händelser har rapporterats i verksamheten de senaste två åren.",
        "Genomgång av tidigare avvikelser och lex Sarah-rapporter",
        "fact",
    ),
    "recurrence-risk": (
        "Risken för upprepning bedöms som låg när åtgärderna är genomförda.",
        "Utredarens bedömning",
        "assessment",
    ),
}
SUPPLEMENTS = {
    "ivo": "Den färdiga utredningen enligt SOSFS 2011:5 med beslut och vidtagna åtgärder.",
    "imy": "Kompletterande uppgifter om antalet berörda och vidtagna åtgärder efter leverantörens logganalys.",
}
OUTCOME_NOTES = {
    "closed": "Myndigheten avslutar ärendet utan vidare åtgärder.",
    "criticism": "Myndigheten riktar kritik och förutsätter att åtgärderna följs upp.",
}


def username(board, role):
    return f"{board.lower()}_{role}"


def demo_usernames():
    return [username(board, role) for board, people in PEOPLE.items() for role in people]


def demo_municipality():
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.MUNICIPALITY, name=MUNICIPALITY).first()


def demo_units(municipality):
    """{board prefix: {"board": unit, unit key: unit}} for an existing demo tree."""
    units = {}
    for prefix, (_board, _administration, departments) in BOARDS.items():
        board = OrgUnit.objects.get(
            path__startswith=municipality.path, kind=OrgUnit.Kind.BOARD, case_number_prefix=prefix
        )
        by_name = {unit.name: unit for unit in board.descendants_and_self()}
        units[prefix] = {"board": board}
        for members in departments.values():
            for key, name, _private in members:
                units[prefix][key] = by_name[name]
    return units


def role_unit(units, board, role):
    """Where the role is granted, and where its holder works (their home unit)."""
    return (
        units[board][HOME_UNIT[board]]
        if role in (Role.REPORTER, Role.UNIT_MANAGER)
        else units[board]["board"]
    )


def administrator_permissions():
    q = Q(pk__in=[])
    for app_label, models in ADMINISTRATOR_MODELS.items():
        deletes = ADMINISTRATOR_DELETES.get(app_label, [])
        codenames = [f"{action}_{model}" for action in ("view", "add", "change") for model in models]
        q |= Q(
            content_type__app_label=app_label,
            codename__in=codenames + [f"delete_{model}" for model in deletes],
        )
    return Permission.objects.filter(q)


class Seeder:
    """Builds the demo. Case data goes in as a user would type it, through the services."""

    def __init__(self):
        self.now = timezone.now()
        self.users = {}
        self.units = {}
        self._terms = {}
        self._last = {}  # (board, type): the last case filed that a duplicate may be merged into

    def run(self):
        municipality = self.build_org()
        self.build_retention_rules()
        self.build_users()
        for demo in DEMOS:
            self.build_case(demo)
        self.report_delegations()
        return municipality

    def report_delegations(self):
        """Socialnämnden's register of delegation decisions: every decision but the newest was
        reported to the board at today's meeting; the newest waits for the next one."""
        board = self.units["SN"]["board"]
        ids = list(
            DelegationDecision.objects.filter(report__namnd=board)
            .order_by("decided_at", "id")
            .values_list("pk", flat=True)
        )[:-1]
        if ids:
            do_mark_delegations_reported(
                acting_user=self.users["SN"][Role.SAS],
                board=board,
                decision_ids=ids,
                meeting_date=timezone.localdate(),
            )

    def build_org(self):
        municipality = OrgUnit.objects.create(kind=OrgUnit.Kind.MUNICIPALITY, name=MUNICIPALITY)
        for prefix, (board_name, administration_name, departments) in BOARDS.items():
            board = OrgUnit.objects.create(
                kind=OrgUnit.Kind.BOARD, name=board_name, parent=municipality, case_number_prefix=prefix
            )
            administration = OrgUnit.objects.create(
                kind=OrgUnit.Kind.ADMINISTRATION, name=administration_name, parent=board
            )
            self.units[prefix] = {"board": board}
            for department_name, members in departments.items():
                department = OrgUnit.objects.create(
                    kind=OrgUnit.Kind.DEPARTMENT, name=department_name, parent=administration
                )
                for key, name, private in members:
                    self.units[prefix][key] = OrgUnit.objects.create(
                        kind=OrgUnit.Kind.UNIT, name=name, parent=department, is_private_provider=private
                    )
        return municipality

    def build_retention_rules(self):
        """The example rules of docs/records.md for every board, marked as examples."""
        from records.defaults import seed_example_rules
        from records.models import RetentionRule

        for units in self.units.values():
            seed_example_rules(units["board"], RetentionRule)

    def build_users(self):
        User = get_user_model()
        # One hash for every demo user: hashing is deliberately slow, the password is public anyway.
        password = make_password(PASSWORD)
        admin_perms = administrator_permissions()
        taken = User.objects.filter(username__in=demo_usernames())
        if taken.exists():
            raise CommandError(
                f"Demo user names are taken ({', '.join(u.username for u in taken)}) but there "
                f"is no {MUNICIPALITY}; seed_demo will not touch existing users."
            )
        for board, people in PEOPLE.items():
            self.users[board] = {}
            for role, (first_name, last_name, title) in people.items():
                name = username(board, role)
                user = User.objects.create(
                    username=name,
                    password=password,
                    email=f"{name}@{EMAIL_DOMAIN}",
                    first_name=first_name,
                    last_name=last_name,
                    title=title,
                    is_staff=role == Role.ADMINISTRATOR,
                    home_unit=role_unit(self.units, board, role),
                )
                if role == Role.ADMINISTRATOR:
                    user.user_permissions.set(admin_perms)
                if role != Role.REPORTER:
                    do_grant_role(user, role, role_unit(self.units, board, role), acting_user=None)
                self.users[board][role] = user
        name, first_name, last_name, title = SUPERUSER
        if not User.objects.filter(username=name).exists():
            User.objects.create(
                username=name,
                password=password,
                email=f"{name}@{EMAIL_DOMAIN}",
                first_name=first_name,
                last_name=last_name,
                title=title,
                is_staff=True,
                is_superuser=True,
            )

    def term(self, vocabulary, code):
        key = (vocabulary, code)
        if key not in self._terms:
            self._terms[key] = Term.objects.get(vocabulary=vocabulary, code=code).pk
        return self._terms[key]

    def ago(self, days):
        return self.now - datetime.timedelta(days=days)

    def user(self, demo, role):
        if role == HANDLER:
            role = (
                Role.UNIT_MANAGER
                if demo.unit == HOME_UNIT[demo.board]
                else INVESTIGATOR_ROLE.get(demo.type, Role.SAS)
            )
        return self.users[demo.board][role]

    def investigator(self, demo):
        return self.users[demo.board][INVESTIGATOR_ROLE.get(demo.type, Role.SAS)]

    def build_case(self, demo):
        filer = (
            None
            if demo.by == PUBLIC
            else self.user(
                demo, demo.by or (Role.REPORTER if demo.unit == HOME_UNIT[demo.board] else Role.SAS)
            )
        )
        data = {
            "type": demo.type,
            "unit": self.units[demo.board][demo.unit].pk,
            "description": demo.text,
            "submitter_name": demo.submitter[0],
            "submitter_contact": demo.submitter[1],
        }
        if demo.type == ReportType.DATA_BREACH:
            data["discovered_at"] = self.ago(demo.days_ago)
        else:
            data["occurred_at"] = self.ago(demo.days_ago)
        if demo.type == ReportType.COMPLAINT:
            data["kind"] = demo.kind
        report = do_file_report(acting_user=filer, data=data)
        if demo.received_days_ago:
            do_correct_key_time(
                report.pk,
                acting_user=self.user(demo, HANDLER),
                data={
                    "field": "reported_at",
                    "value": self.ago(demo.received_days_ago),
                    "reason": "Rapporten lämnades muntligt och registrerades i systemet i efterhand.",
                },
            )
        for person in demo.persons:
            do_add_affected_person(report.pk, acting_user=filer, data=person)
        if demo.to in ("withdrawn", "merged"):
            self.correct(demo, report)
            return
        self._last[(demo.board, demo.type)] = report
        path = OUTSIDE_SCOPE_PATHS[demo.type] if demo.to == "outside_scope" else PATHS[demo.type]
        for name in path:
            if report.state == demo.to:
                break
            for preparation in PREPARE.get((demo.type, name), []):
                getattr(self, preparation)(demo, report)
            actor = self.user(demo, ACTOR.get((demo.type, name), HANDLER))
            report = do_transition(
                report.pk, name, acting_user=actor, data=self.step_data(demo, report, name)
            )
            self.after(demo, report, name)
        if report.state != demo.to:
            raise CommandError(f"Demo case {report.case_number} stopped in {report.state}, not {demo.to}.")

    def correct(self, demo, report):
        """A report withdrawn as filed by mistake, or merged into the case of its type filed
        before it (``demo.decision`` is the reason)."""
        actor = self.users[demo.board][CORRECTOR[demo.type]]
        if demo.to == "withdrawn":
            do_withdraw_report(report.pk, acting_user=actor, data={"reason": demo.decision})
        else:
            survivor = self._last[(demo.board, demo.type)]
            do_merge_reports(
                report.pk, acting_user=actor, data={"survivor": survivor.case_number, "reason": demo.decision}
            )

    def after(self, demo, report, name):
        if demo.type == ReportType.LEX_SARAH and name == "start_investigation":
            self.document_investigation(demo, report, only=FIRST_TOPICS)
            if demo.early_ivo:
                do_decide_ivo_notification(
                    report.pk,
                    acting_user=self.users[demo.board][Role.DECISION_MAKER],
                    data={
                        "decision": "Uppgifterna gäller ett allvarligt missförhållande. IVO underrättas innan "
                        "utredningen är klar."
                    },
                )
                self.walk_notification(demo, report, "ivo")
        if demo.type == ReportType.LEX_MARIA and name == "start_investigation" and demo.early_ivo:
            do_decide_ivo_notification(
                report.pk,
                acting_user=self.users[demo.board][Role.MAS],
                data={"decision": "Patienten fick en allvarlig vårdskada. IVO underrättas snarast."},
            )
            self.walk_notification(demo, report, "ivo")
        if name == "decide" and demo.notify and not demo.early_ivo:
            self.walk_notification(demo, report, "imy" if demo.type == ReportType.DATA_BREACH else "ivo")

    def add_cause(self, demo, report):
        do_add_cause(report.pk, acting_user=self.user(demo, HANDLER), data={"description": demo.cause})

    def add_action(self, demo, report):
        handler = self.user(demo, HANDLER)
        action = do_add_action(
            report.pk,
            acting_user=handler,
            data={
                "description": demo.action,
                "kind": "corrective",
                "causes": list(report.causes.values_list("pk", flat=True)),
                "owner": handler.pk,
                "due_date": timezone.localdate() + datetime.timedelta(days=demo.action_due_days),
            },
        )
        do_update_action(report.pk, action.pk, acting_user=handler, data={"status": "in_progress"})

    def settle_actions(self, demo, report):
        handler = self.user(demo, HANDLER)
        for action in report.actions.all():
            do_update_action(
                report.pk,
                action.pk,
                acting_user=handler,
                data={"status": "done", "effect_follow_up": demo.effect},
            )

    def document_rest_of_investigation(self, demo, report):
        self.document_investigation(demo, report, exclude=FIRST_TOPICS)

    def document_investigation(self, demo, report, only=None, exclude=()):
        """The SOSFS 2011:5 5 kap. topics, each entry with its date, source and nature."""
        texts = {
            "what-happened": (demo.text, "Rapporten och samtal med rapportören", "fact"),
            "when-occurred": (
                f"Inträffade {timezone.localtime(report.occurred_at):%Y-%m-%d}.",
                "Rapporten",
                "fact",
            ),
            "causes": (demo.cause, "Samtal med personalen och genomgång av dokumentationen", "assessment"),
            "measures-taken": (
                f"{demo.measures} ({timezone.localtime(report.immediate_measures_at):%Y-%m-%d})",
                "Enhetschefens dokumentation",
                "fact",
            ),
            "preventive-measures": (demo.action, "Handlingsplan", "fact"),
            **ENTRIES,
        }
        topics = InvestigationTopic.objects.valid_on().filter(
            report_type=ReportType.LEX_SARAH, required_for_decision=True
        )
        for topic in topics:
            if (only is not None and topic.code not in only) or topic.code in exclude:
                continue
            text, source, nature = texts[topic.code]
            do_add_investigation_entry(
                report.pk,
                acting_user=self.investigator(demo),
                data={
                    "topic": topic.pk,
                    "text": text,
                    "entry_date": timezone.localdate(),
                    "source": source,
                    "nature": nature,
                },
            )

    def document_lex_maria(self, demo, report):
        """The investigation of patientsäkerhetslagen 3 kap. 3 §: what happened, what affected it,
        the consequence for the patient, the measures."""
        texts = {
            "handelseforlopp": (demo.text, "Rapporten, journalen och samtal med personalen", "fact"),
            "paverkande-faktorer": (demo.cause, "Händelseanalys med berörd personal", "assessment"),
            "konsekvenser": (demo.summary, "Journalen och läkarens bedömning", "assessment"),
            "atgarder": (demo.action, "Handlingsplan", "fact"),
            "patient-informerad": (demo.heard, "Samtal med patienten", "fact"),
        }
        for topic in InvestigationTopic.objects.valid_on().filter(report_type=ReportType.LEX_MARIA):
            text, source, nature = texts[topic.code]
            do_add_investigation_entry(
                report.pk,
                acting_user=self.investigator(demo),
                data={
                    "topic": topic.pk,
                    "text": text,
                    "entry_date": timezone.localdate(),
                    "source": source,
                    "nature": nature,
                },
            )

    def inform_persons(self, demo, report):
        for person in report.persons.all():
            do_add_information_event(
                report.pk,
                acting_user=self.investigator(demo),
                data={
                    "person": person.pk,
                    "informed_at": timezone.now(),
                    "channel": "Personligt samtal",
                    "person_view": demo.heard,
                    "journal_note_recorded": True,
                },
            )

    def walk_notification(self, demo, report, regulator):
        notification = report.regulator_notifications.get(regulator=regulator)
        actor = self.users[demo.board][Role.DSO] if regulator == "imy" else self.investigator(demo)
        case_number = (
            f"3.1.1-{report.case_sequence:05d}/{report.case_year}"
            if regulator == "ivo"
            else f"IMY-{report.case_year}-{report.case_sequence:04d}"
        )
        data = {
            "submit": {
                "submitted_at": timezone.now(),
                "channel": "e_service",
                "regulator_case_number": case_number,
            },
            "supplement": {"sent_at": timezone.now(), "text": SUPPLEMENTS[regulator]},
            "record_outcome": {
                "outcome": demo.outcome,
                "outcome_at": timezone.localdate(),
                "outcome_note": OUTCOME_NOTES[demo.outcome],
            },
            "complete": {},
        }
        for name in NOTIFICATION_PATHS[demo.notification]:
            do_notification_transition(report.pk, notification.pk, name, acting_user=actor, data=data[name])

    def step_data(self, demo, report, name):
        t = demo.type
        if t == ReportType.DEVIATION and name == "assess":
            return {
                "category": self.term(
                    "deviation_category", (demo.categories or ("procedur-rutiner-riktlinjer",))[0]
                ),
                "probability": demo.risk[0],
                "severity": demo.risk[1],
                "route": demo.route,
                "risk_override_reason": demo.override,
            }
        if name == "complete_investigation":
            return {"investigation_summary": demo.summary}
        if name in ("record_actions", "follow_up", "start_investigation"):
            return {}
        if name == "close":
            return {"decision": demo.decision} if t in (ReportType.DEVIATION, ReportType.COMPLAINT) else {}
        if t == ReportType.COMPLAINT:
            return self.complaint_data(demo, report, name)
        if t == ReportType.LEX_SARAH:
            return self.lex_sarah_data(demo, name)
        if t == ReportType.LEX_MARIA:
            return self.lex_maria_data(demo, name)
        return self.breach_data(demo, name)

    def lex_maria_data(self, demo, name):
        if name == "register":
            return {
                "categories": [
                    self.term("lex_maria_category", code) for code in demo.categories or ("lakemedel",)
                ],
                "immediate_measures": demo.measures,
                "immediate_measures_at": timezone.now(),
            }
        if name == "close_outside_scope":
            return {"decision": demo.decision, "spawn": demo.spawn}
        if name == "assess":
            return {
                "injury_assessment": demo.injury,
                "probability": demo.risk[0],
                "severity": demo.risk[1],
                "investigation_summary": demo.summary,
                "risk_override_reason": demo.override,
            }
        return {"decision": demo.decision, "notify_ivo": demo.notify}

    def complaint_data(self, demo, report, name):
        if name == "register":
            return {
                "handler": self.user(demo, HANDLER).pk,
                "complaint_kind": self.term("complaint_kind", demo.kind),
                "complaint_source": self.term("complaint_source", demo.source),
                "subject_area": self.term("subject_area", demo.subject) if demo.subject else "",
                "acknowledged_at": timezone.now() if report.submitter_contact else "",
            }
        if name == "investigate":
            return {"position_statement": demo.position, "deviation_found": demo.deviation_found}
        return {"reply": demo.reply}

    def lex_sarah_data(self, demo, name):
        if name == "record_immediate_measures":
            return {"immediate_measures": demo.measures, "immediate_measures_at": timezone.now()}
        if name == "register":
            return {
                "chair_informed_at": timezone.now(),
                "social_chief_informed_at": timezone.now(),
                "categories": [
                    self.term("lex_sarah_category", code)
                    for code in demo.categories or ("brister-i-verkstallighet",)
                ],
            }
        if name == "close_outside_scope":
            return {"decision": demo.decision, "spawn": demo.spawn}
        if name == "assess":
            return {
                "lex_sarah_assessment": demo.assessment,
                "is_serious": demo.serious,
                "probability": demo.risk[0],
                "severity": demo.risk[1],
                "investigation_summary": demo.summary,
            }
        return {"decision": demo.decision, "notify_ivo": demo.notify}

    def breach_data(self, demo, name):
        if name == "assess":
            nature, categories, subjects, records, consequences, measures, risk = demo.breach
            return {
                "breach_nature": nature,
                "data_categories": [self.term("breach_data_category", code) for code in categories],
                "approx_subjects": subjects,
                "approx_records": records,
                "likely_consequences": consequences,
                "breach_measures": measures,
                "breach_risk": risk,
            }
        data = {"decision": demo.decision, "notify_imy": demo.notify, "delay_reason": demo.delay_reason}
        if demo.breach[-1] == "high":
            data["subjects_informed_at"] = timezone.now()
        return data


def demo_users(municipality):
    """The demo users as printed by ``--json``: one per role and board."""
    units = demo_units(municipality)
    existing = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=demo_usernames()).select_related("home_unit")
    }
    rows = []
    for board, people in PEOPLE.items():
        for role in people:
            user = existing.get(username(board, role))
            if user is None:
                continue
            unit, namnd = role_unit(units, board, role), units[board]["board"]
            home = user.home_unit
            rows.append(
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "email": user.email,
                    "roles": sorted({Role.REPORTER.value, role.value}),
                    "unit": {"id": unit.pk, "name": unit.name},
                    "home_unit": {"id": home.pk, "name": home.name} if home else None,
                    "namnd": {"id": namnd.pk, "name": namnd.name},
                }
            )
    return rows


class Command(BaseCommand):
    help = "Seed a demo municipality (Demokommun) with users for every role and cases in every state. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="Print the demo users as JSON, and nothing else."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG=false, e.g. for a public demo server.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates users with a published password; it runs only with DEBUG=true "
                "unless --allow-production is given."
            )
        if options["json"]:
            # Anything seeding prints (a console e-mail backend, say) must not spoil the JSON.
            with contextlib.redirect_stdout(sys.stderr):
                municipality, _created = self.seed()
            self.stdout.write(json.dumps(demo_users(municipality), ensure_ascii=False, indent=2))
            return
        municipality, created = self.seed()
        if not created:
            self.stdout.write(f"{MUNICIPALITY} already exists; nothing changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {MUNICIPALITY} with {len(DEMOS)} demo reports and their linked cases."
                )
            )
        self.stdout.write(
            f"Demo users, all with the password {PASSWORD!r} (as has the superuser {SUPERUSER[0]!r} "
            f"if seed_demo created it):"
        )
        for row in demo_users(municipality):
            roles = ", ".join(role for role in row["roles"] if role != Role.REPORTER) or Role.REPORTER
            self.stdout.write(f"  {row['username']:<20} {roles:<16} {row['unit']['name']}")

    def seed(self):
        with transaction.atomic():
            municipality = demo_municipality()
            if municipality is not None:
                return municipality, False
            return Seeder().run(), True
