"""The SAS's review of the anonymised summary of a closed lex Sarah investigation, before a
public compilation may show it (``reporting.selectors.reviews``, through the hook
``summary_draft``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import audit, events
from cases.access import REVIEW_ROLES
from cases.events import emit
from cases.models import ReportType, SummaryReview
from cases.services.base import InvalidState, load_report, require_roles, validated
from cases.services.guard import service
from lib.redaction import DECISION_LIMIT, SUMMARY_LIMIT, names_on, redact

if TYPE_CHECKING:
    from cases.events import SummaryDraft
    from cases.models import Report, User


class SummaryApprovalForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=SUMMARY_LIMIT * 2, widget=forms.Textarea)
    decision = forms.CharField(
        label=_("Decision"), max_length=DECISION_LIMIT * 2, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, names: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names

    def _clean_text(self, field: str) -> str:
        text = " ".join(self.cleaned_data.get(field, "").split())
        # What the case knows to be identifying may not come back in by editing.
        if redact(text, self.names) != text:
            raise forms.ValidationError(
                _(
                    "The text still holds a name, a personal identity number, contact "
                    "details, an address or a date of birth."
                )
            )
        return text

    def clean_summary(self) -> str:
        return self._clean_text("summary")

    def clean_decision(self) -> str:
        return self._clean_text("decision")


def draft_of(report: Report) -> SummaryDraft:
    """The automatic anonymisation of one case, as the compilations make it."""
    return events.summary_draft.call(report)


@service
def do_approve_summary(
    acting_user: User, report: Report | int, text: str, *, decision: str | None = None
) -> SummaryReview:
    """Approve ``text`` (the anonymised summary as the SAS edited it) for publication; the
    decision is the automatic one unless given. The SAS of the case only; the case must be a
    closed lex Sarah investigation. A later approval replaces an earlier one."""
    report_id: int = report if isinstance(report, int) else report.pk
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, REVIEW_ROLES)
    if report.type != ReportType.LEX_SARAH or report.state != "closed":
        raise InvalidState(_("Only the summary of a closed lex Sarah investigation is reviewed."))
    draft = draft_of(report)
    cleaned = validated(
        SummaryApprovalForm(
            data={"summary": text, "decision": draft.decision if decision is None else decision},
            names=names_on(report),
        )
    )
    review, created = SummaryReview.objects.update_or_create(
        report=report,
        defaults={
            "summary": cleaned["summary"],
            "decision": cleaned["decision"],
            "source_sha256": draft.digest,
            "approved_by": acting_user,
            "approved_at": timezone.now(),
        },
    )
    # No text in the audit row: its fingerprint, and whether the SAS changed the automatic text.
    audit.record(
        "summary.approved",
        actor=acting_user,
        obj=review,
        report_id=report.pk,
        payload={
            "first": created,
            "source_sha256": draft.digest,
            "text_sha256": hashlib.sha256(cleaned["summary"].encode()).hexdigest(),
            "edited": cleaned["summary"] != draft.summary or cleaned["decision"] != draft.decision,
        },
    )
    emit("summary.approved", report=report, actor=acting_user)
    return review
