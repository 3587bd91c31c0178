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


def ids_condition(column, ids):
    """``column`` among ``ids`` as SQL and its parameters: one array parameter on PostgreSQL
    (one statement text whatever the batch's size, no list of placeholders to parse), a list
    of placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _blank(columns):
    q = connection.ops.quote_name
    return ", ".join(f"{q(column)} = ''" for column in columns)


def destroy_content(report_ids, now):
    """Empty the cases ``report_ids`` (an id or a list of ids) with one statement per table;
    returns ``(report id, storage name)`` of their attachments' files, for the caller to remove once the
    transaction has committed."""
    ids = [report_ids] if isinstance(report_ids, int) else list(report_ids)
    if not ids:
        return []
    condition, params = ids_condition("report_id", ids)
    by_id, id_params = ids_condition("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT report_id, file FROM {_table(Attachment)} WHERE {condition} AND file <> '' "
            "ORDER BY report_id, id",
            params,
        )
        files = [(report_id, name) for report_id, name in cursor.fetchall()]
        cursor.execute(
            f"UPDATE {_table(Report)} SET {_blank(REPORT_TEXTS)}, updated_at = %s WHERE {by_id}",
            [connection.ops.adapt_datetimefield_value(now), *id_params],
        )
        cursor.execute(
            f"UPDATE {_table(AffectedPerson)} SET {_blank(['name', 'personnummer', 'role'])}, "
            f"protected_identity = %s WHERE {condition}",
            [False, *params],
        )
        # One statement for the entries (which may correct each other): they go together. The
        # database trigger lets them go only for a case with a tombstone (records migration 0002).
        for model in (InformationEvent, Attachment, InvestigationEntry, CaseMessage, ReceiptCode):
            cursor.execute(f"DELETE FROM {_table(model)} WHERE {condition}", params)
        for model, columns in (
            (Cause, ["description"]),
            (Action, ["description", "effect_follow_up"]),
            (DelegationDecision, ["summary"]),
            (CaseCorrection, ["reason", "previous_text"]),
        ):
            cursor.execute(f"UPDATE {_table(model)} SET {_blank(columns)} WHERE {condition}", params)
        cursor.execute(
            f"UPDATE {_table(RegulatorNotification)} SET {_blank(['delay_reason', 'outcome_note'])}, "
            f"document = NULL WHERE {condition}",
            params,
        )
        cursor.execute(
            f"UPDATE {_table(Supplement)} SET {_blank(['text'])} WHERE notification_id IN "
            f"(SELECT id FROM {_table(RegulatorNotification)} WHERE {condition})",
            params,
        )
    return files
