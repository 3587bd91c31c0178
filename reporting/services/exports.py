"""A compilation as CSV, XLSX, PDF or DOCX: every table with its title, headings, rows and
footnotes. Hidden cells show as ``*``, explained in the table's footnote."""

import csv
import io

from django.utils.translation import gettext as _

from lib.table import csv_delimiter

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# A share is stored as per cent (1.6, not 0.016): the sign is text in the number format.
PERCENT_FORMAT = '0.0" %"'


def _header_lines(compilation):
    return [str(compilation.title), str(compilation.subtitle)]


def to_csv(compilation):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=csv_delimiter())
    for line in _header_lines(compilation):
        writer.writerow([line])
    for heading, paragraphs in compilation.before:
        writer.writerows([[], [str(heading)], *[[str(p)] for p in paragraphs]])
    for table in compilation.tables:
        writer.writerow([])
        writer.writerow([str(table.title)])
        writer.writerow([str(c) for c in table.columns])
        # No thousand separator, so that a spreadsheet reads the counts back as numbers.
        writer.writerows(table.display_rows(grouping=False))
        for note in table.footnotes:
            writer.writerow([str(note)])
    for heading, paragraphs in compilation.after:
        writer.writerows([[], [str(heading)], *[[str(p)] for p in paragraphs]])
    # A byte-order mark so that spreadsheet programs read Swedish letters right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(compilation):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Compilation")[:31]
    for line in _header_lines(compilation):
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    for heading, paragraphs in compilation.before:
        sheet.append([])
        sheet.append([str(heading)])
        for paragraph in paragraphs:
            sheet.append([str(paragraph)])
    for table in compilation.tables:
        sheet.append([])
        sheet.append([str(table.title)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append([str(c) for c in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for r in range(len(table.rows)):
            sheet.append([_cell(table, r, c) for c in range(len(table.columns))])
            for c in table.percent:
                # The share stays a number; the spreadsheet writes it in the reader's locale.
                sheet.cell(row=sheet.max_row, column=c + 1).number_format = PERCENT_FORMAT
        for note in table.footnotes:
            sheet.append([str(note)])
    for heading, paragraphs in compilation.after:
        sheet.append([])
        sheet.append([str(heading)])
        for paragraph in paragraphs:
            sheet.append([str(paragraph)])
    sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(table, r, c):
    """Numbers stay numbers in a spreadsheet; hidden cells and labels are text."""
    value = table.rows[r][c]
    if (r, c) not in table.suppressed and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return table.display(r, c)


def to_pdf(compilation):
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
        title=str(compilation.title),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        invariant=1,
    )
    story = [
        Paragraph(_escape(compilation.title), styles["Title"]),
        Paragraph(_escape(compilation.subtitle), styles["BodyText"]),
        Spacer(1, 0.4 * cm),
    ]

    def sections(parts):
        for heading, paragraphs in parts:
            story.append(Paragraph(_escape(heading), styles["Heading2"]))
            story.extend(Paragraph(_escape(p), styles["BodyText"]) for p in paragraphs)
            story.append(Spacer(1, 0.3 * cm))

    sections(compilation.before)
    for table in compilation.tables:
        story.append(Paragraph(_escape(table.title), styles["Heading2"]))
        data = [[Paragraph(_escape(c), small) for c in table.columns]]
        data += [[Paragraph(_escape(v), small) for v in row] for row in table.display_rows()]
        if not table.rows:
            story.append(Paragraph(_escape(_("Nothing in the period.")), styles["BodyText"]))
        else:
            grid = Table(data, repeatRows=1, hAlign="LEFT")
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
        for note in table.footnotes:
            story.append(Paragraph(_escape(note), small))
        story.append(Spacer(1, 0.3 * cm))
    sections(compilation.after)
    doc.build(story)
    return out.getvalue()


def _escape(text):
    from xml.sax.saxutils import escape

    return escape(str(text))


def to_docx(compilation):
    from docx import Document

    document = Document()
    document.core_properties.title = str(compilation.title)
    document.add_heading(str(compilation.title), level=0)
    document.add_paragraph(str(compilation.subtitle))

    def sections(parts):
        for heading, paragraphs in parts:
            document.add_heading(str(heading), level=1)
            for paragraph in paragraphs:
                document.add_paragraph(str(paragraph))

    sections(compilation.before)
    for table in compilation.tables:
        document.add_heading(str(table.title), level=2)
        if not table.rows:
            document.add_paragraph(_("Nothing in the period."))
        else:
            grid = document.add_table(rows=1, cols=len(table.columns))
            grid.style = "Table Grid"
            for cell, heading in zip(grid.rows[0].cells, table.columns, strict=True):
                cell.text = str(heading)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in table.display_rows():
                for cell, value in zip(grid.add_row().cells, row, strict=True):
                    cell.text = value
        for note in table.footnotes:
            document.add_paragraph(str(note)).style = "Caption"
    sections(compilation.after)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


RENDERERS = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf, "docx": to_docx}


def render(compilation, fmt):
    return RENDERERS[fmt](compilation), FORMATS[fmt]


def filename(compilation, fmt):
    scope = compilation.scope
    kind = "offentlig" if scope.public else "intern"
    return f"sammanstallning-{scope.unit.pk}-{scope.start.isoformat()}-{scope.end.isoformat()}-{kind}.{fmt}"
