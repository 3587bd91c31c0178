"""The register of delegation decisions as a PDF for the board's meeting (reportlab, as the
compilations' PDF): one row per decision, with whether and when it was reported."""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reporting.services.exports import _escape


def row_values(decision):
    """What one decision shows, the same on the page and in the PDF."""
    return [
        decision.report.case_number,
        decision.get_kind_display(),
        formats.date_format(timezone.localtime(decision.decided_at), "SHORT_DATE_FORMAT"),
        ", ".join(v for v in (decision.delegate_name, decision.delegate_title) if v),
        decision.legal_reference.citation,
        decision.summary,
        formats.date_format(decision.reported_to_board_on, "SHORT_DATE_FORMAT")
        if decision.reported_to_board_on
        else _("Not yet"),
    ]


def columns():
    return [
        _("Case"),
        _("Decision"),
        _("Decided"),
        _("Delegate"),
        _("Legal basis"),
        _("What was decided"),
        _("Reported to the board"),
    ]


def to_pdf(decisions, *, title, subtitle):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=str(title),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        invariant=1,
    )
    story = [
        Paragraph(_escape(title), styles["Title"]),
        Paragraph(_escape(subtitle), styles["BodyText"]),
        Spacer(1, 0.4 * cm),
    ]
    rows = [row_values(d) for d in decisions]
    if not rows:
        story.append(Paragraph(_escape(_("No delegation decisions in the period.")), styles["BodyText"]))
    else:
        data = [[Paragraph(_escape(c), small) for c in columns()]]
        data += [[Paragraph(_escape(v), small) for v in row] for row in rows]
        grid = Table(
            data,
            repeatRows=1,
            hAlign="LEFT",
            colWidths=[3 * cm, 3 * cm, 2.2 * cm, 4 * cm, 4 * cm, 7 * cm, 3 * cm],
        )
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(grid)
    doc.build(story)
    return out.getvalue()
