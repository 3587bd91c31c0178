"""Taking names, personal identity numbers and contact details out of free text that leaves
the case: anonymised summaries in compilations and the documents sent to regulators.

``redact`` removes what can be recognised by its form (personnummer and samordningsnummer,
e-mail addresses, Swedish phone numbers, street addresses with a number, postal codes with
their town, dates of birth) and every name the case knows. It is used for the regulator
documents, where the text must stay readable for IVO and IMY.

``anonymise`` goes further for the summaries published in compilations: it also removes every
capitalised word that is not a common Swedish word (``ALLOWED_WORDS``), an abbreviation of the
trade (``ACRONYMS``) or a word of the compilation's own public vocabulary (unit names,
categories), because a summary may name people the case does not know (a relative, a
colleague, a neighbour). A capitalised word that starts a sentence is kept when the same word
occurs in lower case in the text. This errs on the side of removing too much; the SAS reviews
and edits every summary before it is published (``SummaryReview``).
"""

import re

from django.utils.translation import gettext as _

# Personnummer and samordningsnummer (day + 60): YYMMDD or YYYYMMDD, then - + space or nothing,
# then four digits. Any digits of that shape go: a wrong hit costs less than a missed number.
PERSONNUMMER = re.compile(r"(?<![\w-])(?:19|20)?\d{6}\s?[-+–]?\s?\d{4}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Swedish numbers (0…, +46…, 0046…, (08) …), so that dates such as 2025-03-10 are left alone.
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)46[ -]?(?:\(0\))?[ -]?|\(0|0)\d{1,3}\)?(?:[ -]?\d){5,8}\b")
STREET_SUFFIXES = (
    "gatan",
    "gata",
    "vägen",
    "väg",
    "gränd",
    "gränden",
    "torget",
    "torg",
    "stigen",
    "stig",
    "backen",
    "backe",
    "allén",
    "allé",
    "platsen",
    "plan",
    "leden",
    "slingan",
    "ringen",
    "höjden",
    "gården",
    "parken",
    "kajen",
    "strand",
    "stranden",
    "liden",
    "svängen",
    "vägen",
)
# "Storgatan 12", "Lilla Nygatan 7 B", "Kungsvägen 3, lgh 1102": a capitalised street name
# (maybe after Lilla, Norra …) ending in a street word, then a number.
STREET_PREFIXES = ("Lilla", "Stora", "Norra", "Södra", "Östra", "Västra", "Gamla", "Nya", "Övre", "Nedre")
ADDRESS = re.compile(
    r"\b(?:(?:"
    + "|".join(STREET_PREFIXES)
    + r")\s)?[A-ZÅÄÖ][\wåäöé-]+?(?:"
    + "|".join(sorted(set(STREET_SUFFIXES), key=len, reverse=True))
    + r")\s+\d{1,4}(?:\s?[A-Za-z]\b)?(?:,?\s*(?i:lgh|lägenhet|lägenhetsnummer)\.?\s*\d{1,5})?"
)
# A postal code with its town: "123 45 Exempelby".
POSTAL = re.compile(r"\b\d{3}\s?\d{2}\s+[A-ZÅÄÖ][\wåäöé-]+")
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{6}|\d{1,2}/\d{1,2}(?:[-/ ]\d{2,4})?|\d{1,2}(?::e|:a)?\s+(?:"
    + "|".join(MONTHS)
    + r")(?:\s+\d{4})?|\d{4})"
)
# A date after "född", "f.", "födelsedatum", "född den", "born": a date of birth.
BIRTH_DATE = re.compile(
    r"\b(född(?:\s+den)?|f\.|födelsedatum:?|födelsedag:?|born(?:\s+on)?)\s*(" + _DATE + r")\b", re.IGNORECASE
)
MIN_NAME_PART = 2
# The longest anonymised summary and decision a compilation shows (``reporting.selectors.reviews``);
# the SAS's edited text may be up to twice as long (``cases.services.summaries``).
SUMMARY_LIMIT = 400
DECISION_LIMIT = 200


def names_on(report):
    """Every name the case knows of: the persons concerned, the submitter, reporter, handler."""
    names = [person.name for person in report.persons.all()]
    names.append(report.submitter_name)
    for user in (report.reporter, report.handler):
        if user is not None:
            names.extend([user.first_name, user.last_name, user.username])
    return names


