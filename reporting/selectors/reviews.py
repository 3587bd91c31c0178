"""The anonymised summaries of closed lex Sarah investigations and their review.

``drafts`` makes, for each closed lex Sarah case, the automatic anonymisation of its summary
and decision (``anonymise``: what the case knows of names, identity numbers, contact details,
addresses, dates of birth, and capitalised words that are not common words) together with
the SAS's review, if any. A draft is *approved* when a review exists and was made of the
same case text (``SummaryReview.source_sha256``, a fingerprint of the case's summary and
decision as written, so that it does not depend on the language of the placeholders): a case
whose text changes after its approval is awaiting review again.

The same words are allowed in every compilation, whatever its scope, so that the automatic
text of a case does not depend on where it is compiled: the names
of the case's board and the units between the board and the case's unit, and the lex Sarah
category names.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language

from cases.models import AffectedPerson, Report, ReportType, SummaryReview, Term, summary_source_digest
from lib.redaction import DECISION_LIMIT, SUMMARY_LIMIT, anonymise
from reporting.models import SummaryDraft

__all__ = [
    "DECISION_LIMIT",
    "SUMMARY_LIMIT",
    "Draft",
    "allowed_words",
    "automatic",
    "closed_lex_sarah",
    "drafts",
    "fingerprint",
]
FIELDS = (
    "pk",
    "case_number",
    "unit_id",
    "namnd_id",
    "closed_at",
    "lex_sarah_assessment",
    "decision",
    "investigation_summary",
    "submitter_name",
    "reporter__first_name",
    "reporter__last_name",
    "reporter__username",
    "handler__first_name",
    "handler__last_name",
    "handler__username",
)


@dataclass
class Draft:
    report_id: int
    case_number: str
    unit_id: int
    closed_at: object
    assessment: str
    categories: list
    summary: str  # the automatic anonymisation, shortened
    decision: str
    digest: str
    review: SummaryReview = None
    inputs: str = None  # the fingerprint of what the automatic text is made from
    missing: bool = False  # the automatic text was not stored (or stale) and was made here

    @property
    def approved(self):
        return self.review is not None and self.review.source_sha256 == self.digest

    @property
    def published_summary(self):
        return self.review.summary if self.approved else None

    @property
    def published_decision(self):
        return self.review.decision if self.approved else None


def closed_lex_sarah(reports, low, high):
    """The closed lex Sarah cases of ``reports`` closed in [low, high) (``None``: unbounded)."""
    reports = reports.filter(type=ReportType.LEX_SARAH, state="closed")
    if low is not None:
        reports = reports.filter(closed_at__gte=low)
    if high is not None:
        reports = reports.filter(closed_at__lt=high)
    return reports.order_by("closed_at", "id")


def allowed_words(unit, units, category_labels):
    """The unit names from the case's board down to its unit, and the category names."""
    board = units.get(unit.namnd_id) if unit.namnd_id else unit
    ids = [int(p) for p in unit.path.strip("/").split("/")]
    words = [
        units[pk].name
        for pk in ids
        if pk in units and board is not None and units[pk].path.startswith(board.path)
    ]
    return words + list(category_labels)


def automatic(summary, decision, names, allow):
    """The automatic anonymisation, shortened as a compilation shows it, and the fingerprint
    of the case's text it was made from."""
    return (
        anonymise(summary, names, allow=allow, limit=SUMMARY_LIMIT),
        anonymise(decision, names, allow=allow, limit=DECISION_LIMIT),
        summary_source_digest(summary, decision),
    )


def fingerprint(summary, decision, names, allow_digest):
    """The fingerprint of everything ``automatic`` makes a case's text from (its summary and
    decision, the names it knows of, the digest of the words allowed for its unit): a stored
    ``SummaryDraft`` stands for a fresh anonymisation only while this is unchanged."""
    return hashlib.sha256(
        json.dumps([summary, decision, names, allow_digest], ensure_ascii=False).encode()
    ).hexdigest()


def language():
    """The language the markers of an automatic text are in (the request's)."""
    return get_language() or settings.LANGUAGE_CODE


def _allow_digest(allow):
    return hashlib.sha256(json.dumps(allow, ensure_ascii=False).encode()).hexdigest()


def drafts(reports, units, *, anonymised=True):
    """The drafts of ``reports`` (closed lex Sarah cases, as ``closed_lex_sarah`` gives them),
    in their order. ``units`` maps unit ids to units and holds at least the cases' boards
    and everything below them. Plain values, not model instances, since a large board closes
    thousands a year; six queries however many cases (four without ``anonymised``).

    The automatic text of a case is the stored one (``SummaryDraft``, written when the case
    changed or was approved: ``reporting.services.drafts``) when it was made from exactly what
    the case holds now (``fingerprint``), else it is made here. ``anonymised=False`` (a
    public compilation, which shows only approved texts) leaves the automatic text out
    (``summary`` and ``decision`` are ``None``): the approval needs only the fingerprint of
    the case's text. ``missing`` on each draft says whether its stored text was absent or
    stale."""
    rows = list(reports.values_list(*(FIELDS if anonymised else FIELDS[:8])))
    ids = [row[0] for row in rows]
    names, categories = defaultdict(list), defaultdict(list)
    if anonymised:
        for report_id, name in (
            AffectedPerson.objects.filter(report_id__in=ids)
            .exclude(name="")
            .order_by("pk")
            .values_list("report_id", "name")
        ):
            names[report_id].append(name)
        stored = {
            report_id: (inputs, summary, decision)
            for report_id, inputs, summary, decision in SummaryDraft.objects.filter(
                report_id__in=ids, language=language()
            ).values_list("report_id", "inputs_sha256", "summary", "decision")
        }
    labels = {
        t.pk: str(t)
        for t in Term.objects.filter(vocabulary=Term.Vocabulary.LEX_SARAH_CATEGORY).select_related("parent")
    }
    for report_id, term_id in Report.categories.through.objects.filter(report_id__in=ids).values_list(
        "report_id", "term_id"
    ):
        categories[report_id].append(labels[term_id])
    reviews = {r.report_id: r for r in SummaryReview.objects.filter(report_id__in=ids)}
    allowed = {}  # unit id -> (words allowed, their digest)
    result = []
    for pk, number, unit_id, _namnd_id, closed_at, assessment, decision, summary, *people in rows:
        short_summary = short_decision = inputs = None
        missing = False
        if anonymised:
            if unit_id not in allowed:
                allow = allowed_words(units[unit_id], units, labels.values())
                allowed[unit_id] = allow, _allow_digest(allow)
            allow, allow_digest = allowed[unit_id]
            known = names[pk] + people
            inputs = fingerprint(summary, decision, known, allow_digest)
            kept = stored.get(pk)
            if kept is not None and kept[0] == inputs:
                short_summary, short_decision = kept[1], kept[2]
            else:
                missing = True
                short_summary, short_decision, _digest = automatic(summary, decision, known, allow)
        result.append(
            Draft(
                report_id=pk,
                case_number=number,
                unit_id=unit_id,
                closed_at=closed_at,
                assessment=assessment,
                categories=sorted(categories[pk]),
                summary=short_summary,
                decision=short_decision,
                digest=summary_source_digest(summary, decision),
                review=reviews.get(pk),
                inputs=inputs,
                missing=missing,
            )
        )
    return result
