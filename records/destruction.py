"""Destroying a case's content, leaving what identifies and counts it.

Gone: the texts of the case (description, submitter's name and contact, positions, replies,
measures, summaries, decisions, reasons), the attachments (rows here, files on commit by the
caller), the investigation entries, the information events, the messages and the receipt code,
the texts of causes, actions, regulator notifications, supplements, delegation decisions and
corrections (their reasons and the earlier descriptions).
Kept: the case row's type, state, unit, board, dates, risk and categories; the persons' rows
emptied of every personal detail (their number counts in the statistics); the actions' kind,
status and dates. So every cell of the monthly counts stays what it was (docs/records.md).
"""

from django.db import connection

from cases.models import (
    Action,
    AffectedPerson,
    Attachment,
    CaseCorrection,
    CaseMessage,
    Cause,
    DelegationDecision,
    InformationEvent,
    InvestigationEntry,
    ReceiptCode,
    RegulatorNotification,
    Report,
    Supplement,
)

REPORT_TEXTS = [
    "description",
    "submitter_name",
    "submitter_contact",
    "position_statement",
    "reply",
    "immediate_measures",
    "likely_consequences",
    "breach_measures",
    "subjects_not_informed_reason",
    "investigation_summary",
    "no_action_reason",
    "follow_up_reason",
    "decision",
    "closing_reason",
    "risk_override_reason",
]


def destroy_content(report_ids, now):
    """Empty the cases ``report_ids`` (an id or a list of ids) with one statement per table;
    returns ``(report id, storage name)`` of their attachments' files, for the caller to remove once the
    transaction has committed."""
    ids = [report_ids] if isinstance(report_ids, int) else list(report_ids)
    if not ids:
        return []
    files = [
        (report_id, name)
        for report_id, name in Attachment.objects.filter(report_id__in=ids).values_list("report_id", "file")
        if name
    ]
    Report.objects.filter(pk__in=ids).update(**{field: "" for field in REPORT_TEXTS}, updated_at=now)
    InformationEvent.objects.filter(report_id__in=ids).delete()
    AffectedPerson.objects.filter(report_id__in=ids).update(
        name="", personnummer="", role="", protected_identity=False
    )
    Attachment.objects.filter(report_id__in=ids).delete()
    # One statement: the entries (which may correct each other) go together. The database
    # trigger lets them go only for a case with a tombstone (records migration 0002).
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(InvestigationEntry._meta.db_table)} "
            f"WHERE report_id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
    CaseMessage.objects.filter(report_id__in=ids).delete()
    ReceiptCode.objects.filter(report_id__in=ids).delete()
    Cause.objects.filter(report_id__in=ids).update(description="")
    Action.objects.filter(report_id__in=ids).update(description="", effect_follow_up="")
    RegulatorNotification.objects.filter(report_id__in=ids).update(
        delay_reason="", outcome_note="", document=None
    )
    Supplement.objects.filter(notification__report_id__in=ids).update(text="")
    DelegationDecision.objects.filter(report_id__in=ids).update(summary="")
    CaseCorrection.objects.filter(report_id__in=ids).update(reason="", previous_text="")
    return files