# Cheap tests that let ``redact`` skip a pattern that cannot match (most texts have no
# e-mail address, no street address, no date of birth).
BIRTH_WORDS = re.compile(r"född|f\.|födelse|born", re.IGNORECASE)
STREET_WORDS = re.compile(r"(?:" + "|".join(sorted(set(STREET_SUFFIXES), key=len, reverse=True)) + r")\s+\d")
DIGIT = re.compile(r"\d")


def redact(text, names=()):
    if not text:
        return ""
    if "@" in text:
        text = EMAIL.sub(_("[e-mail]"), text)
    if DIGIT.search(text):
        if BIRTH_WORDS.search(text):
            text = BIRTH_DATE.sub(lambda m: f"{m.group(1)} {_('[date of birth]')}", text)
        text = PERSONNUMMER.sub(_("[personal identity number]"), text)
        text = PHONE.sub(_("[phone]"), text)
        if STREET_WORDS.search(text):
            text = ADDRESS.sub(_("[address]"), text)
        text = POSTAL.sub(_("[address]"), text)
    parts = sorted(
        {part for name in names if name for part in re.split(r"[\s,]+", name) if len(part) >= MIN_NAME_PART},
        key=len,
        reverse=True,
    )
    if parts:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in parts) + r")(?:s)?\b", re.IGNORECASE)
        text = pattern.sub(_("[name]"), text)
    return text


# Common Swedish words that may start a sentence or appear capitalised, the trade's words,
# months, weekdays and units. Lower case; a capitalised word is compared in lower case.
ALLOWED_WORDS = frozenset(
    """
alla allt alltid allvarlig allvarliga allvarligt andra annan annat anhörig anhöriga anhörige ansvarig ansvariga
arbete arbetet assistent assistenten assistenter att av avdelning avdelningen avvikelse avvikelsen avvikelser
bedömning bedömningen bedömdes beslut beslutet beslutade besök besöket biståndshandläggare biståndshandläggaren
boende boendet boendestödjare boendestödjaren bristen brister bristerna brukare brukaren brukarens brukarna
både dag dagen dagar de dem den denna dessa det detta dock dokumentation dokumentationen du där därefter därför
efter eftersom ej eller en enhet enheten enhetschef enhetschefen enligt ett even fanns fel felet flera fler
förvaltning förvaltningen fick från följande före förra försummelse genom gick gjorde har hade han hans hem
hemmet hemtjänst hemtjänsten hen hennes hens hon hur händelse händelsen i ibland icke ingen inget inte insats
insatsen insatser inom information informerades istället ivo jag journal journalen kan klagomål klagomålet
kl kom kommun kommunen kontakt kontaktperson kontaktpersonen kunde kvinna kvinnan kväll kvällen läkemedel
läkemedlet larm larmet lex liknande man mannen med medan medarbetare medarbetaren medarbetarna men mer mot
morgon morgonen måste natt natten nattpersonal nattpersonalen när nämnd nämnden någon något några nu och
också om omsorg omsorgen orsak orsaken orsaker på personal personalen personalens risk risken rutin rutinen
rutiner rutinerna samma samt sedan sjuksköterska sjuksköterskan situationen sju skulle slutsats slutsatsen
socialnämnd socialnämnden socialtjänst socialtjänsten som under undersköterska undersköterskan utredning
utredningen utredningens vad var vara varit vid vilket vilka vi vård vården vårdtagare vårdtagaren åtgärd
åtgärden åtgärder åtgärderna åtgärdades även över ingen inga boendets verksamhet verksamheten verksamhetens
anmälan anmälan anmäldes bedöms bedömer beslutades dagverksamhet daglig dagliga gruppbostad gruppbostaden
korttidsboende korttidsboendet särskilt särskilda äldreboende äldreboendet vårdboende vårdboendet
servicebostad servicebostaden stödboende familjehem familjehemmet hvb-hemmet hemmet barn barnet barnen
ungdom ungdomen vårdnadshavare vårdnadshavaren god gode man förvaltare ställföreträdare legitimerad
fysiskt psykiskt sexuellt våld övergrepp ekonomiska oegentligheter bemötande handläggning verkställighet annan
form missförhållande missförhållandet påtaglig påtagliga ärendet ärende vidtagna vidtogs planerade planeras
genomförd genomfördes pågående ej påbörjad utbildning utbildningen kompetens handledning handledningen
ny nya nytt ytterligare första andra tredje sista senare tidigare redan därmed dessutom slutligen vidare
måndag tisdag onsdag torsdag fredag lördag söndag januari februari mars april maj juni juli augusti
september oktober november december jul julafton midsommar midsommarafton påsk nyår nyårsafton
mg ml kg g l st kr sek tim min h km m cm mm procent personnummer samordningsnummer
dotter dottern döttrar son sonen söner make maken maka makan fru frun man mannen sambo sambon mamma
mamman pappa pappan mor modern far fadern bror brodern syster systern barnbarn granne grannen grannar
utredare utredaren chef chefen rapportör rapportören anmälare anmälaren samordnare samordnaren
kollega kollegan kollegor vikarie vikarien vikarier handläggare handläggaren kund kunden patient patienten
boenden boendes gäst gästen elev eleven deltagare deltagaren klient klienten ingen ingenting alla både varken vare sig kl klockan ca cirka bl bland annat bla t ex dvs mfl osv
""".split()
)

