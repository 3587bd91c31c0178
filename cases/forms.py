"""The fields each change of a case requires, and the rules across them.

The same forms serve the API and the web pages, so a rule is stated once. Each form is
bound to the case it changes (``report``) and to the acting user (``user``); cross-entity
rules (causes before the investigation is complete, actions settled before closing, the
SOSFS 2011:5 5 kap. content before a lex Sarah decision) live in ``clean``.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from cases import reference_cache
from cases.models import (
    Action,
    AffectedPerson,
    Cause,
    DeadlineRule,
    InformationEvent,
    InvestigationEntry,
    InvestigationTopic,
    LegalReference,
    OrgUnit,
    Regulator,
    RegulatorNotification,
    Report,
    ReportType,
    RiskBand,
    RiskRoutingRule,
    Term,
)
from lib.validators import normalise_personnummer

YES_NO = [(True, _("Yes")), (False, _("No"))]
SCALE = [(i, str(i)) for i in range(1, 5)]


def _bool(value):
    return {
        "True": True,
        "true": True,
        "1": True,
        True: True,
        "False": False,
        "false": False,
        "0": False,
        False: False,
    }.get(value)


def yes_no_field(label, **kwargs):
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=_bool, empty_value=None, **kwargs)


def terms(vocabulary, board_id=None):
    """The vocabulary's terms valid today for a case of the board: the shared ones and the board's own."""
    return Term.objects.valid_on().filter(Q(board__isnull=True) | Q(board=board_id), vocabulary=vocabulary)


class _ChoicesWhenShown(BaseChoiceIterator):
    """A field's choices for its widget, asked of the field only when the widget shows them:
    a form built to validate a submission never builds the query for its choices."""

    def __init__(self, field):
        self.field = field

    def __iter__(self):
        return iter(self.field.choices)

    def __len__(self):
        return len(self.field.choices)


class TermField(forms.ModelChoiceField):
    """A term of one vocabulary, valid today: a shared one or one of ``board_id``'s own (set by
    the form from its case; without a case, shared terms only). Its choices (for the pages)
    come from the database, read when first asked for; a submitted value is checked against
    the process's copy of the terms (``cases.reference_cache``), which spares a statement per
    change of a case."""

    board_id = None

    def __init__(self, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        super().__init__(queryset=None, **kwargs)

    def _get_queryset(self):
        if self._queryset is None:  # the terms valid on the day the form is used, not at import
            self._queryset = terms(self.vocabulary, self.board_id)
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def __deepcopy__(self, memo):
        result = super(forms.ChoiceField, self).__deepcopy__(memo)
        result._queryset = None
        result.widget.choices = _ChoicesWhenShown(result)
        return result

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        if isinstance(value, Term):
            value = getattr(value, key)
        for term in reference_cache.valid(Term, timezone.localdate()):
            if (
                term.vocabulary == self.vocabulary
                and term.board_id in (None, self.board_id)
                and str(getattr(term, key)) == str(value)
            ):
                return term
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


# The times a case can hold. Nothing in a case happened before 1900, and outside this range a
# time cannot be kept and given back faithfully: Stockholm kept local mean time (+01:12:12,
# which no ISO 8601 offset can express) until 1900, and beyond year 9999 there is no datetime
# to read a stored value back into.
EARLIEST_TIME = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST_TIME = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def plausible_time(value):
    if not EARLIEST_TIME <= value < LATEST_TIME:
        raise ValidationError(_("Give a time between 1900 and 2099."), code="implausible_time")


def past_datetime(label, required=True, **kwargs):
    return forms.DateTimeField(label=label, required=required, validators=[plausible_time], **kwargs)


class CaseForm(forms.Form):
    def __init__(self, *args, report=None, user=None, **kwargs):
        self.report = report
        self.user = user
        # Terms offered and accepted: the shared ones and those of the case's board.
        self.board_id = report.namnd_id if report is not None else None
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, TermField):
                field.board_id = self.board_id

    @classmethod
    def blockers(cls, report):
        """Why this step cannot succeed yet, whatever is typed: what must first be on the case.
        The case page shows the step disabled with these reasons and the API lists them with the
        step (``blocked_by``); validating the form refuses with the same reasons, so the page and
        the service never disagree."""
        return []

    def _post_clean(self):
        super()._post_clean()
        if self.report is not None:
            for reason in self.blockers(self.report):
                self.add_error(None, reason)

    def require(self, field, message):
        if not self.cleaned_data.get(field):
            self.add_error(field, message)

    def not_in_future(self, *fields):
        now = timezone.now()
        for name in fields:
            value = self.cleaned_data.get(name)
            if value and value > now + datetime.timedelta(minutes=5):
                self.add_error(name, _("The time cannot be in the future."))


class RiskFields(CaseForm):
    probability = forms.TypedChoiceField(label=_("Probability (1–4)"), choices=SCALE, coerce=int)
    severity = forms.TypedChoiceField(label=_("Severity (1–4)"), choices=SCALE, coerce=int)
    risk_override_reason = forms.CharField(
        label=_("Reason for departing from the risk matrix"), required=False, widget=forms.Textarea
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.report is not None and self.report.probability:
            # The risk the case already holds (assessed before, or carried over when routed).
            self.initial.setdefault("probability", self.report.probability)
            self.initial.setdefault("severity", self.report.severity)

    def clean_risk(self):
        data = self.cleaned_data
        if data.get("probability") and data.get("severity"):
            score = data["probability"] * data["severity"]
            data["risk_band"] = RiskBand.for_score(score)
            data["suggested_route"] = RiskRoutingRule.suggested_route(score, data["severity"])
        return data


class DeviationAssessForm(RiskFields):
    category = TermField(Term.Vocabulary.DEVIATION_CATEGORY, label=_("Category"))
    route = forms.ChoiceField(label=_("Route"), choices=Report.Route.choices, required=False)

    def clean(self):
        """A route other than the risk matrix suggests needs a reason."""
        data = self.clean_risk()
        if "suggested_route" in data:
            data["route"] = data.get("route") or data["suggested_route"]
            if data["route"] != data["suggested_route"] and not data.get("risk_override_reason"):
                self.add_error(
                    "risk_override_reason",
                    _("The risk matrix suggests another route; give the reason for your choice."),
                )
        return data


class InvestigationSummaryForm(CaseForm):
    investigation_summary = forms.CharField(label=_("Summary of the investigation"), widget=forms.Textarea)

    @classmethod
    def blockers(cls, report):
        """At least one cause is recorded."""
        if not report.causes.exists():
            return [_("Record at least one cause before completing the investigation.")]
        return []


def unsettled_actions(report):
    return [a for a in report.actions.all() if not a.is_settled]


class ActionsTakenForm(CaseForm):
    no_action_reason = forms.CharField(
        label=_("Why no action is needed"), required=False, widget=forms.Textarea
    )

    def clean(self):
        """At least one action, each addressing a cause, or a reason why not."""
        actions = list(self.report.actions.prefetch_related("causes"))
        if self.cleaned_data.get("no_action_reason"):
            return self.cleaned_data
        if not actions:
            self.add_error("no_action_reason", _("Add at least one action, or say why no action is needed."))
        elif any(not a.causes.all() for a in actions):
            self.add_error(
                "no_action_reason", _("Every action must address a cause; link them, or give a reason.")
            )
        return self.cleaned_data


class FollowUpForm(CaseForm):
    follow_up_reason = forms.CharField(
        label=_("Reason to proceed with actions open or unevaluated"), required=False, widget=forms.Textarea
    )

    def clean(self):
        """Every action done with its effect followed up, or a reason."""
        if unsettled_actions(self.report) and not self.cleaned_data.get("follow_up_reason"):
            self.add_error(
                "follow_up_reason",
                _(
                    "Some actions are not done or their effect is not followed up; finish them or give a reason."
                ),
            )
        return self.cleaned_data


class CloseForm(CaseForm):
    decision = forms.CharField(label=_("Closing decision"), required=False, widget=forms.Textarea)
    closing_reason = forms.CharField(
        label=_("Reason to close with actions open"), required=False, widget=forms.Textarea
    )

    # States that must be reached by every regulator notification before the case closes.
    CLOSABLE = {
        Regulator.IVO: {"done"},
        Regulator.IMY: {"submitted", "supplemented", "regulator_decided", "done"},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.report.type in (ReportType.DEVIATION, ReportType.COMPLAINT):
            self.fields["decision"].required = True
        else:
            del self.fields["decision"]

    def clean(self):
        """Every action settled or a reason; every IVO notification done, every IMY notification submitted."""
        if unsettled_actions(self.report) and not self.cleaned_data.get("closing_reason"):
            self.add_error(
                "closing_reason",
                _(
                    "Some actions are not done or their effect is not followed up; finish them or give a reason."
                ),
            )
        return self.cleaned_data

    @classmethod
    def blockers(cls, report):
        """Every regulator notification far enough along: IVO's done, IMY's submitted."""
        reasons = []
        for notification in report.regulator_notifications.all():
            if notification.state in cls.CLOSABLE[notification.regulator]:
                continue
            regulator = {"regulator": notification.regulator.upper()}  # "IVO:s slutliga beslut saknas"
            if notification.state == "decided":
                reasons.append(_("The notification to %(regulator)s has not been submitted.") % regulator)
            elif notification.state in ("submitted", "supplemented"):
                reasons.append(_("%(regulator)s's final decision is missing.") % regulator)
            else:
                reasons.append(
                    _("The notification to %(regulator)s is not completed; complete it before closing.")
                    % regulator
                )
        return reasons


def board_members(board_id):
    """Who may be named on a case of the board: its active people (cases.services.reports
    refuses anyone else too), by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, home_unit__namnd_id=board_id)
        .order_by("first_name", "last_name", "username")
    )


