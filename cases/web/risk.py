"""The 4×4 risk matrix as a grid of radio buttons: each cell shows its score and its level in
words, so that nothing is told by colour alone. Levels and routing rules are data."""

from django.utils.translation import gettext_lazy as _

from cases.models import ReportType, RiskBand, RiskRoutingRule

PROBABILITY = {1: _("very small"), 2: _("small"), 3: _("large"), 4: _("very large")}
SEVERITY = {1: _("minor"), 2: _("moderate"), 3: _("significant"), 4: _("catastrophic")}


def matrix(selected=None):
    """Rows from the highest severity down, each with a cell per probability."""
    bands = list(RiskBand.objects.valid_on())
    rules = sorted(RiskRoutingRule.objects.valid_on(), key=lambda r: -r.min_score)
    rows = []
    for severity in (4, 3, 2, 1):
        cells = []
        for probability in (1, 2, 3, 4):
            score = probability * severity
            band = next((b for b in bands if b.min_score <= score <= b.max_score), None)
            rule = next((r for r in rules if r.min_score <= score and r.min_severity <= severity), None)
            route = rule.route_to if rule else ReportType.DEVIATION
            cells.append(
                {
                    "value": f"{probability}-{severity}",
                    "probability": probability,
                    "severity": severity,
                    "score": score,
                    "band": band,
                    "route": ReportType(route).label,
                    "probability_word": PROBABILITY[probability],
                    "severity_word": SEVERITY[severity],
                    "checked": selected == (probability, severity),
                }
            )
        rows.append({"severity": severity, "word": SEVERITY[severity], "cells": cells})
    return {"rows": rows, "probabilities": list(PROBABILITY.items()), "rules": rules}


def with_cell(data):
    """The grid posts one value, "probability-severity"; the forms want the two numbers."""
    cell = data.get("risk_cell", "")
    if cell and "-" in cell:
        data = data.copy()
        data["probability"], data["severity"] = cell.split("-", 1)
    return data


def selected_cell(form, report=None):
    source = form.data if form.is_bound else {}
    try:
        if source.get("probability") and source.get("severity"):
            return int(source["probability"]), int(source["severity"])
    except (TypeError, ValueError):
        return None
    if report is not None and report.probability and report.severity:
        return report.probability, report.severity
    return None


def field_order(form):
    """The matrix after what the case is about, then the route and the reason to depart from it."""
    tail = ["probability", "severity", "route", "risk_override_reason"]
    return [name for name in form.fields if name not in tail] + [name for name in tail if name in form.fields]
