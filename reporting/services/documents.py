"""The document sent to a regulator, built from case data and minimised: what is sent
becomes a public document at the regulator, so it names no affected person, and free text
is stripped of names, personal identity numbers and contact details before it leaves.

IVO: the content of the lex Sarah blankett (SOSFS 2011:5 bilaga), with the investigation
(5 kap.) attached when it is finished; for lex Maria the anmälan of patientsäkerhetslagen
3 kap. 5 § (HSLF-FS 2017:41) with the investigation of 3 kap. 3 §. IMY: GDPR art. 33(3) and IMY's questions. The
structure is frozen, as JSON and as the PDF made from it, with their SHA-256 when the
notification (or a supplement) is recorded as sent (``freeze``).
"""

import hashlib
import io
import json

from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.forms import BreachAssessForm
from cases.models import (
    Action,
    DelegationDecision,
    InvestigationEntry,
    OrgUnit,
    Regulator,
    RegulatorNotification,
    Report,
    ReportType,
)
from lib.redaction import names_on, redact
from reporting.models import RegulatorDocument

FINISHED_STATES = ("decided", "closed")


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _contact(notification):
    user = notification.decided_by
    return {"name": user.display_name, "title": user.title, "email": user.email}


def _investigation(report, names):
    return [
        {
            "date": entry.entry_date.isoformat(),
            "topic": entry.topic.name if entry.topic_id else "",
            "source": redact(entry.source, names),
            "nature": entry.nature,
            "author_title": entry.author_title,
            "text": redact(entry.text, names),
        }
        for entry in report.investigation_entries.select_related("topic").order_by("entry_date", "id")
    ]


def _place(unit):
    """The unit's line in the organisation, from the municipality down ("Kommun › … › Enhet")."""
    ids = [int(pk) for pk in unit.path.strip("/").split("/")]
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return " › ".join(names[pk] for pk in ids if pk in names)


def _notifying_body(report):
    """ "Anmälan görs av": the board in the municipality, or the private provider (enskild
    verksamhet) with its organisation number."""
    board = report.namnd
    municipality = board.parent if board.parent_id else None
    if report.unit.is_private_provider:
        return {
            "kind": "enskild_verksamhet",
            "name": report.unit.name,
            "organisation_number": report.unit.organisation_number,
            "board_informed": board.name,
            "municipality": municipality.name if municipality else "",
        }
    return {
        "kind": "namnd",
        "name": board.name,
        "organisation_number": board.organisation_number
        or (municipality.organisation_number if municipality else ""),
        "municipality": municipality.name if municipality else "",
    }


def _decision_to_notify(report):
    decision = (
        report.delegation_decisions.filter(kind=DelegationDecision.Kind.NOTIFY_IVO)
        .select_related("legal_reference")
        .order_by("decided_at")
        .first()
    )
    if decision is None:
        return None
    return {
        "decided_at": _iso(decision.decided_at),
        "delegate_title": decision.delegate_title,
        "legal_basis": decision.legal_reference.citation,
    }


def _measures(report, names):
    """The measures taken (immediate, then the actions), each with its time, without names."""
    measures = []
    if report.immediate_measures:
        measures.append(
            {
                "kind": "immediate",
                "text": redact(report.immediate_measures, names),
                "taken_at": _iso(report.immediate_measures_at),
                "status": "done",
            }
        )
    for action in report.actions.order_by("created_at", "id"):
        measures.append(
            {
                "kind": action.kind,
                "text": redact(action.description, names),
                "taken_at": _iso(action.done_at),
                "due_date": action.due_date.isoformat(),
                "status": action.status,
            }
        )
    return measures


def _individual_informed(report):
    """Whether the individuals concerned (or their representatives) were informed: counts and
    dates only, no names (SOSFS 2011:5; legal.md §1.6)."""
    persons = report.persons.count()
    events = list(
        report.information_events.order_by("informed_at").values_list(
            "person_id", "informed_at", "journal_note_recorded"
        )
    )
    informed = {person_id for person_id, _at, _note in events}
    return {
        "informed": bool(persons) and len(informed) == persons,
        "persons_concerned": persons,
        "persons_informed": len(informed),
        "first_informed_at": _iso(events[0][1]) if events else None,
        "journal_note_recorded": any(note for _p, _at, note in events),
    }


