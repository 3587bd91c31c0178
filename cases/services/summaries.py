"""The SAS's review of the anonymised summary of a closed lex Sarah investigation, before a
public compilation may show it (``reporting.selectors.reviews``)."""

import hashlib

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import audit
from cases.compilations.anonymise import names_on, redact
from cases.events import emit
from cases.models import OrgUnit, Report, ReportType, Role
from cases.services.base import InvalidState, load_report, require_roles, validated
from reporting.models import SummaryReview
from reporting.selectors.reviews import DECISION_LIMIT, SUMMARY_LIMIT, drafts

REVIEW_ROLES = {Role.SAS}


class SummaryApprovalForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=SUMMARY_LIMIT * 2, widget=forms.Textarea)
    decision = forms.CharField(
        label=_("Decision"), max_length=DECISION_LIMIT * 2, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names

    def _clean_text(self, field):
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

    def clean_summary(self):
        return self._clean_text("summary")

    def clean_decision(self):
        return self._clean_text("decision")


def draft_of(report):
    """The automatic anonymisation of one case, as the compilations make it."""
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=report.namnd.path)}
    return drafts(Report.objects.filter(pk=report.pk), units)[0]


@transaction.atomic
def do_approve_summary(acting_user, report, text, *, decision=None):
    """Approve ``text`` (the anonymised summary as the SAS edited it) for publication; the
    decision is the automatic one unless given. The SAS of the case only; the case must be a
    closed lex Sarah investigation. A later approval replaces an earlier one."""
    report = load_report(getattr(report, "pk", report), acting_user)
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
