"""Reporting's handlers of the domain floor's hooks (``cases.events``): the monthly counts
follow every change of a case, the summary under review is drafted as the compilations draft
it, and a notification's document is built and frozen by ``reporting.services.documents``.
Registered once, by ``reporting.apps.ReportingConfig.ready``; the floor never imports this code."""

from __future__ import annotations

from cases import events
from cases.models import OrgUnit, Report
from reporting.selectors.reviews import Draft, drafts
from reporting.services import aggregates, documents


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