def _ivo(report, notification):
    """The content of IVO's lex Sarah blankett (legal.md §1.5(c), §10). The blankett's exact
    field list, and that of IVO's e-service, is unverified (legal.md §11.4): these are the
    fields the blankett is known to have, plus the content legal.md lists."""
    names = names_on(report)
    finished = report.state in FINISHED_STATES
    return {
        "form": "IVO anmälan enligt lex Sarah",
        "recipient": "IVO, regional avdelning för den plats där verksamheten finns",
        "sender_case_number": report.case_number,
        "concerns": (
            "allvarligt_missforhallande"
            if report.lex_sarah_assessment == Report.LexSarahAssessment.MISSFORHALLANDE
            else "pataglig_risk_for_allvarligt_missforhallande"
        ),
        "notifying_body": _notifying_body(report),
        "where_and_when": {
            "unit": report.unit.name,
            "place": _place(report.unit),
            "private_provider": report.unit.is_private_provider,
            "occurred_at": _iso(report.occurred_at),
            "noticed_at": _iso(report.reported_at),
        },
        "contact": _contact(notification),
        "decision_to_notify": _decision_to_notify(report),
        "individuals_concerned": report.persons.count(),
        "categories": sorted(t.name for t in report.categories.all()),
        "description": redact(report.description, names),
        "immediate_measures": redact(report.immediate_measures, names),
        "measures": _measures(report, names),
        "individual_informed": _individual_informed(report),
        "investigation_finished": finished,
        "investigation_attached": finished,
        "investigation_to_follow": (
            None if finished else "Utredningen skickas när den är klar, senast två månader efter anmälan."
        ),
        "investigation_summary": redact(report.investigation_summary, names),
        "investigation": _investigation(report, names) if finished else [],
        "decision": redact(report.decision, names) if finished else "",
    }


def _swedish(label):
    """A label as IVO reads it, whatever the language of the person sending: the document
    is the same bytes whoever records it."""
    with translation.override("sv"):
        return str(label())


def _ivo_lex_maria(report, notification):
    """The content of IVO's lex Maria anmälan (patientsäkerhetslagen 3 kap. 5 §, HSLF-FS
    2017:41, legal.md §5): who notifies, where and when, what happened and its consequence for
    the patient (the injury as assessed), the measures, whether the patient was informed, and
    the investigation (3 kap. 3 §) with it when it is finished or to follow *snarast därefter*.
    The föreskrift's exact content list (6–8 §§) is unverified (legal.md §11.5): these are the
    fields the law and IVO's pages name. No patient is named; free text is redacted."""
    names = names_on(report)
    finished = report.state in FINISHED_STATES
    return {
        "form": "IVO anmälan enligt lex Maria",
        "recipient": "IVO, regional avdelning för den plats där händelsen inträffade",
        "legal_basis": "3 kap. 5 § patientsäkerhetslagen (2010:659); HSLF-FS 2017:41",
        "sender_case_number": report.case_number,
        "concerns": (
            "allvarlig_vardskada"
            if report.injury_assessment == Report.InjuryAssessment.SERIOUS
            else "risk_for_allvarlig_vardskada"
        ),
        "notifying_body": _notifying_body(report),
        "where_and_when": {
            "unit": report.unit.name,
            "place": _place(report.unit),
            "private_provider": report.unit.is_private_provider,
            "occurred_at": _iso(report.occurred_at),
            "noticed_at": _iso(report.reported_at),
        },
        "contact": _contact(notification),
        "decision_to_notify": _decision_to_notify(report),
        "patients_concerned": report.persons.count(),
        "categories": sorted(t.name for t in report.categories.all()),
        "description": redact(report.description, names),
        "injury": _swedish(report.get_injury_assessment_display) if report.injury_assessment else "",
        "risk": {"probability": report.probability, "severity": report.severity, "score": report.risk_score},
        "measures": _measures(report, names),
        "individual_informed": _individual_informed(report),
        "investigation_finished": finished,
        "investigation_attached": finished,
        "investigation_to_follow": (
            None
            if finished
            else "Utredningen skickas snarast när den är klar (3 kap. 5 § patientsäkerhetslagen)."
        ),
        "investigation_summary": redact(report.investigation_summary, names),
        "care_investigation": _investigation(report, names) if finished else [],
        "decision": redact(report.decision, names) if finished else "",
    }


