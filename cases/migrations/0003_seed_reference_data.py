"""The defaults of DOMAIN.md as data: legal references with validity dates, vocabularies,
clocks, risk levels and the SOSFS 2011:5 5 kap. investigation topics. Administrators
edit them in the admin; a change of law is a new row with a new validity period."""

import datetime

from django.db import migrations

D = datetime.date
SOL_NEW = D(2025, 7, 1)
SOL_OLD_END = D(2025, 6, 30)

LEGAL = [
    # code, citation, title, valid_from, valid_to, url
    ("lex-sarah-rapportering", "14 kap. 3 § SoL (2001:453)", "Skyldighet att rapportera missförhållanden", D(2011, 7, 1), SOL_OLD_END, ""),
    ("lex-sarah-rapportering", "SoL (2025:400), bestämmelserna om lex Sarah", "Skyldighet att rapportera missförhållanden (verifiera kapitel och paragraf)", SOL_NEW, None, ""),
    ("lex-sarah-anmalan", "14 kap. 7 § SoL (2001:453)", "Anmälan till IVO av allvarligt missförhållande", D(2011, 7, 1), SOL_OLD_END, ""),
    ("lex-sarah-anmalan", "SoL (2025:400), anmälan enligt lex Sarah", "Anmälan till IVO av allvarligt missförhållande (verifiera kapitel och paragraf)", SOL_NEW, None, ""),
    ("lex-sarah-anmalan-lss", "24 f § LSS (1993:387)", "Anmälan till IVO av allvarligt missförhållande (LSS)", D(2011, 7, 1), None, ""),
    ("sosfs-2011-5-utredning", "SOSFS 2011:5 5 kap.", "Dokumentation av utredning enligt lex Sarah", D(2011, 7, 1), None,
     "https://www.socialstyrelsen.se/kunskapsstod-och-regler/regler-och-riktlinjer/foreskrifter-och-allmanna-rad/konsoliderade-foreskrifter/20115-om-lex-sarah/"),
    ("sosfs-2011-9-klagomal", "SOSFS 2011:9 5 kap. 3 §", "Ta emot och utreda klagomål och synpunkter", D(2012, 1, 1), None, ""),
    ("gdpr-33", "Art. 33 dataskyddsförordningen (EU) 2016/679", "Anmälan av personuppgiftsincident till tillsynsmyndigheten", D(2018, 5, 25), None, ""),
    ("gdpr-34", "Art. 34 dataskyddsförordningen (EU) 2016/679", "Information till de registrerade om en personuppgiftsincident", D(2018, 5, 25), None, ""),
]

TERMS = {
    "deviation_category": ["Kommunikation och information", "Utbildning, kompetens", "Omgivning och organisation",
                           "Teknik, utrustning och apparatur", "Procedur, rutiner, riktlinjer", "Övriga"],
    "lex_sarah_category": ["Våld eller övergrepp", "Ekonomiska oegentligheter", "Försummelse", "Brister i bemötande",
                           "Brister i handläggning", "Brister i verkställighet", "Annan form"],
    "complaint_kind": ["Klagomål", "Synpunkt", "Förslag", "Beröm"],
    "complaint_source": ["Brukare", "Närstående", "Personal", "Annan vårdgivare", "Myndighet", "Organisation", "Allmänheten"],
    "subject_area": ["Handläggning", "Tillgänglighet", "Bemötande", "Utförande av insats"],
    "breach_data_category": ["Identifieringsuppgifter", "Kontaktuppgifter", "Personnummer", "Ekonomiska uppgifter",
                             "Bedömningar", "Uppgifter om hälsa", "Uppgifter om lagöverträdelser",
                             "Uppgifter som omfattas av sekretess (OSL)", "Loggar och metadata", "Övriga känsliga uppgifter"],
}
VIOLENCE_KINDS = ["Fysiskt", "Psykiskt", "Sexuellt"]
CODES = {"Klagomål": "klagomal", "Synpunkt": "synpunkt", "Förslag": "forslag", "Beröm": "berom"}

