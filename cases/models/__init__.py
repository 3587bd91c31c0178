from cases.models.audit import AuditEvent, AuditHead
from cases.models.case_content import (
    Action,
    AffectedPerson,
    AppendOnlyError,
    Attachment,
    Cause,
    InformationEvent,
    InvestigationEntry,
)
from cases.models.chapter_texts import ChapterText
from cases.models.clocks import ActionReminder, CaseClock, ClockEvent
from cases.models.corrections import CaseCorrection
from cases.models.idempotency import IdempotencyKey
from cases.models.lifecycles import (
    CLOSED_STATES,
    TYPE_MODELS,
    UNCOUNTED_STATES,
    Complaint,
    DataBreach,
    Deviation,
    LexMaria,
    LexSarah,
)
from cases.models.messages import CaseMessage, ReceiptCode
from cases.models.organisation import (
    GRANTABLE_ROLES,
    OrgUnit,
    OrgUnitGroupObjectPermission,
    OrgUnitUserObjectPermission,
    Role,
    User,
)
from cases.models.outbox import OutboxEvent
from cases.models.reference import (
    DeadlineRule,
    InvestigationTopic,
    LegalReference,
    ReportType,
    RiskBand,
    RiskRoutingRule,
    Term,
)
from cases.models.regulators import DelegationDecision, Regulator, RegulatorNotification, Supplement
from cases.models.reports import CaseNumberSequence, Report, ReportLink, ReportUserObjectPermission
from cases.models.summaries import SummaryReview, summary_source_digest

__all__ = [
    "CLOSED_STATES",
    "UNCOUNTED_STATES",
    "CaseCorrection",
    "Action",
    "ActionReminder",
    "AffectedPerson",
    "CaseClock",
    "ClockEvent",
    "AppendOnlyError",
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "CaseNumberSequence",
    "Cause",
    "Complaint",
    "DataBreach",
    "DeadlineRule",
    "DelegationDecision",
    "Deviation",
    "GRANTABLE_ROLES",
    "InformationEvent",
    "InvestigationEntry",
    "InvestigationTopic",
    "LegalReference",
    "LexMaria",
    "LexSarah",
    "OrgUnit",
    "OrgUnitGroupObjectPermission",
    "OrgUnitUserObjectPermission",
    "Regulator",
    "RegulatorNotification",
    "Report",
    "ReportLink",
    "ReportType",
    "ReportUserObjectPermission",
    "RiskBand",
    "RiskRoutingRule",
    "Role",
    "Supplement",
    "SummaryReview",
    "summary_source_digest",
    "TYPE_MODELS",
    "Term",
    "User",
    "ChapterText",
    "CaseMessage",
    "ReceiptCode",
    "IdempotencyKey",
    "OutboxEvent",
]
