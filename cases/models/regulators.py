"""Notifications to a regulator (IVO for lex Sarah, IMY for breaches) and delegation decisions.

A notification runs beside the investigation with its own small lifecycle:
decided → submitted → supplemented → regulator decided → done. What was sent is frozen
with its SHA-256 when it is recorded as submitted.
"""

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.models.reference import LegalReference
from cases.models.reports import Report


class Regulator(models.TextChoices):
    IVO = "ivo", _("IVO (Inspektionen för vård och omsorg)")
    IMY = "imy", _("IMY (Integritetsskyddsmyndigheten)")


class RegulatorNotification(ConcurrentTransitionMixin, models.Model):
    STATES = {
        "decided": _("Decided"),
        "submitted": _("Submitted"),
        "supplemented": _("Supplemented"),
        "regulator_decided": _("The regulator has decided"),
        "done": _("Done"),
    }

    class Outcome(models.TextChoices):
        CLOSED = "closed", _("Closed without criticism")
        CRITICISM = "criticism", _("Criticism")
        MORE_REQUESTED = "more_requested", _("More information requested")

    class Channel(models.TextChoices):
        E_SERVICE = "e_service", _("The regulator's e-service")
        POST = "post", _("Post")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="regulator_notifications")
    regulator = models.CharField(_("regulator"), max_length=4, choices=Regulator.choices)
    state = FSMField(_("state"), default="decided", protected=True)
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delay_reason = models.TextField(_("reason for the delay"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)
    regulator_case_number = models.CharField(_("the regulator's case number"), max_length=60, blank=True)
    document = models.JSONField(_("document sent"), null=True, blank=True, editable=False)
    document_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    outcome = models.CharField(
        _("the regulator's decision"), max_length=20, choices=Outcome.choices, blank=True
    )
    outcome_at = models.DateField(_("date of the regulator's decision"), null=True, blank=True)
    outcome_note = models.TextField(_("note on the regulator's decision"), blank=True)

    class Meta:
        verbose_name = _("regulator notification")
        verbose_name_plural = _("regulator notifications")
        # Compilations: the notifications decided in a period.
        indexes = [models.Index(fields=["regulator", "decided_at"], name="notification_regulator_decided")]
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_regulator_display()} – {self.report}"

    @staticmethod
    def digest(document):
        return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @transition(field=state, source="decided", target="submitted")
    def submit(self, *, submitted_at, channel, document, regulator_case_number="", delay_reason=""):
        self.submitted_at = submitted_at
        self.channel = channel
        self.document = document
        self.document_sha256 = self.digest(document)
        self.regulator_case_number = regulator_case_number
        if delay_reason:
            self.delay_reason = delay_reason

    @transition(field=state, source=["submitted", "supplemented", "regulator_decided"], target="supplemented")
    def supplement(self, **_data):
        pass

    @transition(field=state, source=["submitted", "supplemented"], target="regulator_decided")
    def record_outcome(self, *, outcome, outcome_at, outcome_note="", regulator_case_number=""):
        self.outcome = outcome
        self.outcome_at = outcome_at
        self.outcome_note = outcome_note
        if regulator_case_number:
            self.regulator_case_number = regulator_case_number

    @transition(field=state, source="regulator_decided", target="done")
    def complete(self):
        pass


class Supplement(models.Model):
    notification = models.ForeignKey(
        RegulatorNotification, on_delete=models.PROTECT, related_name="supplements"
    )
    sent_at = models.DateTimeField(_("sent at"))
    text = models.TextField(_("what was sent"))
    document_sha256 = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "id"]


class DelegationDecision(models.Model):
    """A decision taken for the board under delegation, to be reported to the board."""

    class Kind(models.TextChoices):
        NOTIFY_IVO = "notify_ivo", _("Notify IVO")
        NOT_NOTIFY_IVO = "not_notify_ivo", _("Not notify IVO")
        NOTIFY_IMY = "notify_imy", _("Notify IMY")
        NOT_NOTIFY_IMY = "not_notify_imy", _("Not notify IMY")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="delegation_decisions")
    kind = models.CharField(_("decision"), max_length=20, choices=Kind.choices)
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.PROTECT, related_name="+"
    )
    delegate_name = models.CharField(_("delegate's name"), max_length=200)
    delegate_title = models.CharField(_("delegate's title"), max_length=120, blank=True)
    legal_reference = models.ForeignKey(
        LegalReference, verbose_name=_("legal basis"), on_delete=models.PROTECT
    )
    decided_at = models.DateTimeField(_("decided at"))
    summary = models.TextField(_("summary"))
    reported_to_board_on = models.DateField(_("reported to the board on"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation decision")
        verbose_name_plural = _("delegation decisions")
        ordering = ["decided_at", "id"]
        # Compilations: the decisions taken in a period.
        indexes = [models.Index(fields=["decided_at"], name="delegation_decided")]