DEADLINES = [
    # report_type, code, name, starts_at, amount, unit, warnings, legal code, basis
    ("data_breach", "breach-imy-notification", "Anmälan till IMY", "discovered_at", 72, "hours", [24, 6], "gdpr-33", "GDPR art. 33(1)"),
    ("data_breach", "breach-imy-supplement", "Komplettering till IMY", "notification_submitted_at", 28, "days", [], "gdpr-33", "IMY:s praxis"),
    ("lex_sarah", "lex-sarah-registration", "Omedelbara åtgärder dokumenterade och ärendet registrerat", "reported_at", 0, "working_days", [], "lex-sarah-rapportering", "”omedelbart”, ”genast”"),
    ("lex_sarah", "lex-sarah-investigation-start", "Utredningen påbörjad", "registered_at", 1, "working_days", [], "sosfs-2011-5-utredning", "”utan dröjsmål”"),
    ("lex_sarah", "lex-sarah-ivo-notification", "Anmälan till IVO", "serious_decided_at", 7, "days", [], "lex-sarah-anmalan", "”snarast”"),
    ("lex_sarah", "lex-sarah-investigation-to-ivo", "Utredningen till IVO", "notification_submitted_at", 2, "months", [], "sosfs-2011-5-utredning", "SOSFS 2011:5"),
    ("lex_sarah", "lex-sarah-investigation-target", "Utredningen klar (mål)", "registered_at", 2, "months", [], None, "Lokal rutin"),
    ("complaint", "complaint-acknowledgement", "Bekräftelse till den som lämnat klagomålet", "reported_at", 2, "working_days", [], "sosfs-2011-9-klagomal", "Lokal rutin"),
    ("complaint", "complaint-handler-named", "Handläggare utsedd och meddelad", "reported_at", 5, "working_days", [], "sosfs-2011-9-klagomal", "Lokal rutin"),
    ("complaint", "complaint-answer", "Svar till den som lämnat klagomålet", "reported_at", 14, "days", [], "sosfs-2011-9-klagomal", "Lokal rutin"),
    ("deviation", "deviation-assessment", "Avvikelsen bedömd", "reported_at", 5, "working_days", [], None, "Lokal rutin"),
    ("deviation", "deviation-investigation", "Avvikelsen utredd", "reported_at", 30, "days", [], None, "Lokal rutin"),
]

RISK_BANDS = [("lag", "Låg", 1, 4, False), ("medium", "Medium", 5, 7, False), ("hog", "Hög", 8, 11, True),
              ("kritisk", "Kritisk", 12, 16, True)]

TOPICS = [
    # code, name, required before the decision
    ("what-happened", "Vad missförhållandet eller risken bestod i och vilka konsekvenser det fått eller kunnat få", True),
    ("how-noticed", "När och hur det uppmärksammades", True),
    ("when-occurred", "När det inträffade eller när risken förelåg", True),
    ("causes", "Orsaker som har identifierats", True),
    ("happened-before", "Om liknande hänt tidigare och i så fall varför det hänt igen", True),
    ("recurrence-risk", "Bedömning av om liknande kan hända igen", True),
    ("measures-taken", "Vidtagna åtgärder med tidpunkt för varje åtgärd", True),
    ("other-findings", "Annat som framkommit under utredningen", False),
    ("preventive-measures", "Åtgärder som vidtagits eller planeras för att förhindra att det händer igen", True),
]


def slug(name):
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "a", "Ä": "a", "Ö": "o", ",": "", "(": "", ")": ""})
    return "-".join(name.translate(table).lower().split())[:60]


def seed(apps, schema_editor):
    LegalReference = apps.get_model("cases", "LegalReference")
    Term = apps.get_model("cases", "Term")
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    RiskBand = apps.get_model("cases", "RiskBand")
    RiskRoutingRule = apps.get_model("cases", "RiskRoutingRule")
    InvestigationTopic = apps.get_model("cases", "InvestigationTopic")

    refs = {}
    for code, citation, title, start, end, url in LEGAL:
        ref = LegalReference.objects.create(code=code, citation=citation, title=title, valid_from=start, valid_to=end, url=url)
        if end is None or code not in refs:
            refs[code] = ref
    for vocabulary, names in TERMS.items():
        for order, name in enumerate(names):
            term = Term.objects.create(vocabulary=vocabulary, code=CODES.get(name, slug(name)), name=name, order=order)
            if name == "Våld eller övergrepp":
                for sub_order, sub in enumerate(VIOLENCE_KINDS):
                    Term.objects.create(vocabulary=vocabulary, code=f"vald-{slug(sub)}", name=sub, parent=term, order=sub_order)
    for report_type, code, name, starts_at, amount, unit, warnings, legal, basis in DEADLINES:
        DeadlineRule.objects.create(report_type=report_type, code=code, name=name, starts_at=starts_at, amount=amount,
                                    unit=unit, warn_before_hours=warnings, legal_reference=refs.get(legal), basis=basis)
    for code, name, low, high, serious in RISK_BANDS:
        RiskBand.objects.create(code=code, name=name, min_score=low, max_score=high, suggests_serious=serious)
    RiskRoutingRule.objects.create(min_score=8, min_severity=3, route_to="lex_sarah")
    for order, (code, name, required) in enumerate(TOPICS):
        InvestigationTopic.objects.create(report_type="lex_sarah", code=code, name=name, required_for_decision=required,
                                          legal_reference=refs["sosfs-2011-5-utredning"], order=order)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_append_only_triggers")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
