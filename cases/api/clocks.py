"""A case's legal clocks over the API (``clocks`` on the case's detail)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models.clocks import with_legal_references


class ClockSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="rule.name")
    basis = serializers.CharField(
        source="rule.basis", help_text="The legal basis or routine behind the deadline."
    )
    citation = serializers.CharField(
        source="legal_reference.citation",
        allow_null=True,
        default=None,
        help_text="The law in force when the clock started.",
    )
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Running and past its deadline.")
    late = serializers.SerializerMethodField(
        help_text="Stopped after its deadline: it stays visible as late."
    )

    def get_overdue(self, clock) -> bool:
        return clock.stopped_at is None and clock.due_at <= self.context.get("now", timezone.now())

    def get_late(self, clock) -> bool:
        return clock.stopped_at is not None and clock.stopped_at > clock.due_at


def case_clocks(report):
    return with_legal_references(
        report.clocks.select_related("rule__legal_reference").order_by("due_at", "id")
    )


@extend_schema_field(ClockSerializer(many=True))
class CaseClocksField(serializers.Field):
    """A case's clocks, read in one query; use with ``source="*"``."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, report):
        return ClockSerializer(case_clocks(report), many=True, context=self.context).data
