"""The flows as BPMN 2.0 and SVG, from viewflow's own chart export, labelled in Swedish."""

from pathlib import Path

from django.conf import settings
from django.utils import translation
from viewflow.workflow import chart

from workflows.flows import FLOWS

DOCS = Path(settings.BASE_DIR) / "docs" / "workflows"


def render(flow_class, language="sv"):
    with translation.override(language):
        grid = chart.calc_layout_data(flow_class)
        return {"bpmn": chart.grid_to_bpmn(grid), "svg": chart.grid_to_svg(grid)}


def files():
    """{path: content} for every flow's diagram."""
    result = {}
    for report_type, flow_class in FLOWS.items():
        for extension, content in render(flow_class).items():
            text = content if content.endswith("\n") else content + "\n"
            result[DOCS / f"{report_type}.{extension}"] = text
    return result
