"""A minimal archival information package of one case, made before its content is disposed of.

Shaped after E-ARK CSIP/SIP 2.1 (Riksarkivet's FGS Paketstruktur 2.0): a zip holding one folder
named after the package's OBJID with

- ``METS.xml``: the manifest; every other file is listed in its ``fileSec`` (or referenced from
  its ``dmdSec``/``amdSec``) with its size and SHA-256;
- ``metadata/descriptive/case.xml``: the case as a record of this application's own schema
  (``urn:kvalitetsarenden:case:1``): number, type, board, unit, dates, state, classification,
  the list of documents, the persons as references (their number and role, no names);
- ``metadata/preservation/premis.xml``: PREMIS 3 objects with their fixity, and the packaging event;
- ``representations/rep1/data/``: the case rendered to PDF, its attachments as uploaded, the
  documents sent to regulators (JSON and PDF, as frozen, with their SHA-256), and the case's
  audit extract (JSON).

plus ``documentation/package.txt`` and ``schemas/case.xsd``. The tests validate it with
eark-validator (tests/records/eark.py) and ``case.xml`` against ``schemas/case.xsd``. What it is
not (docs/archive.md): a CITS ERMS record, or PDF/A.
"""

import datetime
import hashlib
import io
import json
import uuid
import zipfile
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils import timezone

from cases.models import AffectedPerson, Attachment, AuditEvent, Report
from reporting.models.compilations import RegulatorDocument

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
PREMIS = "http://www.loc.gov/premis/v3"
CASE = "urn:kvalitetsarenden:case:1"
for prefix, uri in (
    ("mets", METS),
    ("xlink", XLINK),
    ("csip", CSIP),
    ("sip", SIP),
    ("premis", PREMIS),
    ("case", CASE),
):
    ET.register_namespace(prefix, uri)

SOFTWARE = "kvalitetsarenden"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "case.xsd"
DOCUMENTATION = """This package holds one case of {board}, {case_number}, made before the case's content
was disposed of under the board's retention rule (gallring).

METS.xml                          the manifest (E-ARK CSIP/SIP 2.1), every file with its SHA-256
metadata/descriptive/case.xml     the case record (schemas/case.xsd; docs/archive.md maps it to CITS ERMS)
metadata/preservation/premis.xml  PREMIS 3: the files' fixity and the packaging event
representations/rep1/data/        the case as PDF, its attachments, the documents sent to regulators,
                                  the case's audit extract
schemas/case.xsd                  the schema of case.xml

Persons appear as references (person-1, ...) with their role: no names, no personal identity numbers.
"""


def software_version():
    try:
        return metadata.version(SOFTWARE)
    except metadata.PackageNotFoundError:
        return "unknown"


def _q(ns, name):
    return f"{{{ns}}}{name}"


def _iso(moment):
    return moment.astimezone(datetime.UTC).isoformat() if moment else ""