def _imy(report, notification):
    names = names_on(report)
    return {
        "form": "IMY anmälan av personuppgiftsincident",
        "controller_case_number": report.case_number,
        "controller": report.namnd.name,
        "nature": report.breach_nature,
        "data_categories": sorted(t.name for t in report.data_categories.all()),
        "approx_subjects": report.approx_subjects,
        "approx_records": report.approx_records,
        "likely_consequences": redact(report.likely_consequences, names),
        "measures": redact(report.breach_measures, names),
        "risk": report.breach_risk,
        "occurred_at": _iso(report.occurred_at),
        "discovered_at": _iso(report.discovered_at),
        "ended_at": _iso(report.ended_at),
        "delay_reason": redact(notification.delay_reason, names),
        "data_subjects_informed": report.subjects_informed_at is not None,
        "data_subjects_informed_at": _iso(report.subjects_informed_at),
        "data_subjects_not_informed_reason": redact(report.subjects_not_informed_reason, names),
        "contact": _contact(notification),
    }


# The document of each (type, regulator): a new notified type adds its builder here.
BUILDERS = {
    (ReportType.LEX_SARAH, Regulator.IVO): _ivo,
    (ReportType.LEX_MARIA, Regulator.IVO): _ivo_lex_maria,
    (ReportType.DATA_BREACH, Regulator.IMY): _imy,
}


def regulator_document(report, regulator, *, notification):
    return BUILDERS[(report.type, regulator)](report, notification)


def supplement_document(notification, supplement):
    report = notification.report
    return {
        "form": "Komplettering",
        "regulator": notification.regulator,
        "sender_case_number": report.case_number,
        "regulator_case_number": notification.regulator_case_number,
        "sent_at": _iso(supplement.sent_at),
        "text": redact(supplement.text, names_on(report)),
    }


