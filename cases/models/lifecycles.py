"""The lifecycles (one per report type), as django-fsm state machines on proxies of ``Report``.

Each transition declares who may perform it (``roles`` on the case's unit; ``reporter`` for
the case's own reporter; ``investigator`` for a named investigator) and which form holds the
fields it requires (``cases.forms``). The methods only set the case's own fields; everything
else a transition entails (linked cases, notifications, audit) is done by ``cases.services``.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from cases.access import CORRECTING_ROLES, INVESTIGATOR
from cases.models.organisation import Role
from cases.models.reference import ReportType
from cases.models.reports import Report, ReportUserObjectPermission
from cases.statements import Statement

# The states in which a case is finished: no more work, no clocks, no changes of content.
CLOSED_STATES = frozenset({"closed", "outside_scope", "withdrawn", "merged"})

# Finished without counting: a report withdrawn as filed by mistake, a duplicate merged into
# the case that survives it. Kept with their history, but left out of the statistics, the
# compilations and the monthly counts (a merged duplicate is counted once, as its survivor).
UNCOUNTED_STATES = frozenset({"withdrawn", "merged"})

WITHDRAWN = _("Withdrawn (filed by mistake)")
MERGED = _("Merged into another case")


def case_roles(user, report):
    """The roles ``user`` holds on this case: unit roles, reporter, named investigator.

    Kept on the report instance (one request, one transition); ``forget_named_grants``
    drops it when the case's named investigators change."""
    from cases.access import role_scope

    cache = report.__dict__.setdefault("_case_roles", {})
    if user.pk not in cache:
        roles = set(role_scope(user).roles_on(report.unit)) if user.is_authenticated else set()
        if user.is_authenticated and report.reporter_id == user.pk:
            roles.add(Role.REPORTER)
        if user.is_authenticated and any(named.pk == user.pk for named in named_grants(report)):
            roles.add(INVESTIGATOR)
        cache[user.pk] = roles
    return cache[user.pk]


def named_grants(report):
    """The users named as investigators of this case (``investigate_report`` grants), newest
    grant first. Read once per report instance: the permission check and the workflow's
    assignment of a named step share it. The grants are read as ids (the usual answer is
    none), the users only when there are some."""
    from django.contrib.auth import get_user_model

    if "_named_grants" not in report.__dict__:
        ids = [user_id for (user_id,) in _NAMED_GRANT_IDS.rows(report.pk)]
        users = get_user_model().objects.in_bulk(ids) if ids else {}
        report.__dict__["_named_grants"] = [users[user_id] for user_id in ids if user_id in users]
    return report.__dict__["_named_grants"]


# The ``investigate_report`` grants' user ids of one case, newest first: read on every change
# of a case, so compiled once (``cases.statements``).
_NAMED_GRANT_IDS = Statement(
    lambda report_id: (
        ReportUserObjectPermission.objects.filter(
            content_object_id=report_id,
            permission__codename="investigate_report",
        )
        .order_by("-id")
        .values_list("user_id")
    ),
    int,
)


def prefetch_named_grants(reports):
    """``named_grants`` for a page of cases in one query instead of one per case."""
    missing = {report.pk: report for report in reports if "_named_grants" not in report.__dict__}
    if not missing:
        return
    for report in missing.values():
        report.__dict__["_named_grants"] = []
    grants = (
        ReportUserObjectPermission.objects.filter(
            content_object_id__in=list(missing),
            permission__codename="investigate_report",
        )
        .select_related("user")
        .order_by("-id")
    )
    for grant in grants:
        missing[grant.content_object_id].__dict__["_named_grants"].append(grant.user)


def forget_named_grants(report):
    """Drop what ``named_grants`` and ``case_roles`` keep on the instance: call after a
    named investigator of the case is granted or revoked."""
    report.__dict__.pop("_named_grants", None)
    report.__dict__.pop("_case_roles", None)


def step(source, target, *, roles, label, form=None):
    """A transition: the django-fsm declaration plus who may take it and what it needs."""
    allowed = frozenset(roles)
    # Who may take it is checked by ``cases.services`` (``available_transitions`` and
    # ``do_transition`` read ``custom["roles"]``), never by django-fsm's ``permission=``.
    return transition(
        field="state",
        source=source,
        target=target,
        custom={"roles": allowed, "label": label, "form": form},
    )


def correction(report_type, source, target, *, label, form):
    """A correction of a case after the fact (``cases.services.corrections``): reopening,
    withdrawing, merging. Declared on the state machine so that the states and their moves are
    in one place (docs/lifecycles.md), but never a step of the case's workflow: the generic
    ``do_transition`` and the list of steps leave them out."""
    return transition(
        field="state",
        source=source,
        target=target,
        custom={
            "roles": frozenset(CORRECTING_ROLES[report_type]),
            "label": label,
            "form": form,
            "correction": True,
        },
    )