ACRONYMS = frozenset(
    """
IVO IMY SAS MAS MAR LSS SoL HSL HVB SiS OSL GDPR KL LVU LVM SOSFS HSLF-FS SKR BBIC IBIC SoF PuA DSO ÄO IFO
AB HB LOV LOU PDF SMS SFS LVM LPT BUP SFB RFID ID NPÖ
""".split()
)

PROTECTED_PHRASES = re.compile(r"\blex\s+(?:Sarah|Maria)\b", re.IGNORECASE)
TOKEN = re.compile(r"\[[^\]]*\]|\blex\s+(?:Sarah|Maria)\b|[^\W\d_]+(?:[-'][^\W\d_]+)*", re.IGNORECASE)
SENTENCE_ENDS = ".!?:;…\n"
OPENING = "\"'”»(–-"


def _sentence_start(text, position):
    """Whether the word at ``position`` starts the text or a sentence (after . ! ? : ; …,
    white space and opening quotes or brackets)."""
    i = position - 1
    while i >= 0 and (text[i].isspace() or text[i] in OPENING):
        if text[i] == "\n":
            return True
        i -= 1
    return i < 0 or text[i] in SENTENCE_ENDS


def _allowed(allow):
    allow = tuple(str(phrase) for phrase in allow)
    if allow not in _ALLOWED_CACHE:
        if len(_ALLOWED_CACHE) > 256:
            _ALLOWED_CACHE.clear()
        _ALLOWED_CACHE[allow] = ALLOWED_WORDS | {w.lower() for phrase in allow for w in TOKEN.findall(phrase)}
    return _ALLOWED_CACHE[allow]


_ALLOWED_CACHE: dict[frozenset[str], frozenset[str]] = {}


def anonymise(text, names=(), *, allow=(), limit=None):
    """``redact``, then every capitalised word that is not known to be a word: see the module.

    With ``limit``, only about the first ``limit`` characters are looked at (the text is cut
    at a space with a margin first, and ``shorten``-ed to ``limit`` after), so that a long
    investigation summary costs no more than the short one shown."""
    if limit is not None and text and len(text) > limit * 3 // 2:
        text = text[: limit * 3 // 2].rsplit(" ", 1)[0]
    text = redact(text, names)
    if not text:
        return ""
    allowed = _allowed(allow)
    lower_words = {m.group(0) for m in TOKEN.finditer(text) if m.group(0).islower()}
    placeholder = _("[name]")

    def replace(match):
        word = match.group(0)
        if word.startswith("[") or PROTECTED_PHRASES.fullmatch(word) or not word[0].isupper():
            return word
        if word in ACRONYMS or word.lower() in allowed:
            return word
        if _sentence_start(text, match.start()) and word.lower() in lower_words:
            return word
        return placeholder

    text = TOKEN.sub(replace, text)
    # "[name] [name]" (a first and a last name) is one name.
    repeated = re.compile(r"(?:" + re.escape(placeholder) + r"\s+)+" + re.escape(placeholder))
    text = repeated.sub(placeholder, text)
    return shorten(text, limit) if limit is not None else text


def shorten(text, limit=400):
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"
