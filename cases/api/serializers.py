"""Output only: what a case and its parts look like over the API.

Input never goes through these: the services validate it with the forms in ``cases.forms``.
Every serializer that shows something of a case expects ``request`` (and, for parts that
depend on the case, ``report``) in its context.
"""

from django.urls import reverse
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from cases import audit_actions, parts
from cases.api import reading
from cases.api.clocks import CaseClocksField
from cases.models import TYPE_MODELS, Action, InvestigationEntry, ReportType
from cases.services import available_transitions
from cases.services.base import CLOSED_STATES


def _one_value(value):
    """A field's schema with the one value it takes in a variant of ``Case``: ``representation``
    and, among the full views, ``type`` tell the variants apart, so that an answer matches
    exactly one of them."""
    return {"type": "string", "enum": [value]}


def _of_type(report_type):
    return serializers.ChoiceField(choices=[(report_type.value, report_type.label)])


def state_label(report):
    return str(TYPE_MODELS[report.type].STATES.get(report.state, report.state))


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class ReferenceSerializer(serializers.Serializer):
    """A row of reference data: a term, a risk level, an investigation topic."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class FieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    fields = FieldSerializer(many=True)
    blocked_by = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why the step cannot succeed yet, whatever is sent: what must first be on the case. "
        "Empty when it can.",
    )


class ReportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=ReportType.choices)
    type_label = serializers.CharField(source="get_type_display")
    case_number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    unit = UnitRefSerializer()
    namnd = UnitRefSerializer()
    reported_at = serializers.DateTimeField()
    occurred_at = serializers.DateTimeField(allow_null=True)

    def get_state_label(self, report) -> str:
        return state_label(report)


class CaseSerializer(ReportSummarySerializer):
    """What everyone who may see the case sees."""

    representation = serializers.SerializerMethodField()
    description = serializers.CharField()
    discovered_at = serializers.DateTimeField(allow_null=True)
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(TransitionSerializer(many=True))
    def get_available_transitions(self, report):
        return available_transitions(report, self.context["request"].user)


class ReporterViewSerializer(CaseSerializer):
    """The reporter follows their report: its state, and the answer or decision once given."""

    reply = serializers.CharField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(_one_value("reduced"))
    def get_representation(self, report):
        return "reduced"

    def to_representation(self, report):
        data = super().to_representation(report)
        if report.type != ReportType.COMPLAINT or not report.reply:
            data["reply"] = data["replied_at"] = None
        if report.state not in CLOSED_STATES or not report.decision:
            data["decision"] = None
        return data


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    personnummer = serializers.CharField()
    protected_identity = serializers.BooleanField()
    masked = serializers.BooleanField(default=False, help_text="Protected identity hidden from this user.")
    role = serializers.CharField()


class InvestigationEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = ReferenceSerializer(allow_null=True)
    text = serializers.CharField()
    entry_date = serializers.DateField()
    source = serializers.CharField()
    nature = serializers.ChoiceField(choices=InvestigationEntry.Nature.choices)
    nature_label = serializers.CharField(source="get_nature_display")
    author_name = serializers.CharField()
    author_title = serializers.CharField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    created_at = serializers.DateTimeField()


class CauseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=Action.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    causes = serializers.SerializerMethodField()
    owner = UserRefSerializer()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=Action.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    done_at = serializers.DateTimeField(allow_null=True)
    effect_follow_up = serializers.CharField()
    effect_evaluated_at = serializers.DateTimeField(allow_null=True)
    is_settled = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_causes(self, action) -> list[int]:
        return [cause.pk for cause in action.causes.all()]


class InformationEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    informed_at = serializers.DateTimeField()
    channel = serializers.CharField()
    informed_by = UserRefSerializer()
    person_view = serializers.CharField()
    journal_note_recorded = serializers.BooleanField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = UserRefSerializer(allow_null=True)  # None: sent with the public form
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        return reverse(
            "api:attachment-download", kwargs={"report_id": attachment.report_id, "pk": attachment.pk}
        )


class LinkedReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text="Only for a case this user may open.")
    case_number = serializers.CharField()
    type = serializers.ChoiceField(choices=ReportType.choices)


class LinkSerializer(serializers.Serializer):
    """A linked case the user may not open shows only its number and type."""

    direction = serializers.ChoiceField(choices=["to", "from"])
    visible = serializers.BooleanField()
    report = LinkedReportSerializer()
    reason = serializers.CharField(required=False)
    created_at = serializers.DateTimeField(required=False)

    def to_representation(self, link):
        target = link["report"]
        if not link["visible"]:
            return {
                "direction": link["direction"],
                "visible": False,
                "report": {"case_number": target.case_number, "type": target.type},
            }
        return {
            "direction": link["direction"],
            "visible": True,
            "report": {"id": target.pk, "case_number": target.case_number, "type": target.type},
            "reason": link["reason"],
            "created_at": self.fields["created_at"].to_representation(link["created_at"]),
        }


class SupplementSerializer(serializers.Serializer):
    sent_at = serializers.DateTimeField()
    text = serializers.CharField()
    document_sha256 = serializers.CharField()


class NotificationTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = serializers.CharField()
    fields = FieldSerializer(many=True)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    regulator = serializers.CharField()
    regulator_label = serializers.CharField(source="get_regulator_display")
    state = serializers.CharField()
    decided_at = serializers.DateTimeField()
    decided_by = UserRefSerializer()
    delay_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    channel = serializers.CharField()
    regulator_case_number = serializers.CharField()
    document_sha256 = serializers.CharField()
    outcome = serializers.CharField()
    outcome_at = serializers.DateField(allow_null=True)
    outcome_note = serializers.CharField()
    supplements = SupplementSerializer(many=True)
    available_transitions = serializers.SerializerMethodField()

    @extend_schema_field(NotificationTransitionSerializer(many=True))
    def get_available_transitions(self, notification):
        return reading.notification_transitions(
            notification, self.context["report"], self.context["request"].user
        )


class LegalReferenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    citation = serializers.CharField()


class DelegationDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    delegate_name = serializers.CharField()
    delegate_title = serializers.CharField()
    legal_reference = LegalReferenceSerializer()
    decided_at = serializers.DateTimeField()
    summary = serializers.CharField()
    reported_to_board_on = serializers.DateField(allow_null=True)


class CorrectionSerializer(serializers.Serializer):
    """A correction of the case after the fact; ``previous_text`` is the description before
    an edit (the earlier version), empty for the other kinds."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    reason = serializers.CharField()
    previous_text = serializers.CharField()
    other = LinkedReportSerializer(allow_null=True, help_text="The other case of a merge.")
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    chain = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.CharField()
    action = serializers.CharField()
    label = serializers.SerializerMethodField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    payload = serializers.JSONField()
    request_id = serializers.CharField()

    def get_label(self, event) -> str:
        """What the action is, as the case's history says it (cases.audit_actions)."""
        return str(audit_actions.label(event.action))


class TimelineEventSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    actor_name = serializers.CharField()
    action = serializers.CharField()
    label = serializers.SerializerMethodField()
    payload = serializers.JSONField()

    def get_label(self, event) -> str:
        """What the action is, as the case's history says it (cases.audit_actions)."""
        return str(audit_actions.label(event.action))


class RiskSerializer(serializers.Serializer):
    probability = serializers.IntegerField(allow_null=True)
    severity = serializers.IntegerField(allow_null=True)
    score = serializers.IntegerField(source="risk_score", allow_null=True)
    band = ReferenceSerializer(source="risk_band", allow_null=True)
    suggested_route = serializers.CharField()
    override_reason = serializers.CharField(source="risk_override_reason")


class PartField(serializers.Field):
    """One collection of a case's part (cases.parts), read for the requesting user and shown
    with the collection's serializer; the case's serializer gets one per collection."""

    collection = None

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, report):
        items = self.collection.read(self.context["request"].user, report)
        context = {**self.context, "report": report}
        return self.collection.serializer_class(items, many=True, context=context).data


def part_field(collection):
    """The case's field for ``collection``: a list read by the part's reader, or (no reader)
    the collection's serializer over the case itself."""
    if collection.read is None:
        return collection.serializer_class(source="*")
    name = "".join(word.title() for word in collection.field.split("_")) + "PartField"
    field_class = type(name, (PartField,), {"collection": collection, "__module__": __name__})
    return extend_schema_field(collection.serializer_class(many=True))(field_class)()