def _withdraw(report):
    report.closed_at = timezone.now()


def _merge(report, data):
    report.merged_into = data["survivor"]
    report.closed_at = timezone.now()


def _reopen(report):
    report.closed_at = None


def _apply(report, data, *names):
    for name in names:
        if name in data:
            setattr(report, name, data[name])


class TypedManager(models.Manager):
    def __init__(self, report_type):
        super().__init__()
        self.report_type = report_type

    def get_queryset(self):
        return super().get_queryset().filter(type=self.report_type)


def _set_risk(report, data):
    _apply(report, data, "probability", "severity", "risk_band", "suggested_route", "risk_override_reason")


class Deviation(Report):
    """Avvikelse: reported → assessed → investigated → actions taken → followed up → closed."""

    STATES = {
        "reported": _("Reported"),
        "assessed": _("Assessed"),
        "investigated": _("Investigated"),
        "actions_taken": _("Actions taken"),
        "followed_up": _("Followed up"),
        "closed": _("Closed"),
        "withdrawn": WITHDRAWN,
        "merged": MERGED,
    }
    INITIAL_STATE = "reported"
    objects = TypedManager(ReportType.DEVIATION)  # type: ignore[misc]  # a proxy\'s manager (django-stubs)

    class Meta:
        proxy = True
        verbose_name = _("deviation (avvikelse)")

    @step(
        "reported",
        "assessed",
        roles=[Role.UNIT_MANAGER, Role.SAS],
        label=_("Assess"),
        form="DeviationAssessForm",
    )
    def assess(self, **data):
        _set_risk(self, data)
        _apply(self, data, "category", "route")

    @step(
        "assessed",
        "investigated",
        roles=[Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR],
        label=_("Complete the investigation"),
        form="InvestigationSummaryForm",
    )
    def complete_investigation(self, **data):
        _apply(self, data, "investigation_summary")

    @step(
        "investigated",
        "actions_taken",
        roles=[Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR],
        label=_("Record the actions"),
        form="ActionsTakenForm",
    )
    def record_actions(self, **data):
        _apply(self, data, "no_action_reason")

    @step(
        "actions_taken",
        "followed_up",
        roles=[Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR],
        label=_("Record the follow-up"),
        form="FollowUpForm",
    )
    def follow_up(self, **data):
        _apply(self, data, "follow_up_reason")

    @step("followed_up", "closed", roles=[Role.UNIT_MANAGER, Role.SAS], label=_("Close"), form="CloseForm")
    def close(self, **data):
        _apply(self, data, "decision", "closing_reason")
        self.closed_at = timezone.now()

    # Corrections after the fact (cases.services.corrections).
    @correction(
        ReportType.DEVIATION,
        ["reported", "assessed", "investigated", "actions_taken", "followed_up"],
        "withdrawn",
        label=_("Withdraw"),
        form="WithdrawForm",
    )
    def withdraw(self, **data):
        _withdraw(self)

    @correction(
        ReportType.DEVIATION,
        ["reported", "assessed", "investigated", "actions_taken", "followed_up"],
        "merged",
        label=_("Merge into another case"),
        form="MergeForm",
    )
    def merge(self, **data):
        _merge(self, data)

    @correction(ReportType.DEVIATION, "closed", "followed_up", label=_("Reopen"), form="ReopenForm")
    def reopen(self, **data):
        _reopen(self)


class Complaint(Report):
    """Klagomål/synpunkt: received → registered → investigated → answered → closed."""

    STATES = {
        "received": _("Received"),
        "registered": _("Registered"),
        "investigated": _("Investigated"),
        "answered": _("Answered"),
        "closed": _("Closed"),
        "withdrawn": WITHDRAWN,
        "merged": MERGED,
    }
    INITIAL_STATE = "received"
    objects = TypedManager(ReportType.COMPLAINT)  # type: ignore[misc]  # a proxy\'s manager (django-stubs)

    class Meta:
        proxy = True
        verbose_name = _("complaint or feedback")

    @step(
        "received",
        "registered",
        roles=[Role.REGISTRAR, Role.UNIT_MANAGER, Role.SAS],
        label=_("Register"),
        form="ComplaintRegisterForm",
    )
    def register(self, **data):
        _apply(self, data, "handler", "acknowledged_at", "complaint_kind", "complaint_source", "subject_area")

    @step(
        "registered",
        "investigated",
        roles=[Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR],
        label=_("Record the position"),
        form="ComplaintInvestigateForm",
    )
    def investigate(self, **data):
        _apply(self, data, "position_statement", "deviation_found")

    @step(
        "investigated",
        "answered",
        roles=[Role.UNIT_MANAGER, Role.SAS, INVESTIGATOR],
        label=_("Answer"),
        form="ComplaintAnswerForm",
    )
    def answer(self, **data):
        _apply(self, data, "reply", "replied_at")

    @step("answered", "closed", roles=[Role.UNIT_MANAGER, Role.SAS], label=_("Close"), form="CloseForm")
    def close(self, **data):
        _apply(self, data, "decision", "closing_reason")
        self.closed_at = timezone.now()

    # Corrections after the fact (cases.services.corrections).
    @correction(
        ReportType.COMPLAINT,
        ["received", "registered", "investigated", "answered"],
        "withdrawn",
        label=_("Withdraw"),
        form="WithdrawForm",
    )
    def withdraw(self, **data):
        _withdraw(self)

    @correction(
        ReportType.COMPLAINT,
        ["received", "registered", "investigated", "answered"],
        "merged",
        label=_("Merge into another case"),
        form="MergeForm",
    )
    def merge(self, **data):
        _merge(self, data)

    @correction(ReportType.COMPLAINT, "closed", "answered", label=_("Reopen"), form="ReopenForm")
    def reopen(self, **data):
        _reopen(self)


