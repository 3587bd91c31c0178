"""Reporting's handlers of the domain floor's hooks (``cases.events``): the monthly counts
follow every change of a case, the summary under review is drafted as the compilations draft
it, and a notification's document is built and frozen by ``reporting.services.documents``.
Registered once, by ``reporting.apps.ReportingConfig.ready``; the floor never imports this code."""

from __future__ import annotations

from cases import events
from cases.models import OrgUnit, Report
from reporting.selectors.reviews import Draft, drafts
from reporting.services import aggregates, documents
from reporting.services import drafts as stored_drafts


def summary_draft(report: Report) -> Draft:
    """The automatic anonymisation of one case, as the compilations make it (and stored, as
    the SAS approves it)."""
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=report.namnd.path)}
    stored_drafts.store([report.pk], units)
    return drafts(Report.objects.filter(pk=report.pk), units)[0]


def case_changed(report_id: int) -> None:
    """The monthly counts follow every change of a case; a closed lex Sarah case's automatic
    anonymisation is made again when what it is made from changed."""
    cells = aggregates.recount(report_id)
    if stored_drafts.closed_lex_sarah(cells):
        stored_drafts.store([report_id])


def register() -> None:
    events.case_changed.register(case_changed)
    events.summary_draft.register(summary_draft)
    events.regulator_document.register(documents.regulator_document)
    events.supplement_document.register(documents.supplement_document)
    events.freeze_document.register(documents.freeze)
