"""The report (ärende) and its four types.

One table holds every type, so that lists, numbering and compilations read one table; each
type is a proxy model carrying its own django-fsm state machine. The ``state`` field is
protected (only transitions change it) and ``ConcurrentTransitionMixin`` makes a save fail
when another transaction changed the state since this row was read (optimistic locking).
Transitions are called only from ``cases.services``.
"""

import copy
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField
from guardian.models import UserObjectPermissionBase

from cases.models.organisation import OrgUnit
from cases.models.reference import ReportType, RiskBand, Term


class Report(ConcurrentTransitionMixin, models.Model):
    class Route(models.TextChoices):
        DEVIATION = ReportType.DEVIATION.value, _("Stays a deviation")
        LEX_SARAH = ReportType.LEX_SARAH.value, _("Lex Sarah investigation")
        DATA_BREACH = ReportType.DATA_BREACH.value, _("Personal data breach")
        LEX_MARIA = ReportType.LEX_MARIA.value, _("Lex Maria investigation (health-care injury)")

    class LexSarahAssessment(models.TextChoices):
        NONE = "none", _("No missförhållande")
        MISSFORHALLANDE = "missforhallande", _("Missförhållande")
        PATAGLIG_RISK = "pataglig_risk", _("Påtaglig risk för missförhållande")

    class InjuryAssessment(models.TextChoices):
        """Patientsäkerhetslagen 1 kap. 5 §, HSLF-FS 2017:41 3 §."""

        NONE = "none", _("No vårdskada")
        INJURY = "vardskada", _("Vårdskada, not serious")
        RISK = "risk_allvarlig", _("Could have caused a serious vårdskada")
        SERIOUS = "allvarlig", _("Serious vårdskada (allvarlig vårdskada)")

    class BreachRisk(models.TextChoices):
        UNLIKELY = "unlikely", _("Unlikely to result in a risk")
        RISK = "risk", _("Risk to the rights and freedoms of persons")
        HIGH = "high", _("High risk")

    type = models.CharField(_("type"), max_length=20, choices=ReportType.choices, db_index=True)
    state = FSMField(_("state"), default="reported", protected=True, db_index=True)

    case_number = models.CharField(_("case number"), max_length=40, unique=True)
    case_year = models.PositiveSmallIntegerField(editable=False)
    case_sequence = models.PositiveIntegerField(editable=False)
    namnd = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", editable=False)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports"
    )

    description = models.TextField(_("description"))
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    discovered_at = models.DateTimeField(_("discovered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    submitter_name = models.CharField(_("submitter's name"), max_length=200, blank=True)
    submitter_contact = models.CharField(_("submitter's contact"), max_length=200, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_reports",
    )

    # Risk assessment (4×4 matrix) and routing.
    probability = models.PositiveSmallIntegerField(_("probability"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), null=True, blank=True)
    risk_band = models.ForeignKey(
        RiskBand, verbose_name=_("risk level"), null=True, blank=True, on_delete=models.PROTECT
    )
    suggested_route = models.CharField(_("suggested route"), max_length=20, choices=Route.choices, blank=True)
    route = models.CharField(_("route"), max_length=20, choices=Route.choices, blank=True)
    risk_override_reason = models.TextField(_("reason for departing from the risk matrix"), blank=True)

    category = models.ForeignKey(
        Term, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    categories = models.ManyToManyField(Term, verbose_name=_("categories"), blank=True, related_name="+")

    # Complaint.
    complaint_kind = models.ForeignKey(
        Term, verbose_name=_("kind"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint_source = models.ForeignKey(
        Term, verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_area = models.ForeignKey(
        Term,
        verbose_name=_("subject area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    position_statement = models.TextField(_("position (ställningstagande)"), blank=True)
    deviation_found = models.BooleanField(_("a deviation occurred"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    # Lex Sarah.
    immediate_measures = models.TextField(_("immediate measures"), blank=True)
    immediate_measures_at = models.DateTimeField(_("immediate measures taken at"), null=True, blank=True)
    chair_informed_at = models.DateTimeField(_("board chair informed at"), null=True, blank=True)
    social_chief_informed_at = models.DateTimeField(
        _("head of social services informed at"), null=True, blank=True
    )
    investigation_started_at = models.DateTimeField(_("investigation started at"), null=True, blank=True)
    lex_sarah_assessment = models.CharField(
        _("assessment"), max_length=20, choices=LexSarahAssessment.choices, blank=True
    )
    is_serious = models.BooleanField(_("serious (allvarligt)"), null=True, blank=True)

    # Lex Maria (patientsäkerhetslagen 2010:659 3 kap. 3 och 5 §§).
    injury_assessment = models.CharField(
        _("health-care injury (vårdskada)"), max_length=20, choices=InjuryAssessment.choices, blank=True
    )

    # Personal data breach (GDPR art. 33(3), 33(5)).
    breach_nature = models.JSONField(_("nature of the breach"), default=list, blank=True)
    data_categories = models.ManyToManyField(
        Term, verbose_name=_("categories of personal data"), blank=True, related_name="+"
    )
    approx_subjects = models.PositiveIntegerField(_("approximate number of persons"), null=True, blank=True)
    approx_records = models.PositiveIntegerField(_("approximate number of records"), null=True, blank=True)
    likely_consequences = models.TextField(_("likely consequences"), blank=True)
    breach_measures = models.TextField(_("measures taken or proposed"), blank=True)
    breach_risk = models.CharField(_("risk"), max_length=10, choices=BreachRisk.choices, blank=True)
    subjects_informed_at = models.DateTimeField(_("data subjects informed at"), null=True, blank=True)
    subjects_not_informed_reason = models.TextField(_("why the data subjects are not informed"), blank=True)

    # Shared outcome.
    investigation_summary = models.TextField(_("investigation summary"), blank=True)
    no_action_reason = models.TextField(_("why no action is needed"), blank=True)
    follow_up_reason = models.TextField(_("reason to proceed with actions open or unevaluated"), blank=True)
    decision = models.TextField(_("decision or position"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closing_reason = models.TextField(_("reason to close with actions open"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # A duplicate merged into another case points to the case that survives it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_duplicates",
    )

    # Bulk reporting (samlerapportering): a deviation standing for ``event_count`` similar
    # low-risk events in a period, handled as one case and counted as that many events in
    # statistics and compilations (reporting.services.aggregates).
    event_count = models.PositiveIntegerField(_("number of events"), default=1, db_default=1)
    event_period_start = models.DateField(_("events from"), null=True, blank=True)
    event_period_end = models.DateField(_("events to"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["namnd", "case_year", "case_sequence"], name="report_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "type", "state"]),
            # Compilations and statistics: a board's cases in a period.
            models.Index(fields=["namnd", "reported_at"], name="report_namnd_reported"),
            models.Index(fields=["namnd", "closed_at"], name="report_namnd_closed"),
            # Statistics: the partial months at the ends of a period; the recount of a
            # month of one unit and type (reporting.services.aggregates).
            models.Index(fields=["reported_at"], name="report_reported"),
            models.Index(fields=["unit", "type", "reported_at"], name="report_unit_type_reported"),
            # The case register's order, newest first: ties of the moment (an import, a bulk
            # load) are ordered by the index too, not sorted after reading them all.
            models.Index(fields=["reported_at", "id"], name="report_reported_id"),
        ]
        permissions = [("investigate_report", _("Investigate this report (named investigator)"))]

    def __str__(self):
        return self.case_number

    # Each type's proxy (``cases.models.lifecycles``) names its initial state.
    INITIAL_STATE: ClassVar[str]

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        # What was read, so that a transition can save only the columns it changed.
        # Only JSON values can be changed in place; the rest are immutable.
        instance.__dict__["_loaded"] = {
            name: copy.deepcopy(value) if isinstance(value, (list, dict)) else value
            for name, value in zip(field_names, values, strict=True)
        }
        return instance

    def changed_fields(self):
        """The concrete fields whose value differs from what was read (all when not read)."""
        loaded = getattr(self, "_loaded", None)
        fields = [f for f in self._meta.concrete_fields if not f.primary_key]
        if loaded is None:
            return [f.name for f in fields]
        changed = [
            f.name for f in fields if f.attname not in loaded or getattr(self, f.attname) != loaded[f.attname]
        ]
        return sorted(set(changed) | {"updated_at"})

    def typed(self):
        """This row as the proxy of its type, which carries the type's state machine."""
        from cases.models.lifecycles import TYPE_MODELS

        self.__class__ = TYPE_MODELS[self.type]
        return self

    @property
    def risk_score(self):
        if self.probability and self.severity:
            return self.probability * self.severity
        return None


class ReportUserObjectPermission(UserObjectPermissionBase):
    """Per-case grants for exceptions, e.g. a named investigator outside the unit's roles."""

    content_object = models.ForeignKey(Report, on_delete=models.CASCADE)


class CaseNumberSequence(models.Model):
    """The last number handed out per board and year; locked row by row while numbering."""

    namnd = models.ForeignKey(OrgUnit, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["namnd", "year"], name="case_sequence_unique")]


class ReportLink(models.Model):
    """A case spawned from another by routing; the source keeps its own history."""

    source = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="links_out")
    target = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="links_in")
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("linked case")
        verbose_name_plural = _("linked cases")
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="report_link_unique")]