class LexSarah(Report):
    """Lex Sarah: reported → measures taken → registered → investigating → assessed →
    decided → closed, or registered → outside scope. IVO notification runs beside it."""

    STATES = {
        "reported": _("Reported"),
        "measures_taken": _("Immediate measures recorded"),
        "registered": _("Registered"),
        "outside_scope": _("Closed: outside lex Sarah"),
        "investigating": _("Under investigation"),
        "assessed": _("Assessed"),
        "decided": _("Decided"),
        "closed": _("Closed"),
        "withdrawn": WITHDRAWN,
        "merged": MERGED,
    }
    INITIAL_STATE = "reported"
    objects = TypedManager(ReportType.LEX_SARAH)  # type: ignore[misc]  # a proxy\'s manager (django-stubs)

    class Meta:
        proxy = True
        verbose_name = _("lex Sarah report")

    @step(
        "reported",
        "measures_taken",
        roles=[Role.UNIT_MANAGER, Role.SAS],
        label=_("Record immediate measures"),
        form="ImmediateMeasuresForm",
    )
    def record_immediate_measures(self, **data):
        _apply(self, data, "immediate_measures", "immediate_measures_at")

    @step("measures_taken", "registered", roles=[Role.SAS], label=_("Register"), form="LexSarahRegisterForm")
    def register(self, **data):
        _apply(self, data, "chair_informed_at", "social_chief_informed_at")

    @step(
        "registered",
        "outside_scope",
        roles=[Role.SAS],
        label=_("Close as outside lex Sarah"),
        form="OutsideScopeForm",
    )
    def close_outside_scope(self, **data):
        _apply(self, data, "decision")
        self.decided_at = self.closed_at = timezone.now()

    @step(
        "registered",
        "investigating",
        roles=[Role.SAS, INVESTIGATOR],
        label=_("Start the investigation"),
        form="StartInvestigationForm",
    )
    def start_investigation(self, **data):
        self.investigation_started_at = timezone.now()

    @step(
        "investigating",
        "assessed",
        roles=[Role.SAS, INVESTIGATOR],
        label=_("Assess"),
        form="LexSarahAssessForm",
    )
    def assess(self, **data):
        _set_risk(self, data)
        _apply(self, data, "lex_sarah_assessment", "is_serious", "investigation_summary")

    @step("assessed", "decided", roles=[Role.DECISION_MAKER], label=_("Decide"), form="LexSarahDecideForm")
    def decide(self, **data):
        _apply(self, data, "decision", "decided_at")

    @step("decided", "closed", roles=[Role.SAS], label=_("Close"), form="CloseForm")
    def close(self, **data):
        _apply(self, data, "closing_reason")
        self.closed_at = timezone.now()

    # Corrections after the fact (cases.services.corrections).
    @correction(
        ReportType.LEX_SARAH,
        ["reported", "measures_taken", "registered", "investigating", "assessed", "decided"],
        "withdrawn",
        label=_("Withdraw"),
        form="WithdrawForm",
    )
    def withdraw(self, **data):
        _withdraw(self)

    @correction(
        ReportType.LEX_SARAH,
        ["reported", "measures_taken", "registered", "investigating", "assessed", "decided"],
        "merged",
        label=_("Merge into another case"),
        form="MergeForm",
    )
    def merge(self, **data):
        _merge(self, data)

    @correction(ReportType.LEX_SARAH, "closed", "decided", label=_("Reopen"), form="ReopenForm")
    def reopen(self, **data):
        _reopen(self)


