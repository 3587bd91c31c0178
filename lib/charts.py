"""Bar charts drawn on the server as SVG. Each chart names itself (``<title>``), says what
it shows in words (``<desc>``), and is shown beside a table with the same numbers, so that
nothing depends on seeing it."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from lib.table import SUPPRESSED

BAR, GAP, LABEL_WIDTH, CHART_WIDTH = 22, 8, 220, 360


def bar_chart(chart_id, title, items):
    """Horizontal bars for ``items`` = [(label, value)], largest first as given; a hidden
    value (None, small-count suppression) has no bar and shows as the table shows it."""
    largest = max([value for _label, value in items if value is not None] or [0]) or 1
    height = max(len(items), 1) * (BAR + GAP) + GAP
    width = LABEL_WIDTH + CHART_WIDTH + 60
    items = [(label, SUPPRESSED if value is None else value) for label, value in items]
    described = "; ".join(f"{label}: {value}" for label, value in items) or _("No cases.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR + GAP)
        length = 0 if value == SUPPRESSED else round(CHART_WIDTH * value / largest)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR * 0.7:.0f}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}" fill="#1f5f8b"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR * 0.7:.0f}" font-size="13">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def control_chart(title, description, labels, counts, *, median, lower, upper, marked=()):
    """A run chart with control limits, drawn by pygal as a standalone SVG document (the page
    shows it as an image with ``description`` as its text and the same numbers in a table).
    ``labels`` name the points, ``counts`` are the values; ``marked`` are indexes of points
    that belong to a signal (drawn larger and red). pygal's scripts are left out."""
    import pygal
    from pygal.style import Style

    style = Style(
        background="white",
        plot_background="white",
        foreground="#222",
        foreground_strong="#000",
        foreground_subtle="#555",
        colors=("#1f5f8b", "#555555", "#b00020", "#b00020"),
        font_family="sans-serif",
        label_font_size=11,
        legend_font_size=12,
        title_font_size=14,
    )
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        no_prefix=True,
        width=720,
        height=300,
        style=style,
        title=title,
        x_label_rotation=45,
        show_minor_x_labels=True,
        legend_at_bottom=True,
        include_x_axis=True,
        allow_interruptions=False,
        truncate_label=-1,
    )
    chart.x_labels = list(labels)
    chart.add(
        _("Reports"),
        [
            {"value": value, "node": {"r": 5}, "color": "#b00020"} if i in set(marked) else value
            for i, value in enumerate(counts)
        ],
    )
    chart.add(_("Median"), [median] * len(counts), show_dots=False, stroke_style={"dasharray": "6,4"})
    chart.add(_("Upper limit"), [upper] * len(counts), show_dots=False, stroke_style={"dasharray": "2,3"})
    if lower > 0:
        chart.add(_("Lower limit"), [lower] * len(counts), show_dots=False, stroke_style={"dasharray": "2,3"})
    svg = chart.render(is_unicode=True)
    svg = svg.split("<script", 1)[0] + svg.split("</script>", 1)[1] if "<script" in svg else svg
    # The document's own description for screen readers, after pygal's <title>.
    return svg.replace("</title>", f"</title><desc>{escape(description)}</desc>", 1)
