"""The SAS's approval of a closed lex Sarah investigation's anonymised summary for
publication: written by ``cases.services.do_approve_summary`` (a change made by a service, with
its audit row), read by the compilations in ``reporting``."""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SummaryReview(models.Model):
    """The SAS's review of a closed lex Sarah investigation's anonymised summary: the text
    as edited and approved for publication, who approved it and when.

    ``source_sha256`` is the SHA-256 of the case's summary and decision as they were when the
    reviewer approved; if the case's text changes afterwards the review no longer matches and
    the summary is awaiting review again. Only approved summaries appear in public
    compilations. Written by ``cases.services.do_approve_summary`` only."""

    report = models.OneToOneField("cases.Report", on_delete=models.CASCADE, related_name="summary_review")
    summary = models.TextField(_("summary as approved"))
    decision = models.TextField(_("decision as approved"), blank=True)
    source_sha256 = models.CharField(max_length=64)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        verbose_name = _("summary review")
        verbose_name_plural = _("summary reviews")
        ordering = ["-approved_at"]

    def __str__(self):
        return f"{self.report_id} ({self.approved_at:%Y-%m-%d})"


def summary_source_digest(summary, decision):
    """The fingerprint of a case's summary and decision (see ``SummaryReview.source_sha256``)."""
    return hashlib.sha256(json.dumps([summary, decision], ensure_ascii=False).encode()).hexdigest()