class DataBreach(Report):
    """Personuppgiftsincident: reported → assessed → decided → closed; IMY beside it. Every
    step is the DSO's (the PuA's delegate); the SAS only reads (DOMAIN.md)."""

    STATES = {
        "reported": _("Reported"),
        "assessed": _("Assessed"),
        "decided": _("Decided"),
        "closed": _("Closed"),
        "withdrawn": WITHDRAWN,
        "merged": MERGED,
    }
    INITIAL_STATE = "reported"
    objects = TypedManager(ReportType.DATA_BREACH)  # type: ignore[misc]  # a proxy\'s manager (django-stubs)

    class Meta:
        proxy = True
        verbose_name = _("personal data breach")

    @step("reported", "assessed", roles=[Role.DSO], label=_("Assess"), form="BreachAssessForm")
    def assess(self, **data):
        _apply(
            self,
            data,
            "breach_nature",
            "approx_subjects",
            "approx_records",
            "likely_consequences",
            "breach_measures",
            "breach_risk",
            "ended_at",
        )

    @step(
        "assessed", "decided", roles=[Role.DSO], label=_("Decide on notifying IMY"), form="BreachDecideForm"
    )
    def decide(self, **data):
        _apply(self, data, "decision", "decided_at", "subjects_informed_at", "subjects_not_informed_reason")

    @step("decided", "closed", roles=[Role.DSO], label=_("Close"), form="CloseForm")
    def close(self, **data):
        _apply(self, data, "closing_reason")
        self.closed_at = timezone.now()

    # Corrections after the fact (cases.services.corrections).
    @correction(
        ReportType.DATA_BREACH,
        ["reported", "assessed", "decided"],
        "withdrawn",
        label=_("Withdraw"),
        form="WithdrawForm",
    )
    def withdraw(self, **data):
        _withdraw(self)

    @correction(
        ReportType.DATA_BREACH,
        ["reported", "assessed", "decided"],
        "merged",
        label=_("Merge into another case"),
        form="MergeForm",
    )
    def merge(self, **data):
        _merge(self, data)

    @correction(ReportType.DATA_BREACH, "closed", "decided", label=_("Reopen"), form="ReopenForm")
    def reopen(self, **data):
        _reopen(self)


class LexMaria(Report):
    """Lex Maria (patientsäkerhetslagen 2010:659 3 kap. 3–5 §§): reported → registered →
    investigating → assessed → decided → closed, or registered → outside scope. The MAS (or
    MAR) takes every step; the notification to IVO runs beside it, *snarast* once the event
    caused or could have caused a serious vårdskada. The SAS is not involved: an event that is
    also a missförhållande is routed to a linked lex Sarah case."""

    STATES = {
        "reported": _("Reported"),
        "registered": _("Registered"),
        "outside_scope": _("Closed: no vårdskada to investigate"),
        "investigating": _("Under investigation"),
        "assessed": _("Assessed"),
        "decided": _("Decided"),
        "closed": _("Closed"),
    }
    INITIAL_STATE = "reported"
    objects = TypedManager(ReportType.LEX_MARIA)  # type: ignore[misc]  # a proxy\'s manager (django-stubs)

    class Meta:
        proxy = True
        verbose_name = _("lex Maria report")

    @step("reported", "registered", roles=[Role.MAS], label=_("Register"), form="LexMariaRegisterForm")
    def register(self, **data):
        _apply(self, data, "immediate_measures", "immediate_measures_at")

    @step(
        "registered",
        "outside_scope",
        roles=[Role.MAS],
        label=_("Close: no vårdskada to investigate"),
        form="LexMariaOutsideScopeForm",
    )
    def close_outside_scope(self, **data):
        _apply(self, data, "decision")
        self.injury_assessment = Report.InjuryAssessment.NONE
        self.decided_at = self.closed_at = timezone.now()

    @step(
        "registered",
        "investigating",
        roles=[Role.MAS, INVESTIGATOR],
        label=_("Start the investigation"),
        form="StartInvestigationForm",
    )
    def start_investigation(self, **data):
        self.investigation_started_at = timezone.now()

    @step(
        "investigating",
        "assessed",
        roles=[Role.MAS, INVESTIGATOR],
        label=_("Assess the injury"),
        form="LexMariaAssessForm",
    )
    def assess(self, **data):
        _set_risk(self, data)
        _apply(self, data, "injury_assessment", "is_serious", "investigation_summary")

    @step("assessed", "decided", roles=[Role.MAS], label=_("Decide"), form="LexMariaDecideForm")
    def decide(self, **data):
        _apply(self, data, "decision", "decided_at")

    @step("decided", "closed", roles=[Role.MAS], label=_("Close"), form="CloseForm")
    def close(self, **data):
        _apply(self, data, "closing_reason")
        self.closed_at = timezone.now()


TYPE_MODELS: dict[str, type[Report]] = {
    ReportType.DEVIATION: Deviation,
    ReportType.COMPLAINT: Complaint,
    ReportType.LEX_SARAH: LexSarah,
    ReportType.DATA_BREACH: DataBreach,
    ReportType.LEX_MARIA: LexMaria,
}
