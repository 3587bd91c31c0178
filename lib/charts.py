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