def person_label(user):
    """A person as a picker shows them: full name and title, never the account's username."""
    return f"{user.display_name}, {user.title}" if getattr(user, "title", "") else user.display_name


def people_of_the_board(field, board_id):
    """A people picker limited to the case's board, showing full names."""
    field.queryset = board_members(board_id)
    field.label_from_instance = person_label
    return field


class ComplaintRegisterForm(CaseForm):
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=get_user_model().objects.filter(is_active=True)
    )
    complaint_kind = TermField(Term.Vocabulary.COMPLAINT_KIND, label=_("Kind"))
    complaint_source = TermField(Term.Vocabulary.COMPLAINT_SOURCE, label=_("Source"))
    subject_area = TermField(Term.Vocabulary.SUBJECT_AREA, label=_("Subject area"), required=False)
    acknowledged_at = past_datetime(_("Acknowledgement sent at"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people_of_the_board(self.fields["handler"], self.board_id)
        if self.report.complaint_kind_id and not self.is_bound:
            self.initial["complaint_kind"] = self.report.complaint_kind_id

    def clean(self):
        """An acknowledgement time when the submitter left contact details."""
        self.not_in_future("acknowledged_at")
        if self.report.submitter_contact and not self.cleaned_data.get("acknowledged_at"):
            self.add_error(
                "acknowledged_at",
                _("The submitter left contact details: record when the acknowledgement was sent."),
            )
        return self.cleaned_data


class ComplaintInvestigateForm(CaseForm):
    position_statement = forms.CharField(label=_("Position (ställningstagande)"), widget=forms.Textarea)
    deviation_found = yes_no_field(_("Did a deviation occur?"))
    route_to_lex_sarah = forms.BooleanField(
        label=_("This is a missförhållande: open a linked lex Sarah case"), required=False
    )


class ComplaintAnswerForm(CaseForm):
    reply = forms.CharField(label=_("Reply to the submitter"), widget=forms.Textarea)
    replied_at = past_datetime(_("Replied at"), required=False)

    def clean(self):
        """The reply time defaults to now and cannot be in the future."""
        self.not_in_future("replied_at")
        self.cleaned_data["replied_at"] = self.cleaned_data.get("replied_at") or timezone.now()
        return self.cleaned_data


class ImmediateMeasuresForm(CaseForm):
    immediate_measures = forms.CharField(
        label=_("Immediate measures taken to protect the person"), widget=forms.Textarea
    )
    immediate_measures_at = past_datetime(_("Taken at"))

    def clean(self):
        """The time of the measures cannot be in the future."""
        self.not_in_future("immediate_measures_at")
        return self.cleaned_data


class LexSarahRegisterForm(CaseForm):
    chair_informed_at = past_datetime(_("Board chair informed at"))
    social_chief_informed_at = past_datetime(_("Head of social services informed at"))
    categories = forms.ModelMultipleChoiceField(label=_("Categories"), queryset=Term.objects.none())
    investigator = forms.ModelChoiceField(
        label=_("Named investigator"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = terms(Term.Vocabulary.LEX_SARAH_CATEGORY, self.board_id)
        people_of_the_board(self.fields["investigator"], self.board_id)

    def clean(self):
        """The chair and the head of social services are informed; times not in the future."""
        self.not_in_future("chair_informed_at", "social_chief_informed_at")
        return self.cleaned_data


class OutsideScopeForm(CaseForm):
    SPAWN = [
        ("", _("No new case")),
        (ReportType.DEVIATION, _("Open a linked deviation")),
        (ReportType.COMPLAINT, _("Open a linked complaint")),
    ]
    decision = forms.CharField(label=_("Written position (ställningstagande)"), widget=forms.Textarea)
    spawn = forms.ChoiceField(label=_("Continue as"), choices=SPAWN, required=False)


class StartInvestigationForm(CaseForm):
    pass


def investigation_checklist(report):
    """The topics an investigation of the case's type must document before its decision
    (SOSFS 2011:5 5 kap. for lex Sarah; data, ``InvestigationTopic``), each with whether an
    entry of the case documents it: ``[(topic, documented)]``, in the topics' order."""
    topics = list(
        InvestigationTopic.objects.valid_on().filter(report_type=report.type, required_for_decision=True)
    )
    if not topics:
        return []
    documented = set(
        report.investigation_entries.filter(topic__isnull=False).values_list("topic_id", flat=True)
    )
    return [(topic, topic.pk in documented) for topic in topics]


def missing_topics(report):
    """The required topics no entry of the case documents yet."""
    return [topic for topic, documented in investigation_checklist(report) if not documented]


def missing_topics_reason(report):
    missing = missing_topics(report)
    if not missing:
        return []
    return [
        _("The investigation does not yet document: %(topics)s.")
        % {"topics": "; ".join(str(t) for t in missing)}
    ]


class LexSarahAssessForm(RiskFields):
    lex_sarah_assessment = forms.ChoiceField(label=_("Assessment"), choices=Report.LexSarahAssessment.choices)
    is_serious = yes_no_field(_("Is it serious (allvarligt)?"))
    investigation_summary = forms.CharField(
        label=_("Summary of the investigation"), required=False, widget=forms.Textarea
    )

    @classmethod
    def blockers(cls, report):
        """The decision maker cannot document the investigation: the assessment that hands the
        case to them waits until every required topic is documented, as the decision would."""
        return missing_topics_reason(report)

    def clean(self):
        """The SOSFS 2011:5 5 kap. topics are documented; a seriousness that departs from the risk matrix needs a reason."""
        data = self.clean_risk()
        band = data.get("risk_band")
        if data.get("lex_sarah_assessment") == Report.LexSarahAssessment.NONE and data.get("is_serious"):
            self.add_error(
                "is_serious",
                _("Without a missförhållande or a risk of one there is nothing serious to assess."),
            )
        if band is not None and data.get("is_serious") is not None:
            if data["is_serious"] != band.suggests_serious and not data.get("risk_override_reason"):
                self.add_error(
                    "risk_override_reason",
                    _("Your assessment departs from the risk matrix (%(band)s); give the reason.")
                    % {"band": band.name},
                )
        return data


def legal_reference_field(code):
    current = LegalReference.objects.valid_on().filter(code=code).order_by("-valid_from").first()
    return forms.ModelChoiceField(
        label=_("Legal basis"), queryset=LegalReference.objects.valid_on(), initial=current
    )


class DecisionFields(CaseForm):
    decision = forms.CharField(label=_("Decision and its reasons"), widget=forms.Textarea)
    decided_at = past_datetime(_("Decided at"), required=False)
    LEGAL_CODE = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_reference"] = legal_reference_field(self.LEGAL_CODE)
        if not self.is_bound or not self.data.get("legal_reference"):
            self.fields["legal_reference"].required = self.fields["legal_reference"].initial is None

    def clean(self):
        self.not_in_future("decided_at")
        self.cleaned_data["decided_at"] = self.cleaned_data.get("decided_at") or timezone.now()
        if not self.cleaned_data.get("legal_reference") and "legal_reference" not in self.errors:
            self.cleaned_data["legal_reference"] = self.fields["legal_reference"].initial
        return self.cleaned_data


class IvoDecideFields(DecisionFields):
    """The decision of a case notified to IVO (lex Sarah, lex Maria): the investigation topics
    required of its type (``InvestigationTopic``, data) are documented first."""

    notify_ivo = yes_no_field(_("Notify IVO?"))
    SERIOUS_MESSAGE = ""

    @classmethod
    def blockers(cls, report):
        return missing_topics_reason(report)

    def clean(self):
        """The type's required investigation topics are documented; a serious case is notified to IVO."""
        super().clean()
        already = self.report.regulator_notifications.filter(regulator=Regulator.IVO).exists()
        if self.report.is_serious and self.cleaned_data.get("notify_ivo") is False and not already:
            self.add_error("notify_ivo", self.SERIOUS_MESSAGE)
        return self.cleaned_data


class LexSarahDecideForm(IvoDecideFields):
    LEGAL_CODE = "lex-sarah-anmalan"
    SERIOUS_MESSAGE = _("A serious missförhållande must be notified to IVO.")


class LexMariaRegisterForm(CaseForm):
    """The MAS registers a lex Maria report: its categories, what was done at once for the
    patient's safety, and a named investigator when someone else investigates."""

    categories = forms.ModelMultipleChoiceField(label=_("Categories"), queryset=Term.objects.none())
    immediate_measures = forms.CharField(
        label=_("Measures taken at once for the patient's safety"), required=False, widget=forms.Textarea
    )
    immediate_measures_at = past_datetime(_("Taken at"), required=False)
    investigator = forms.ModelChoiceField(
        label=_("Named investigator"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = terms(Term.Vocabulary.LEX_MARIA_CATEGORY, self.board_id)
        self.fields["investigator"].queryset = board_members(self.board_id)

    def clean(self):
        """Measures recorded have a time, not in the future."""
        self.not_in_future("immediate_measures_at")
        data = self.cleaned_data
        if data.get("immediate_measures") and not data.get("immediate_measures_at"):
            self.add_error("immediate_measures_at", _("Say when the measures were taken."))
        return data


class LexMariaOutsideScopeForm(CaseForm):
    SPAWN = [
        ("", _("No new case")),
        (ReportType.DEVIATION, _("Open a linked deviation")),
        (ReportType.LEX_SARAH, _("Open a linked lex Sarah report")),
    ]
    decision = forms.CharField(
        label=_("Why there is no vårdskada to investigate (ställningstagande)"), widget=forms.Textarea
    )
    spawn = forms.ChoiceField(label=_("Continue as"), choices=SPAWN, required=False)


class LexMariaAssessForm(RiskFields):
    """Patientsäkerhetslagen 1 kap. 5 §: a serious vårdskada is lasting and not minor, a
    substantially increased need of care, or death; it and the risk of it are notified to IVO."""

    injury_assessment = forms.ChoiceField(
        label=_("Health-care injury (vårdskada)"), choices=Report.InjuryAssessment.choices
    )
    investigation_summary = forms.CharField(
        label=_("Summary of the investigation"), required=False, widget=forms.Textarea
    )
    SERIOUS = {Report.InjuryAssessment.SERIOUS, Report.InjuryAssessment.RISK}

    def clean(self):
        """Serious is what the law calls it; departing from the risk matrix needs a reason."""
        data = self.clean_risk()
        if data.get("injury_assessment"):
            data["is_serious"] = data["injury_assessment"] in self.SERIOUS
        band = data.get("risk_band")
        if band is not None and data.get("is_serious") is not None:
            if data["is_serious"] != band.suggests_serious and not data.get("risk_override_reason"):
                self.add_error(
                    "risk_override_reason",
                    _("Your assessment departs from the risk matrix (%(band)s); give the reason.")
                    % {"band": band.name},
                )
        return data


class LexMariaDecideForm(IvoDecideFields):
    LEGAL_CODE = "lex-maria-anmalan"
    SERIOUS_MESSAGE = _("A serious vårdskada, or the risk of one, must be notified to IVO.")


class BreachAssessForm(CaseForm):
    NATURE = [
        ("confidentiality", _("Confidentiality")),
        ("integrity", _("Integrity")),
        ("availability", _("Availability")),
    ]
    breach_nature = forms.MultipleChoiceField(label=_("Nature of the breach"), choices=NATURE)
    data_categories = forms.ModelMultipleChoiceField(
        label=_("Categories of personal data"), queryset=Term.objects.none()
    )
    approx_subjects = forms.IntegerField(
        label=_("Approximate number of persons"), min_value=0, max_value=2**31 - 1
    )
    approx_records = forms.IntegerField(
        label=_("Approximate number of records"), min_value=0, max_value=2**31 - 1
    )
    likely_consequences = forms.CharField(label=_("Likely consequences"), widget=forms.Textarea)
    breach_measures = forms.CharField(label=_("Measures taken or proposed"), widget=forms.Textarea)
    breach_risk = forms.ChoiceField(label=_("Risk"), choices=Report.BreachRisk.choices)
    ended_at = past_datetime(_("Ended at"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_categories"].queryset = terms(Term.Vocabulary.BREACH_DATA_CATEGORY, self.board_id)

    def clean(self):
        """The end time cannot be in the future."""
        self.not_in_future("ended_at")
        return self.cleaned_data


def imy_deadline(report):
    """The case's own 72-hour clock when it has one (the rule valid when it started)."""
    clock = report.clocks.filter(code="breach-imy-notification").order_by("-started_at").first()
    if clock is not None:
        return clock.due_at
    rule = DeadlineRule.current("breach-imy-notification")
    return rule.due(report.discovered_at) if rule and report.discovered_at else None


class BreachDecideForm(DecisionFields):
    LEGAL_CODE = "gdpr-33"
    notify_imy = yes_no_field(_("Notify IMY?"))
    delay_reason = forms.CharField(
        label=_("Reason for notifying after the deadline"), required=False, widget=forms.Textarea
    )
    subjects_informed_at = past_datetime(_("Data subjects informed at"), required=False)
    subjects_not_informed_reason = forms.CharField(
        label=_("Why the data subjects are not (yet) informed"), required=False, widget=forms.Textarea
    )

    def clean(self):
        """A risk means notifying IMY; after 72 hours a reason for the delay; at high risk the persons are told."""
        super().clean()
        data = self.cleaned_data
        self.not_in_future("subjects_informed_at")
        risky = self.report.breach_risk in (Report.BreachRisk.RISK, Report.BreachRisk.HIGH)
        if risky and data.get("notify_imy") is False:
            self.add_error(
                "notify_imy", _("A breach that is likely to result in a risk must be notified to IMY.")
            )
        deadline = imy_deadline(self.report)
        if data.get("notify_imy") and deadline and data["decided_at"] > deadline:
            self.require("delay_reason", _("The 72-hour deadline has passed: give the reason for the delay."))
        if self.report.breach_risk == Report.BreachRisk.HIGH and not (
            data.get("subjects_informed_at") or data.get("subjects_not_informed_reason")
        ):
            self.add_error(
                "subjects_informed_at",
                _("At high risk the data subjects must be told: record when, or why not yet."),
            )
        return data


class NotificationDecideForm(DecisionFields):
    """Notifying IVO as soon as it is clear the matter is serious, at any stage."""

    LEGAL_CODES = {ReportType.LEX_SARAH: "lex-sarah-anmalan", ReportType.LEX_MARIA: "lex-maria-anmalan"}

    def __init__(self, *args, report=None, **kwargs):
        kind = report.type if report is not None else ReportType.LEX_SARAH
        self.LEGAL_CODE = self.LEGAL_CODES.get(kind, "")
        super().__init__(*args, report=report, **kwargs)


class NotificationSubmitForm(CaseForm):
    submitted_at = past_datetime(_("Submitted at"))
    channel = forms.ChoiceField(label=_("Channel"), choices=RegulatorNotification.Channel.choices)
    regulator_case_number = forms.CharField(
        label=_("The regulator's case number"), required=False, max_length=60
    )
    delay_reason = forms.CharField(label=_("Reason for the delay"), required=False, widget=forms.Textarea)

    def __init__(self, *args, notification=None, **kwargs):
        self.notification = notification
        super().__init__(*args, **kwargs)

    def clean(self):
        """An IMY notification after 72 hours needs a reason for the delay."""
        self.not_in_future("submitted_at")
        data = self.cleaned_data
        if self.notification.regulator == Regulator.IMY and data.get("submitted_at"):
            deadline = imy_deadline(self.report)
            if deadline and data["submitted_at"] > deadline and not self.notification.delay_reason:
                self.require(
                    "delay_reason", _("The 72-hour deadline has passed: give the reason for the delay.")
                )
        return data


class SupplementForm(CaseForm):
    sent_at = past_datetime(_("Sent at"))
    text = forms.CharField(label=_("What was sent"), widget=forms.Textarea)

    def __init__(self, *args, notification=None, **kwargs):
        self.notification = notification
        super().__init__(*args, **kwargs)


class OutcomeForm(CaseForm):
    outcome = forms.ChoiceField(
        label=_("The regulator's decision"), choices=RegulatorNotification.Outcome.choices
    )
    outcome_at = forms.DateField(label=_("Date of the decision"))
    outcome_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)
    regulator_case_number = forms.CharField(
        label=_("The regulator's case number"), required=False, max_length=60
    )

    def __init__(self, *args, notification=None, **kwargs):
        self.notification = notification
        super().__init__(*args, **kwargs)


class CompleteNotificationForm(CaseForm):
    def __init__(self, *args, notification=None, **kwargs):
        self.notification = notification
        super().__init__(*args, **kwargs)


NOTIFICATION_FORMS = {
    "submit": NotificationSubmitForm,
    "supplement": SupplementForm,
    "record_outcome": OutcomeForm,
    "complete": CompleteNotificationForm,
}


class ReportCreateForm(forms.Form):
    """Filing a report: a handful of fields, everything else can follow in the case."""

    type = forms.ChoiceField(label=_("Type"), choices=ReportType.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.exclude(kind__in=["kommun"]))
    description = forms.CharField(label=_("What happened?"), widget=forms.Textarea, max_length=20000)
    occurred_at = past_datetime(_("When did it happen?"), required=False)
    discovered_at = past_datetime(_("When was it discovered?"), required=False)
    kind = TermField(Term.Vocabulary.COMPLAINT_KIND, label=_("Kind"), required=False, to_field_name="code")
    submitter_name = forms.CharField(label=_("Submitter's name"), required=False, max_length=200)
    submitter_contact = forms.CharField(
        label=_("Submitter's contact details"), required=False, max_length=200
    )
    # Bulk reporting (samlerapportering): many similar low-risk deviations reported once
    # (docs/bulk-reports.md); the fields a bulk report needs beside the usual ones.
    bulk = forms.BooleanField(label=_("Several similar events reported together"), required=False)
    event_count = forms.IntegerField(label=_("How many events?"), required=False, min_value=2)
    event_period_start = forms.DateField(
        label=_("Events from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    event_period_end = forms.DateField(
        label=_("Events to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = TermField(Term.Vocabulary.DEVIATION_CATEGORY, label=_("Category"), required=False)
    probability = forms.TypedChoiceField(
        label=_("Probability (1–4)"),
        choices=[("", "–"), *SCALE],
        coerce=int,
        required=False,
        empty_value=None,
    )
    severity = forms.TypedChoiceField(
        label=_("Severity (1–4)"), choices=[("", "–"), *SCALE], coerce=int, required=False, empty_value=None
    )
    lex_sarah_criteria = forms.BooleanField(
        label=_("Did any of the events cause, or risk causing, serious harm (a lex Sarah matter)?"),
        required=False,
    )

    def clean(self):
        data = self.cleaned_data
        kind = data.get("type")
        if data.get("bulk"):
            self._clean_bulk(data)
        now = timezone.now() + datetime.timedelta(minutes=5)
        for name in ("occurred_at", "discovered_at"):
            if data.get(name) and data[name] > now:
                self.add_error(name, _("The time cannot be in the future."))
        if (
            kind in (ReportType.DEVIATION, ReportType.LEX_SARAH, ReportType.LEX_MARIA)
            and not data.get("occurred_at")
            and "occurred_at" not in self.errors
        ):
            self.add_error("occurred_at", _("Say when it happened, as closely as you can."))
        if (
            kind == ReportType.DATA_BREACH
            and not data.get("discovered_at")
            and "discovered_at" not in self.errors
        ):
            self.add_error(
                "discovered_at", _("Say when the breach was discovered: the 72-hour clock starts then.")
            )
        if kind == ReportType.COMPLAINT and not data.get("kind"):
            self.add_error("kind", _("Choose the kind: complaint, opinion, suggestion or praise."))
        unit = data.get("unit")
        if unit is not None and unit.namnd_id is None:
            self.add_error("unit", _("Choose a unit that belongs to a board."))
        return data

    def _clean_bulk(self, data):
        if data.get("type") != ReportType.DEVIATION:
            self.add_error("bulk", _("Only deviations (avvikelser) can be reported together."))
            return
        for name, message in (
            ("event_count", _("Say how many events the report stands for (at least 2).")),
            ("event_period_start", _("Say when the first of the events happened.")),
            ("event_period_end", _("Say when the last of the events happened.")),
            ("category", _("Choose the category the events share.")),
            ("probability", _("Assess the probability: a bulk report is only for low-risk events.")),
            ("severity", _("Assess the severity: a bulk report is only for low-risk events.")),
        ):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        start, end = data.get("event_period_start"), data.get("event_period_end")
        if start and not data.get("occurred_at"):
            # The events' first day stands for when it happened.
            data["occurred_at"] = datetime.datetime.combine(
                start, datetime.time(12), timezone.get_current_timezone()
            )
        if start and end:
            if end < start:
                self.add_error("event_period_end", _("The last event cannot come before the first."))
            elif end > timezone.localdate():
                self.add_error("event_period_end", _("The time cannot be in the future."))
            elif (end - start).days >= settings.BULK_REPORT_MAX_DAYS:
                self.add_error(
                    "event_period_end",
                    _("A bulk report covers at most %(days)s days.")
                    % {"days": settings.BULK_REPORT_MAX_DAYS},
                )
        if data.get("probability") and data.get("severity"):
            refusal = bulk_refusal(data["probability"], data["severity"], data.get("lex_sarah_criteria"))
            if refusal:
                self.add_error("bulk", refusal)
        elif data.get("lex_sarah_criteria"):
            self.add_error("bulk", bulk_refusal(1, 1, True))


def bulk_refusal(probability, severity, lex_sarah_criteria, day=None):
    """Why a bulk report may not be filed, or None: each event must be reported on its own
    when it met the lex Sarah criteria, when the risk matrix routes it elsewhere, or when its
    risk is above the lowest risk level in force (samlerapportering is for low risk only)."""
    if lex_sarah_criteria:
        return _(
            "A bulk report cannot be made when an event caused or risked serious harm: report each such "
            "event on its own, as lex Sarah."
        )
    score = probability * severity
    band = RiskBand.for_score(score, day)
    lowest = min(
        reference_cache.valid(RiskBand, day or timezone.localdate()), key=lambda b: b.min_score, default=None
    )
    if band is None or lowest is None or band.pk != lowest.pk:
        return _(
            "A bulk report is only for low-risk events (%(level)s): the risk given (%(score)s) is higher. "
            "Report each event on its own."
        ) % {"level": str(lowest) if lowest else "–", "score": score}
    if RiskRoutingRule.suggested_route(score, severity, day) != ReportType.DEVIATION:
        return _("The risk matrix routes events like these elsewhere: report each event on its own.")
    return None


class AffectedPersonForm(forms.ModelForm):
    class Meta:
        model = AffectedPerson
        fields = ["name", "personnummer", "protected_identity", "role"]

    def clean_personnummer(self):
        value = self.cleaned_data.get("personnummer")
        return normalise_personnummer(value) if value else ""

    def clean(self):
        data = super().clean()
        if not data.get("name") and not data.get("personnummer") and not data.get("role"):
            raise ValidationError(
                _("Give a name, a personal identity number or how the person is concerned.")
            )
        return data


class ReportBoundModelForm(forms.ModelForm):
    def __init__(self, *args, report=None, **kwargs):
        self.report = report
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the model's times, held to the range as the other forms' are
            if isinstance(field, forms.DateTimeField):
                field.validators.append(plausible_time)


class InvestigationEntryForm(ReportBoundModelForm):
    class Meta:
        model = InvestigationEntry
        fields = ["topic", "text", "entry_date", "source", "nature", "corrects"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = InvestigationTopic.objects.valid_on().filter(
            report_type=self.report.type
        )
        self.fields["corrects"].queryset = self.report.investigation_entries.select_related("topic")


class CauseForm(ReportBoundModelForm):
    class Meta:
        model = Cause
        fields = ["description"]


class ActionForm(ReportBoundModelForm):
    class Meta:
        model = Action
        fields = ["description", "kind", "causes", "owner", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["causes"].queryset = self.report.causes.all()
        people_of_the_board(self.fields["owner"], self.report.namnd_id)


class ActionUpdateForm(ReportBoundModelForm):
    class Meta:
        model = Action
        fields = ["status", "effect_follow_up", "due_date", "owner", "causes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["causes"].queryset = self.report.causes.all()
        people_of_the_board(self.fields["owner"], self.report.namnd_id)
        for name in self.fields:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in ("due_date", "owner", "status"):
            if not data.get(name):
                data[name] = getattr(self.instance, name)
        if "effect_follow_up" not in self.data:
            data["effect_follow_up"] = self.instance.effect_follow_up
        if "causes" not in self.data:
            data.pop("causes", None)
        return data


class InformationEventForm(ReportBoundModelForm):
    class Meta:
        model = InformationEvent
        fields = ["person", "informed_at", "channel", "person_view", "journal_note_recorded"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = self.report.persons.all()


class RiskForm(RiskFields):
    """Re-assessing the risk of a case outside a transition."""

    def clean(self):
        return self.clean_risk()


class RouteForm(CaseForm):
    TARGETS = {
        ReportType.DEVIATION: [ReportType.LEX_SARAH, ReportType.DATA_BREACH, ReportType.LEX_MARIA],
        ReportType.COMPLAINT: [ReportType.DEVIATION, ReportType.LEX_SARAH, ReportType.LEX_MARIA],
        ReportType.LEX_SARAH: [ReportType.DEVIATION, ReportType.COMPLAINT, ReportType.LEX_MARIA],
        ReportType.DATA_BREACH: [],
        ReportType.LEX_MARIA: [ReportType.DEVIATION, ReportType.LEX_SARAH],
    }
    target_type = forms.ChoiceField(label=_("Open a linked case of type"), choices=ReportType.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)

    def clean_target_type(self):
        value = self.cleaned_data["target_type"]
        if value not in self.TARGETS[self.report.type]:
            raise ValidationError(_("A case of this type cannot be routed there."))
        existing = self.report.links_out.filter(target__type=value).select_related("target").first()
        if existing is not None:  # one linked case per type: the work is not done twice
            raise ValidationError(
                _("This case was already routed to %(number)s; work on that case.")
                % {"number": existing.target.case_number}
            )
        return value


class KeyTimeCorrectionForm(CaseForm):
    """Correcting when something happened or was discovered; the clocks that run from it follow."""

    FIELDS = [
        ("reported_at", _("When the report was received")),
        ("discovered_at", _("When it was discovered")),
        ("occurred_at", _("When it happened")),
    ]
    field = forms.ChoiceField(label=_("Time to correct"), choices=FIELDS)
    value = past_datetime(_("Correct time"))
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea)

    def clean(self):
        """The corrected time cannot be in the future."""
        self.not_in_future("value")
        return self.cleaned_data


# Corrections after the fact (cases.services.corrections).


def _correctable(report):
    """Why this case cannot be withdrawn or merged away, or None: a case on which a
    delegation decision was taken or a regulator was notified has a record of its own that
    must stand (the register of delegation decisions, the regulator's file)."""
    if report.regulator_notifications.exists():
        return _("The case has a notification to a regulator; it cannot be withdrawn or merged away.")
    if report.delegation_decisions.exists():
        return _("A delegation decision was taken on the case; it cannot be withdrawn or merged away.")
    return None


class ReopenForm(CaseForm):
    reason = forms.CharField(label=_("Why the case is reopened"), widget=forms.Textarea)


class WithdrawForm(CaseForm):
    reason = forms.CharField(label=_("Why the report was filed by mistake"), widget=forms.Textarea)

    def clean(self):
        """Not once a regulator was notified or a delegation decision taken on the case."""
        problem = _correctable(self.report) if self.report is not None and self.report.pk else None
        if problem:
            raise ValidationError(problem)
        return self.cleaned_data


class MergeForm(CaseForm):
    survivor = forms.CharField(
        label=_("Case number of the case it duplicates"),
        max_length=40,
        help_text=_("For example SN 2026/0012. That case stays; this one points to it and is closed."),
    )
    reason = forms.CharField(label=_("Why it is a duplicate"), widget=forms.Textarea)

    def clean_survivor(self):
        return " ".join(self.cleaned_data["survivor"].split())

    def clean(self):
        """A case of the same type and board, not itself merged or withdrawn; not once a
        regulator was notified or a delegation decision taken on this case."""
        problem = _correctable(self.report) if self.report is not None and self.report.pk else None
        if problem:
            raise ValidationError(problem)
        return self.cleaned_data


class DescriptionForm(CaseForm):
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}))
    reason = forms.CharField(label=_("Why it is edited"), required=False, widget=forms.Textarea)

    def clean_description(self):
        value = self.cleaned_data["description"].strip()
        if self.report is not None and value == self.report.description.strip():
            raise ValidationError(_("The description is unchanged."))
        return value


class DelegationReportedForm(forms.Form):
    """Marking delegation decisions as reported to the board (anmälda till nämnden)."""

    meeting_date = forms.DateField(label=_("Date of the board meeting"))
    decisions = forms.TypedMultipleChoiceField(label=_("Decisions"), coerce=int, choices=())

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decisions"].choices = list(choices)