def _xml(root):
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _sub(parent, ns, name, text=None, **attrs):
    element = ET.SubElement(parent, _q(ns, name), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = str(text)
    return element


def case_pdf(report):
    """The case's fields on paper (reportlab), in the order the case page shows them."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    story = [Paragraph(escape(f"{report.case_number} – {report.get_type_display()}"), styles["Title"])]
    for label, value in (
        ("Enhet", report.unit.name),
        ("Rapporterad", _iso(report.reported_at)),
        ("Avslutad", _iso(report.closed_at)),
        ("Läge", report.state),
        ("Beskrivning", report.description),
        ("Utredning", report.investigation_summary),
        ("Beslut", report.decision),
    ):
        story += [
            Paragraph(escape(label), styles["Heading3"]),
            Paragraph(escape(value or "–"), styles["BodyText"]),
        ]
    for entry in report.investigation_entries.order_by("pk"):
        story += [
            Spacer(1, 6),
            Paragraph(
                escape(f"{entry.entry_date} {entry.author_name} ({entry.get_nature_display()})"),
                styles["Heading4"],
            ),
            Paragraph(escape(entry.text), styles["BodyText"]),
        ]
    SimpleDocTemplate(buffer, pagesize=A4, title=report.case_number, author=SOFTWARE, invariant=1).build(
        story
    )
    return buffer.getvalue()


def _audit_extract(report):
    rows = AuditEvent.objects.filter(report_id=report.pk).order_by("chain", "seq")
    return json.dumps(
        [
            {
                "chain": e.chain,
                "seq": e.seq,
                "occurred_at": _iso(e.occurred_at),
                "actor": e.actor_name,
                "action": e.action,
                "hash": e.hash,
            }
            for e in rows
        ],
        ensure_ascii=False,
        indent=1,
    ).encode()


def _data_files(report):
    """``[(path inside rep1/data, bytes, mimetype)]``."""
    files = [("case.pdf", case_pdf(report), "application/pdf")]
    for index, attachment in enumerate(Attachment.objects.filter(report=report).order_by("pk"), start=1):
        with attachment.file.open("rb") as handle:
            files.append((f"attachments/{index:03d}", handle.read(), attachment.content_type))
    for document in RegulatorDocument.objects.filter(notification__report=report).order_by("pk"):
        stem = f"regulator/{document.notification.regulator}-{document.pk}"
        files.append((f"{stem}.json", bytes(document.json_bytes), "application/json"))
        files.append((f"{stem}.pdf", bytes(document.pdf_bytes), "application/pdf"))
    files.append(("audit-extract.json", _audit_extract(report), "application/json"))
    return files


def _case_record(report, files):
    root = ET.Element(_q(CASE, "case"))
    for name, value in (
        ("caseNumber", report.case_number),
        ("type", report.type),
        ("board", report.namnd.name),
        ("unit", report.unit.name),
        ("reportedAt", _iso(report.reported_at)),
        ("occurredAt", _iso(report.occurred_at)),
        ("closedAt", _iso(report.closed_at)),
        ("state", report.state),
    ):
        _sub(root, CASE, name, value)
    classification = _sub(root, CASE, "classification")
    for term in report.categories.all():
        _sub(classification, CASE, "category", term.name, code=term.code)
    parties = _sub(root, CASE, "parties")
    for index, person in enumerate(AffectedPerson.objects.filter(report=report).order_by("pk"), start=1):
        _sub(parties, CASE, "person", ref=f"person-{index}", role=person.role or "")
    documents = _sub(root, CASE, "documents")
    for path, content, mimetype in files:
        _sub(
            documents,
            CASE,
            "document",
            href=f"representations/rep1/data/{path}",
            mimetype=mimetype,
            sha256=hashlib.sha256(content).hexdigest(),
        )
    return _xml(root)


def _premis(files, objid, now):
    root = ET.Element(_q(PREMIS, "premis"), version="3.0")
    for path, content, mimetype in files:
        obj = _sub(root, PREMIS, "object")
        obj.set("{http://www.w3.org/2001/XMLSchema-instance}type", "premis:file")
        identifier = _sub(obj, PREMIS, "objectIdentifier")
        _sub(identifier, PREMIS, "objectIdentifierType", "local")
        _sub(identifier, PREMIS, "objectIdentifierValue", f"representations/rep1/data/{path}")
        characteristics = _sub(obj, PREMIS, "objectCharacteristics")
        fixity = _sub(characteristics, PREMIS, "fixity")
        _sub(fixity, PREMIS, "messageDigestAlgorithm", "SHA-256")
        _sub(fixity, PREMIS, "messageDigest", hashlib.sha256(content).hexdigest())
        _sub(characteristics, PREMIS, "size", len(content))
        fmt = _sub(_sub(characteristics, PREMIS, "format"), PREMIS, "formatDesignation")
        _sub(fmt, PREMIS, "formatName", mimetype)
    event = _sub(root, PREMIS, "event")
    event_id = _sub(event, PREMIS, "eventIdentifier")
    _sub(event_id, PREMIS, "eventIdentifierType", "local")
    _sub(event_id, PREMIS, "eventIdentifierValue", f"{objid}-packaging")
    _sub(event, PREMIS, "eventType", "creation")
    _sub(event, PREMIS, "eventDateTime", _iso(now))
    agent = _sub(root, PREMIS, "agent")
    agent_id = _sub(agent, PREMIS, "agentIdentifier")
    _sub(agent_id, PREMIS, "agentIdentifierType", "local")
    _sub(agent_id, PREMIS, "agentIdentifierValue", SOFTWARE)
    _sub(agent, PREMIS, "agentType", "software")
    return _xml(root)


def _file_attrs(file_id, content, mimetype, now):
    return {
        "ID": file_id,
        "MIMETYPE": mimetype,
        "SIZE": len(content),
        "CREATED": _iso(now),
        "CHECKSUM": hashlib.sha256(content).hexdigest(),
        "CHECKSUMTYPE": "SHA-256",
    }


def _mets(report, objid, now, descriptive, preservation, files, extra):
    root = ET.Element(
        _q(METS, "mets"),
        {
            "OBJID": objid,
            "LABEL": report.case_number,
            "TYPE": "Other",
            _q(CSIP, "OTHERTYPE"): "ERMS",
            "PROFILE": "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml",
            _q(CSIP, "CONTENTINFORMATIONTYPE"): "OTHER",
            _q(CSIP, "OTHERCONTENTINFORMATIONTYPE"): "kvalitetsarenden-case-1",
        },
    )
    header = _sub(root, METS, "metsHdr", CREATEDATE=_iso(now), RECORDSTATUS="NEW")
    header.set(_q(CSIP, "OAISPACKAGETYPE"), "SIP")
    agent = _sub(header, METS, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(agent, METS, "name", SOFTWARE)
    _sub(agent, METS, "note", software_version()).set(_q(CSIP, "NOTETYPE"), "SOFTWARE VERSION")
    # The board, with its organisation number. E-ARK SIP8–SIP14 make the submitting agent a
    # second CREATOR; eark-validator 1.1.3 holds every CREATOR agent to the software agent's
    # rules (CSIP12–CSIP16), so the board stands as ARCHIVIST (docs/archive.md, "Validation").
    submitter = _sub(header, METS, "agent", ROLE="ARCHIVIST", TYPE="ORGANIZATION")
    _sub(submitter, METS, "name", report.namnd.name)
    if report.namnd.organisation_number:
        _sub(submitter, METS, "note", report.namnd.organisation_number).set(
            _q(CSIP, "NOTETYPE"), "IDENTIFICATIONCODE"
        )
    dmd = _sub(root, METS, "dmdSec", ID="dmd-case", CREATED=_iso(now), STATUS="CURRENT")
    ref = _sub(
        dmd,
        METS,
        "mdRef",
        LOCTYPE="URL",
        MDTYPE="OTHER",
        OTHERMDTYPE="kvalitetsarenden-case-1",
        **{k: v for k, v in _file_attrs("x", descriptive, "text/xml", now).items() if k != "ID"},
    )
    ref.set(_q(XLINK, "type"), "simple")
    ref.set(_q(XLINK, "href"), "metadata/descriptive/case.xml")
    amd = _sub(root, METS, "amdSec")
    digiprov = _sub(amd, METS, "digiprovMD", ID="digiprov-premis", STATUS="CURRENT")
    ref = _sub(
        digiprov,
        METS,
        "mdRef",
        LOCTYPE="URL",
        MDTYPE="PREMIS",
        **{k: v for k, v in _file_attrs("x", preservation, "text/xml", now).items() if k != "ID"},
    )
    ref.set(_q(XLINK, "type"), "simple")
    ref.set(_q(XLINK, "href"), "metadata/preservation/premis.xml")
    file_sec = _sub(root, METS, "fileSec", ID="filesec")
    struct = _sub(root, METS, "structMap", ID="structmap-csip", TYPE="PHYSICAL", LABEL="CSIP")
    top = _sub(struct, METS, "div", ID="div-root", LABEL=objid)
    _sub(top, METS, "div", ID="div-metadata", LABEL="Metadata", DMDID="dmd-case", ADMID="digiprov-premis")
    # Every file group declares the content information type: eark-validator 1.1.3's CSIP63
    # refuses a group without it (the specification asks it of representations only).
    content_type = {
        _q(CSIP, "CONTENTINFORMATIONTYPE"): "OTHER",
        _q(CSIP, "OTHERCONTENTINFORMATIONTYPE"): "kvalitetsarenden-case-1",
    }
    groups = [
        ("documentation", "Documentation", content_type, extra["documentation"]),
        ("schemas", "Schemas", content_type, extra["schemas"]),
        (
            "rep1",
            "Representations",
            content_type,
            [(f"representations/rep1/data/{path}", content, mimetype) for path, content, mimetype in files],
        ),
    ]
    index = 0
    for group_id, label, attrs, group_files in groups:
        use = "Representations/rep1" if group_id == "rep1" else label
        group = _sub(file_sec, METS, "fileGrp", ID=f"grp-{group_id}", USE=use, **attrs)
        div = _sub(top, METS, "div", ID=f"div-{group_id}", LABEL=label)
        for path, content, mimetype in group_files:
            index += 1
            file_id = f"file-{index:04d}"
            element = _sub(group, METS, "file", **_file_attrs(file_id, content, mimetype, now))
            location = _sub(element, METS, "FLocat", LOCTYPE="URL")
            location.set(_q(XLINK, "type"), "simple")
            location.set(_q(XLINK, "href"), path)
            _sub(div, METS, "fptr", FILEID=file_id)
    return _xml(root)


def build_package(report, now=None):
    """``(objid, zip bytes)`` of the case as it is now."""
    now = now or timezone.now()
    report = Report.objects.select_related("unit", "namnd").get(pk=report.pk)
    objid = f"uuid-{uuid.uuid4()}"
    files = _data_files(report)
    descriptive = _case_record(report, files)
    preservation = _premis(files, objid, now)
    extra = {
        "documentation": [
            (
                "documentation/package.txt",
                DOCUMENTATION.format(board=report.namnd.name, case_number=report.case_number).encode(),
                "text/plain",
            )
        ],
        "schemas": [("schemas/case.xsd", SCHEMA.read_bytes(), "application/xml")],
    }
    manifest = _mets(report, objid, now, descriptive, preservation, files, extra)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{objid}/METS.xml", manifest)
        for path, content, _mimetype in extra["documentation"] + extra["schemas"]:
            archive.writestr(f"{objid}/{path}", content)
        archive.writestr(f"{objid}/metadata/descriptive/case.xml", descriptive)
        archive.writestr(f"{objid}/metadata/preservation/premis.xml", preservation)
        for path, content, _mimetype in files:
            archive.writestr(f"{objid}/representations/rep1/data/{path}", content)
    return objid, buffer.getvalue()


def verify_package(data):
    """The problems found in a package: each file of the manifest present, of its size and
    SHA-256, and no file that the manifest does not list. Empty when it verifies."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        manifests = [n for n in names if n.count("/") == 1 and n.endswith("/METS.xml")]
        if len(manifests) != 1:
            return ["the package has no single METS.xml at its root"]
        root_dir = manifests[0].rsplit("/", 1)[0]
        mets = ET.fromstring(archive.read(manifests[0]))
        listed = {manifests[0]}
        entries = [(ref, ref) for ref in mets.iter(_q(METS, "mdRef"))]
        entries += [(f, f.find(_q(METS, "FLocat"))) for f in mets.iter(_q(METS, "file"))]
        for holder, location in entries:
            href = location.get(_q(XLINK, "href"))
            path = f"{root_dir}/{href}"
            listed.add(path)
            if path not in names:
                problems.append(f"missing: {href}")
                continue
            content = archive.read(path)
            if hashlib.sha256(content).hexdigest() != holder.get("CHECKSUM"):
                problems.append(f"checksum differs: {href}")
            if str(len(content)) != holder.get("SIZE"):
                problems.append(f"size differs: {href}")
        problems += [f"not in the manifest: {n}" for n in sorted(names - listed)]
    return problems


def package_name(report, objid):
    return f"{settings.RECORDS_PACKAGE_DIR}/{report.namnd_id}/{objid}.zip"
