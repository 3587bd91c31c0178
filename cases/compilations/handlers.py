"""The reporting code's handlers of the domain floor's hooks (``cases.events``): the monthly
counts follow every change of a case, the summary under review is drafted as the compilations
draft it, and a notification's document is built and frozen by ``cases.documents``. Loaded
once, by ``cases.apps.CasesConfig.ready``; the floor itself never imports this code."""

from __future__ import annotations

from cases import documents, events
from cases.compilations import aggregates
from cases.compilations.reviews import Draft, drafts
from cases.models import OrgUnit, Report


def summary_draft(report: Report) -> Draft:
    """The automatic anonymisation of one case, as the compilations make it."""
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=report.namnd.path)}
    return drafts(Report.objects.filter(pk=report.pk), units)[0]


def register() -> None:
    events.case_changed.register(aggregates.recount)
    events.summary_draft.register(summary_draft)
    events.regulator_document.register(documents.regulator_document)
    events.supplement_document.register(documents.supplement_document)
    events.freeze_document.register(documents.freeze)
