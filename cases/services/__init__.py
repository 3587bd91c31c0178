"""The only code that changes cases. Each ``do_*`` function takes the acting user as a
keyword, runs in one transaction, checks permission, performs the change (a django-fsm
transition where the state moves), writes the audit row in the same transaction and
schedules side effects on commit. Each carries ``guard.service``: a public ``do_*`` never runs
inside another (docs/architecture.md, "The domain floor"); the exceptions they raise are in
``exceptions``."""

from cases.services.chapter import do_save_chapter_texts
from cases.services.clocks import do_correct_key_time
from cases.services.content import (
    do_add_action,
    do_add_affected_person,
    do_add_attachment,
    do_add_cause,
    do_add_information_event,
    do_add_investigation_entry,
    do_route,
    do_set_risk,
    do_update_action,
)
from cases.services.conversation import (
    do_answer_as_submitter,
    do_ask_submitter,
    do_file_public_submission,
    do_file_report_with_details,
    do_give_reporter_feedback,
)
from cases.services.corrections import (
    do_edit_description,
    do_mark_delegations_reported,
    do_merge_reports,
    do_reopen_report,
    do_withdraw_report,
)
from cases.services.exceptions import CaseNotFound, InvalidState, NestedServiceCall, UnknownTransition
from cases.services.imports import ImportRejected, do_import_reports
from cases.services.organisation import (
    do_deactivate_user,
    do_grant_investigator,
    do_grant_role,
    do_revoke_role,
)
from cases.services.regulators import do_decide_ivo_notification, do_notification_transition
from cases.services.reports import available_transitions, do_file_report, do_transition
from cases.services.summaries import do_approve_summary

__all__ = [
    "CaseNotFound",
    "InvalidState",
    "NestedServiceCall",
    "UnknownTransition",
    "available_transitions",
    "do_add_action",
    "do_save_chapter_texts",
    "do_add_affected_person",
    "do_add_attachment",
    "do_add_cause",
    "do_add_information_event",
    "do_add_investigation_entry",
    "do_correct_key_time",
    "do_deactivate_user",
    "do_decide_ivo_notification",
    "do_file_report",
    "do_grant_investigator",
    "do_grant_role",
    "do_notification_transition",
    "do_revoke_role",
    "do_route",
    "do_set_risk",
    "do_transition",
    "do_update_action",
    "ImportRejected",
    "do_import_reports",
    "do_update_action",
    "do_answer_as_submitter",
    "do_ask_submitter",
    "do_file_public_submission",
    "do_file_report_with_details",
    "do_give_reporter_feedback",
    "do_approve_summary",
    "do_edit_description",
    "do_mark_delegations_reported",
    "do_merge_reports",
    "do_reopen_report",
    "do_withdraw_report",
]