class _FullCase(CaseSerializer):
    reporter = UserRefSerializer(allow_null=True)
    investigation_summary = serializers.CharField()
    decision = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    closing_reason = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    merged_into = LinkedReportSerializer(
        allow_null=True, help_text="A duplicate merged into another case: the case that survives it."
    )
    updated_at = serializers.DateTimeField()
    clocks = CaseClocksField()
    open_tasks = serializers.SerializerMethodField()

    @extend_schema_field(_one_value("full"))
    def get_representation(self, report):
        return "full"

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_open_tasks(self, report):
        """Who must act next, by when (workflows)."""
        from workflows.api.views import TaskSerializer
        from workflows.selectors import open_tasks

        return TaskSerializer(open_tasks(report), many=True).data


# For those who work on the case or may view it by role: the case with every part's
# collections (cases.parts), each under its field.
FullCaseSerializer = type(
    "FullCaseSerializer",
    (_FullCase,),
    {
        "__module__": __name__,
        "__doc__": "For those who work on the case or may view it by role.",
        **{collection.field: part_field(collection) for collection in parts.collections()},
    },
)


class DeviationSerializer(FullCaseSerializer):
    type = _of_type(ReportType.DEVIATION)
    category = ReferenceSerializer(allow_null=True)
    route = serializers.CharField()
    no_action_reason = serializers.CharField()
    follow_up_reason = serializers.CharField()


class ComplaintSerializer(FullCaseSerializer):
    type = _of_type(ReportType.COMPLAINT)
    handler = UserRefSerializer(allow_null=True)
    submitter_name = serializers.CharField()
    submitter_contact = serializers.CharField()
    complaint_kind = ReferenceSerializer(allow_null=True)
    complaint_source = ReferenceSerializer(allow_null=True)
    subject_area = ReferenceSerializer(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    position_statement = serializers.CharField()
    deviation_found = serializers.BooleanField(allow_null=True)
    reply = serializers.CharField()
    replied_at = serializers.DateTimeField(allow_null=True)


class LexSarahSerializer(FullCaseSerializer):
    type = _of_type(ReportType.LEX_SARAH)
    categories = ReferenceSerializer(many=True)
    immediate_measures = serializers.CharField()
    immediate_measures_at = serializers.DateTimeField(allow_null=True)
    chair_informed_at = serializers.DateTimeField(allow_null=True)
    social_chief_informed_at = serializers.DateTimeField(allow_null=True)
    investigation_started_at = serializers.DateTimeField(allow_null=True)
    lex_sarah_assessment = serializers.CharField()
    is_serious = serializers.BooleanField(allow_null=True)


class DataBreachSerializer(FullCaseSerializer):
    type = _of_type(ReportType.DATA_BREACH)
    ended_at = serializers.DateTimeField(allow_null=True)
    breach_nature = serializers.ListField(child=serializers.CharField())
    data_categories = ReferenceSerializer(many=True)
    approx_subjects = serializers.IntegerField(allow_null=True)
    approx_records = serializers.IntegerField(allow_null=True)
    likely_consequences = serializers.CharField()
    breach_measures = serializers.CharField()
    breach_risk = serializers.CharField()
    subjects_informed_at = serializers.DateTimeField(allow_null=True)
    subjects_not_informed_reason = serializers.CharField()


class LexMariaSerializer(FullCaseSerializer):
    type = _of_type(ReportType.LEX_MARIA)
    categories = ReferenceSerializer(many=True)
    immediate_measures = serializers.CharField()
    immediate_measures_at = serializers.DateTimeField(allow_null=True)
    investigation_started_at = serializers.DateTimeField(allow_null=True)
    injury_assessment = serializers.CharField()
    is_serious = serializers.BooleanField(allow_null=True)


FULL_SERIALIZERS = {
    ReportType.DEVIATION: DeviationSerializer,
    ReportType.COMPLAINT: ComplaintSerializer,
    ReportType.LEX_SARAH: LexSarahSerializer,
    ReportType.DATA_BREACH: DataBreachSerializer,
    ReportType.LEX_MARIA: LexMariaSerializer,
}

CASE_SCHEMA = PolymorphicProxySerializer(
    component_name="Case",
    serializers=[ReporterViewSerializer, *FULL_SERIALIZERS.values()],
    resource_type_field_name=None,
)