def json_bytes(document):
    """The canonical bytes: what ``RegulatorNotification.digest`` hashes."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False).encode()


LABELS = {
    "form": gettext_lazy("Form"),
    "sender_case_number": gettext_lazy("Sender's case number"),
    "controller_case_number": gettext_lazy("Controller's case number"),
    "regulator_case_number": gettext_lazy("The regulator's case number"),
    "concerns": gettext_lazy("The notification concerns"),
    "notifying_body": gettext_lazy("Notified by"),
    "recipient": gettext_lazy("To"),
    "decision_to_notify": gettext_lazy("Decision to notify"),
    "individual_informed": gettext_lazy("The individual or their representative has been informed"),
    "investigation_attached": gettext_lazy("The investigation is attached"),
    "investigation_to_follow": gettext_lazy("The investigation to follow"),
    "controller": gettext_lazy("Controller"),
    "where_and_when": gettext_lazy("Where and when"),
    "contact": gettext_lazy("Contact"),
    "individuals_concerned": gettext_lazy("Number of individuals concerned"),
    "description": gettext_lazy("Description"),
    "immediate_measures": gettext_lazy("Immediate measures"),
    "investigation_finished": gettext_lazy("The investigation is finished"),
    "investigation_summary": gettext_lazy("Summary of the investigation"),
    "investigation": gettext_lazy("The investigation (SOSFS 2011:5 5 kap.)"),
    "care_investigation": gettext_lazy("The investigation (patientsäkerhetslagen 3 kap. 3 §)"),
    "legal_basis": gettext_lazy("Legal basis"),
    "patients_concerned": gettext_lazy("Number of patients concerned"),
    "injury": gettext_lazy("Health-care injury (vårdskada)"),
    "decision": gettext_lazy("Decision"),
    "categories": gettext_lazy("Categories"),
    "nature": gettext_lazy("Nature of the breach"),
    "data_categories": gettext_lazy("Categories of personal data"),
    "approx_subjects": gettext_lazy("Approximate number of persons"),
    "approx_records": gettext_lazy("Approximate number of records"),
    "likely_consequences": gettext_lazy("Likely consequences"),
    "measures": gettext_lazy("Measures taken or proposed"),
    "risk": gettext_lazy("Risk"),
    "occurred_at": gettext_lazy("Occurred at"),
    "discovered_at": gettext_lazy("Discovered at"),
    "ended_at": gettext_lazy("Ended at"),
    "delay_reason": gettext_lazy("Reason for the delay"),
    "data_subjects_informed": gettext_lazy("The data subjects have been informed"),
    "data_subjects_informed_at": gettext_lazy("Data subjects informed at"),
    "data_subjects_not_informed_reason": gettext_lazy("Why the data subjects are not informed"),
    "regulator": gettext_lazy("Regulator"),
    "sent_at": gettext_lazy("Sent at"),
    "text": gettext_lazy("Text"),
}

# The keys inside the blocks (dicts) of a document.
SUB_LABELS = {
    "occurred_at": gettext_lazy("Occurred at"),
    "text": gettext_lazy("Text"),
    "kind": gettext_lazy("Kind"),
    "name": gettext_lazy("Name"),
    "organisation_number": gettext_lazy("Organisation number"),
    "municipality": gettext_lazy("Municipality"),
    "board_informed": gettext_lazy("Board informed"),
    "unit": gettext_lazy("Unit"),
    "place": gettext_lazy("Place in the organisation"),
    "private_provider": gettext_lazy("Private provider (enskild verksamhet)"),
    "noticed_at": gettext_lazy("Noticed at"),
    "title": gettext_lazy("Title"),
    "email": gettext_lazy("E-mail"),
    "decided_at": gettext_lazy("Decided at"),
    "delegate_title": gettext_lazy("Delegate's title"),
    "legal_basis": gettext_lazy("Legal basis"),
    "taken_at": gettext_lazy("Taken at"),
    "due_date": gettext_lazy("Due date"),
    "status": gettext_lazy("Status"),
    "informed": gettext_lazy("Informed"),
    "persons_concerned": gettext_lazy("Persons concerned"),
    "persons_informed": gettext_lazy("Persons informed"),
    "first_informed_at": gettext_lazy("First informed at"),
    "journal_note_recorded": gettext_lazy("Journal note recorded"),
    "date": gettext_lazy("Date"),
    "topic": gettext_lazy("Topic"),
    "source": gettext_lazy("Source"),
    "nature": gettext_lazy("Fact or assessment"),
    "author_title": gettext_lazy("Author's title"),
    "probability": gettext_lazy("Probability"),
    "severity": gettext_lazy("Severity"),
    "score": gettext_lazy("Risk score"),
}


def _value_labels():
    """The codes the documents keep (the JSON is for machines and is hashed as it is) with the
    words the PDF prints for them, in the language it is rendered in."""
    choices = [
        Action.Kind.choices,
        Action.Status.choices,
        DelegationDecision.Kind.choices,
        InvestigationEntry.Nature.choices,
        OrgUnit.Kind.choices,
        Regulator.choices,
        RegulatorNotification.Channel.choices,
        Report.BreachRisk.choices,
        BreachAssessForm.NATURE,
        [
            ("allvarligt_missforhallande", gettext_lazy("A serious missförhållande")),
            (
                "pataglig_risk_for_allvarligt_missforhallande",
                gettext_lazy("A real risk of a serious missförhållande"),
            ),
            ("enskild_verksamhet", gettext_lazy("Private provider (enskild verksamhet)")),
        ],
    ]
    return {str(value): label for pairs in choices for value, label in pairs}


def _moment(text):
    """A time or a date as the JSON writes it (ISO 8601), in the local format; else None."""
    if len(text) == 10:
        day = parse_date(text) if text[4:5] == "-" else None
        return date_format(day, "SHORT_DATE_FORMAT") if day else None
    moment = parse_datetime(text) if "T" in text[:11] else None
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else None


def _flatten(value, labels=None):
    labels = _value_labels() if labels is None else labels
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return "; ".join(f"{SUB_LABELS.get(k, k)}: {_flatten(v, labels)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_flatten(v, labels) for v in value) or "–"
    if isinstance(value, str):
        if value in labels:
            return str(labels[value])
        return _moment(value) or value
    return str(value)


def render_pdf(document):
    """The document as a PDF: every field with its label, in the document's order."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    labels = _value_labels()
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=str(document.get("form", "")), invariant=1)
    story = [Paragraph(escape(str(document.get("form", ""))), styles["Title"])]
    for key, value in document.items():
        if key == "form":
            continue
        story.append(Paragraph(escape(str(LABELS.get(key, key))), styles["Heading4"]))
        text = escape(_flatten(value, labels)).replace("\n", "<br/>")
        story.append(Paragraph(text, styles["BodyText"]))
        story.append(Spacer(1, 4))
    doc.build(story)
    return out.getvalue()


def freeze(notification, *, acting_user, document, supplement=None):
    """Keep the exact bytes sent, as JSON and PDF, with their SHA-256. Called by the service
    that records the sending, inside its transaction."""
    raw = json_bytes(document)
    pdf = render_pdf(document)
    return RegulatorDocument.objects.create(
        notification=notification,
        supplement=supplement,
        kind=RegulatorDocument.Kind.SUPPLEMENT if supplement else RegulatorDocument.Kind.NOTIFICATION,
        regulator_case_number=notification.regulator_case_number,
        json_bytes=raw,
        json_sha256=hashlib.sha256(raw).hexdigest(),
        pdf_bytes=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        frozen_at=timezone.now(),
        frozen_by=acting_user,
    )
