"""One case as a PDF for the file (akten): everything the case page shows its reader, without
the steps and forms, drawn with reportlab as the regulator documents are
(``reporting.services.documents.render_pdf``). Every value is a label in the reader's
language, every date in its format; a protected identity stays masked for whoever may not
see it (``cases.selectors.report_persons``)."""

import io
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases.templatetags.ui import state_label, type_label


def _when(value, fmt="SHORT_DATETIME_FORMAT"):
    if not value:
        return "–"
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return formats.date_format(value, fmt)


def _day(value):
    return _when(value, "SHORT_DATE_FORMAT")


def sections(context):
    """[(heading, [(label, text), …] or [text, …]), …] of the case page's context."""
    report = context["report"]
    facts = [
        (_("Type"), str(type_label(report.type))),
        (_("State"), str(state_label(report))),
        (_("Unit"), report.unit.name),
        (
            _("Reported"),
            _when(report.reported_at) + (f", {report.reporter.display_name}" if report.reporter else ""),
        ),
    ]
    if report.occurred_at:
        facts.append((_("Happened"), _when(report.occurred_at)))
    if report.discovered_at:
        facts.append((_("Discovered"), _when(report.discovered_at)))
    if report.handler:
        facts.append((_("Handler"), report.handler.display_name))
    if report.closed_at:
        facts.append((_("Closed"), _when(report.closed_at)))
    out = [(_("The case"), facts), (_("Description"), [report.description])]
    if report.immediate_measures:
        out.append((_("Immediate measures"), [report.immediate_measures]))
    clocks = [
        (
            str(c["name"]),
            _("due %(due)s") % {"due": _when(c["due_at"])}
            + (", " + _("done %(at)s") % {"at": _when(c["stopped_at"])} if c["stopped_at"] else ""),
        )
        for c in context["clocks"]
    ]
    if clocks:
        out.append((_("Deadlines"), clocks))
    persons = []
    for person in context["persons"]:
        if getattr(person, "masked", False):
            who = _("Protected identity")
        else:
            who = ", ".join(p for p in (person.name, person.personnummer) if p) or "–"
        persons.append((who, person.role or "–"))
    if persons:
        out.append((_("Persons"), persons))
    entries = [
        (
            f"{_day(e.entry_date)} {e.topic.name if e.topic_id else ''}".strip(),
            f"{e.text} ({e.get_nature_display()}; {e.source}; {e.author_name})",
        )
        for e in context["entries"]
    ]
    if entries:
        out.append((_("Investigation"), entries))
    if report.risk_score:
        band = f" – {report.risk_band.name}" if report.risk_band_id else ""
        out.append(
            (
                _("Risk"),
                [
                    (
                        _("Probability × severity"),
                        f"{report.probability} × {report.severity} = {report.risk_score}{band}",
                    )
                ],
            )
        )
    causes = [c.description for c in context["causes"]]
    if causes:
        out.append((_("Causes"), causes))
    actions = [
        (
            a.description,
            f"{a.get_kind_display()}; {a.get_status_display()}; "
            + _("due %(due)s") % {"due": _day(a.due_date)}
            + (f"; {a.owner.display_name}" if a.owner_id else "")
            + (f"; {a.effect_follow_up}" if a.effect_follow_up else ""),
        )
        for a in context["actions"]
    ]
    if actions:
        out.append((_("Actions"), actions))
    links = [
        (
            link["report"].case_number,
            (_("Linked to") if link["direction"] == "to" else _("Linked from"))
            + (f": {link['reason']}" if link["reason"] else ""),
        )
        for link in context["links"]
    ]
    if links:
        out.append((_("Linked cases"), links))
    notifications = []
    for n in context["notifications"]:
        line = _("decided %(at)s") % {"at": _when(n.decided_at)}
        if n.submitted_at:
            line += ", " + _("submitted %(at)s") % {"at": _when(n.submitted_at)}
        if n.regulator_case_number:
            line += f" ({n.regulator_case_number})"
        notifications.append((f"{n.get_regulator_display()}: {n.state_label}", line))
        for d in getattr(n, "frozen", []):
            notifications.append(
                (
                    f"{d.get_kind_display()} {_when(d.frozen_at)}",
                    f"SHA-256 PDF {d.pdf_sha256}, JSON {d.json_sha256}",
                )
            )
    if notifications:
        out.append((_("Notification to the regulator"), notifications))
    decision = []
    if report.decision:
        decision.append((_when(report.decided_at) if report.decided_at else _("Decision"), report.decision))
    for d in context["delegation_decisions"]:
        decision.append(
            (
                f"{d.get_kind_display()} {_when(d.decided_at)}",
                f"{d.summary} ({d.delegate_name}"
                + (f", {d.legal_reference.citation}" if d.legal_reference_id else "")
                + ")",
            )
        )
    if decision:
        out.append((_("Decision"), decision))
    messages = [
        (f"{_when(m.created_at)} {m.author.display_name if m.author_id else ''}".strip(), m.text)
        for m in context["conversation"]
    ]
    if messages:
        out.append((_("Messages"), messages))
    if context.get("timeline"):
        out.append(
            (
                _("History"),
                [(_when(e["at"]), f"{e['label']} – {e['who'] or ''}") for e in context["timeline"]],
            )
        )
    return out


def case_pdf(context):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    def para(text, style):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles[style])

    styles = getSampleStyleSheet()
    report = context["report"]
    out = io.BytesIO()
    title = f"{report.case_number} – {type_label(report.type)}"
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, invariant=1)
    story = [
        para(title, "Title"),
        para(_("Printed %(at)s") % {"at": _when(timezone.now())}, "Italic"),
    ]
    for heading, rows in sections(context):
        story.append(para(heading, "Heading3"))
        if rows and isinstance(rows[0], tuple):
            table = Table(
                [[para(label, "BodyText"), para(value, "BodyText")] for label, value in rows],
                colWidths=[130, 340],
            )
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                    ]
                )
            )
            story.append(table)
        else:
            story += [para(text, "BodyText") for text in rows]
        story.append(Spacer(1, 6))
    doc.build(story)
    return out.getvalue()
