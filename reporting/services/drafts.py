"""The stored automatic anonymisation of closed lex Sarah cases (``SummaryDraft``).

A compilation of a large board shows thousands of closed investigations; anonymising each
on every request dominated its time (docs/compilations.md, Performance). The text is made
instead when the case changes (``case_changed``, for a closed lex Sarah case) and when the
SAS approves its summary (``summary_draft``), once per language, and stored with the
fingerprint of what it was made from. ``reporting.selectors.reviews.drafts`` uses it while
that fingerprint holds and anonymises afresh otherwise, so a stale or absent row costs time,
never correctness. ``fill`` makes the rows for cases that have none (the migration that
added the table, cases written past the services)."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from cases.models import OrgUnit, Report, ReportType
from reporting.models import SummaryDraft
from reporting.selectors import reviews

BATCH = 2000


def closed_lex_sarah(cells):
    """Whether the cells a case counts in (``aggregates.recount``) are those of a closed
    lex Sarah case: the check costs no statement."""
    return any(
        cell.type == ReportType.LEX_SARAH and cell.dimension == "state" and cell.key == "closed"
        for cell in cells
    )


def store(report_ids, units=None):
    """Make and store the automatic text of the closed lex Sarah cases among ``report_ids``
    in every language, where the stored one is absent or stale. Returns how many rows were
    written."""
    reports = reviews.closed_lex_sarah(Report.objects.filter(pk__in=list(report_ids)), low=None, high=None)
    if units is None:
        boards = set(reports.values_list("namnd__path", flat=True))
        units = {}
        for path in boards:
            units.update({u.pk: u for u in OrgUnit.objects.filter(path__startswith=path or "")})
    written = 0
    with transaction.atomic(savepoint=False):
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                rows = [
                    SummaryDraft(
                        report_id=draft.report_id,
                        language=code,
                        inputs_sha256=draft.inputs,
                        summary=draft.summary,
                        decision=draft.decision,
                    )
                    for draft in reviews.drafts(reports, units)
                    if draft.missing
                ]
            if rows:
                SummaryDraft.objects.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["report", "language"],
                    update_fields=["inputs_sha256", "summary", "decision", "made_at"],
                )
                written += len(rows)
    return written


def fill(batch=BATCH, **filters):
    """Store the automatic text of every closed lex Sarah case (narrowed by ``filters`` on
    ``Report``) that has none or a stale one, ``batch`` cases at a time."""
    units = {u.pk: u for u in OrgUnit.objects.all()}
    ids = list(
        Report.objects.filter(type=ReportType.LEX_SARAH, state="closed", **filters)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(store(ids[i : i + batch], units) for i in range(0, len(ids), batch))
