"""The catalogue of audit actions: every action the audit trail may hold, once.

Each action has its name (what the row's ``action`` column holds), the line the case's history
shows for it (English msgid, Swedish in ``cases/locale``), the payload keys its rows carry, and
whether it records a read (the access chain) or a change (the change chain).
``cases.audit.record`` refuses an action that is not listed here or is written to the other
chain, and, with ``AUDIT_STRICT_PAYLOADS`` on (``DEBUG`` and the tests), a payload key that the
action does not declare. The history on the case page and the API's ``timeline`` and audit
list take their labels from here. ``tests/cases/test_audit_actions.py`` walks the code and
checks that every action passed to ``audit.record`` is listed and every listed one is used.

On the floor: imports nothing but Django.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

READ, CHANGE = "read", "change"

# The payload of an action whose keys are the parameters of a compilation the user asked for
# (the compilation's own form decides them): not checked key by key.
ANY_KEYS = None

# Keys ``cases.audit`` itself adds: the absent person a lent role acted for (changes), the
# cases a read showed (``record_read``).
ADDED_BY_AUDIT = {CHANGE: frozenset({"on_behalf_of"}), READ: frozenset({"report_ids"})}


class UnknownAuditAction(ValueError):
    """An action missing from the catalogue, on the wrong chain, or with undeclared payload keys."""


@dataclass(frozen=True)
class AuditAction:
    name: str
    label: object  # a lazy translation
    payload: frozenset | None
    kind: str = CHANGE

    @property
    def is_read(self):
        return self.kind == READ


def _change(name, label, *keys):
    return AuditAction(name, label, frozenset(keys), CHANGE)


def _read(name, label, *keys):
    return AuditAction(name, label, frozenset(keys), READ)


_TRANSITION = ("from", "to", "fields")
_NOTIFICATION_STEP = ("regulator", "from", "to", "document_sha256")
_TASK = ("task", "step", "owner", "from_owner", "reason")
_CLOCK = ("clock_id", "code", "due_at", "hours_left", "user_ids", "by")
_REMINDER = ("action_id", "due_date", "user_ids", "by")
_ADMIN = ("model", "object", "change")
_SUBSTITUTE = (*_ADMIN, "person", "substitute", "from", "to")
_GROUP_MAPPING = (*_ADMIN, "group", "role", "unit", "provider")
_UNIT_CODE = (*_ADMIN, "code", "unit")
_RETENTION_RULE = (
    *_ADMIN,
    "board",
    "report_type",
    "outcome",
    "disposition",
    "years",
    "basis",
    "package_before_disposal",
    "valid_from",
    "valid_to",
)

ACTIONS = (
    # A case: filing, routing, import, corrections (cases.services.reports, .imports, .clocks).
    _change("report.filed", _("Filed"), "type", "case_number", "unit", "routed_from"),
    _change("report.routed", _("Routed to a linked case"), "target", "target_type", "target_case_number"),
    _change("report.imported", _("Imported"), "type", "case_number", "line", "notification", "actions"),
    _change("reports.imported", _("Cases imported from a file"), "count", "file_sha256", "report_ids"),
    _change("report.immediate_measures_reported", _("Immediate measures described by the reporter")),
    _change(
        "report.key_time_corrected", _("Key time corrected"), "field", "from", "to", "reason", "clocks_moved"
    ),
    # The steps of a case's lifecycle (``do_transition``: ``report.<transition>``).
    _change("report.register", _("Registered"), *_TRANSITION),
    _change("report.assess", _("Assessed"), *_TRANSITION),
    _change("report.investigate", _("Position statement recorded"), *_TRANSITION),
    _change("report.answer", _("Answered"), *_TRANSITION),
    _change("report.record_immediate_measures", _("Immediate measures recorded"), *_TRANSITION),
    _change("report.start_investigation", _("Investigation started"), *_TRANSITION),
    _change("report.complete_investigation", _("Investigation completed"), *_TRANSITION),
    _change("report.record_actions", _("Actions recorded"), *_TRANSITION),
    _change("report.follow_up", _("Follow-up recorded"), *_TRANSITION),
    _change("report.decide", _("Decided"), *_TRANSITION),
    _change("report.close", _("Closed"), *_TRANSITION),
    _change("report.close_outside_scope", _("Closed: not covered by lex Sarah"), *_TRANSITION),
    # The parts of a case (cases.services.content, .organisation, .summaries).
    _change("person.added", _("Affected person added"), "protected_identity"),
    _change("person.informed", _("Person informed and heard"), "person", "journal_note_recorded"),
    _change("investigation_entry.added", _("Investigation entry added"), "topic", "nature", "corrects"),
    _change("risk.assessed", _("Risk assessed"), "probability", "severity", "risk_band", "suggested_route"),
    _change("cause.added", _("Cause added")),
    _change("action.added", _("Action added"), "owner", "due_date", "causes"),
    _change("action.updated", _("Action updated"), "status", "fields"),
    _change("attachment.added", _("Attachment added"), "size", "content_type", "sha256"),
    _change("investigator.granted", _("Investigator named"), "user"),
    _change("summary.approved", _("Summary approved"), "first", "source_sha256", "text_sha256", "edited"),
    _change(
        "chapter_texts.saved",
        _("Texts of the kvalitetsberättelse saved"),
        "unit",
        "year",
        "first",
        "introduction_sha256",
        "analysis_sha256",
        "conclusions_sha256",
    ),
    # Notifications to the regulators (cases.services.regulators: ``notification.<step>``).
    _change("notification.decided", _("Decided to notify the regulator"), "regulator", "state"),
    _change("notification.submit", _("Notification to the regulator submitted"), *_NOTIFICATION_STEP),
    _change("notification.supplement", _("Supplement sent to the regulator"), *_NOTIFICATION_STEP),
    _change("notification.record_outcome", _("The regulator's decision recorded"), *_NOTIFICATION_STEP),
    _change("notification.complete", _("Notification completed"), *_NOTIFICATION_STEP),
    # The conversation with the submitter and the reporter (cases.services.conversation).
    _change("receipt.issued", _("Receipt code issued")),
    _change("complaint.question", _("Question sent to the submitter")),
    _change("complaint.submitter_answered", _("The submitter answered")),
    _change("reporter.feedback_given", _("Feedback given to the reporter")),
    # The scheduler (cases.clock_jobs: ``clock.<kind>``, ``action.<kind>``).
    _change("clock.warning", _("Deadline warning sent"), *_CLOCK),
    _change("clock.overdue", _("Deadline passed"), *_CLOCK),
    _change("clock.escalated", _("Passed deadline escalated"), *_CLOCK),
    _change("action.due_soon", _("Reminder: action due soon"), *_REMINDER),
    _change("action.overdue", _("Reminder: action overdue"), *_REMINDER),
    _change("exports.pruned", _("Old exports removed"), "by", "cutoff", "retention_days", "count", "exports"),
    # Workflow tasks (workflows.services, workflows.escalation).
    _change("task.assigned", _("Task assigned"), *_TASK),
    _change("task.claimed", _("Task taken"), *_TASK),
    _change("task.taken_over", _("Task taken over from an absent person"), *_TASK),
    _change("task.released", _("Task put back in the queue"), *_TASK),
    _change("task.reassigned", _("Task handed to someone else"), *_TASK),
    _change("task.escalated", _("Unclaimed task escalated"), "task", "step", "reason", "user_ids"),
    # Organisation and administration (cases.services.organisation, cases.admin_scope,
    # workflows.admin, notifications.admin: ``<audit_name>.<verb>``).
    _change("role.granted", _("Role granted"), "user", "role", "unit"),
    _change("role.revoked", _("Role revoked"), "user", "role", "unit"),
    _change("user.deactivated", _("User deactivated"), "user"),
    _change("admin.added", _("Added in the administration"), *_ADMIN),
    _change("admin.changed", _("Changed in the administration"), *_ADMIN),
    _change("admin.deleted", _("Deleted in the administration"), *_ADMIN),
    _change("substitute.added", _("Substitute appointed"), *_SUBSTITUTE),
    _change("substitute.changed", _("Substitute changed"), *_SUBSTITUTE),
    _change("substitute.deleted", _("Substitute removed"), *_SUBSTITUTE),
    _change("identity.group_mapping.added", _("Directory group mapped to a role"), *_GROUP_MAPPING),
    _change("identity.group_mapping.changed", _("Directory group mapping changed"), *_GROUP_MAPPING),
    _change("identity.group_mapping.deleted", _("Directory group mapping removed"), *_GROUP_MAPPING),
    _change("identity.unit_code.added", _("Directory unit code added"), *_UNIT_CODE),
    _change("identity.unit_code.changed", _("Directory unit code changed"), *_UNIT_CODE),
    _change("identity.unit_code.deleted", _("Directory unit code removed"), *_UNIT_CODE),
    _change("retention_rule.added", _("Retention rule added"), *_RETENTION_RULE),
    _change("retention_rule.changed", _("Retention rule changed"), *_RETENTION_RULE),
    _change("retention_rule.deleted", _("Retention rule removed"), *_RETENTION_RULE),
    _change("delivery.requeued", _("E-mail queued again"), "status"),
    # Signing in and the directory (identity/: single sign-on, the second factor).
    _change("identity.signed_in", _("Signed in"), "method", "provider", "idp_mfa", "second_factor_required"),
    _change("identity.sign_in_failed", _("Sign-in failed"), "method", "path", "provider", "error", "detail"),
    _change("identity.sign_in_refused", _("Sign-in refused"), "provider", "reason"),
    _change("identity.user_created", _("User created from the directory"), "user", "provider"),
    _change(
        "identity.directory_synced",
        _("Roles brought in line with the directory"),
        "user",
        "provider",
        "granted",
        "revoked",
        "refused_own_mappings",
    ),
    _change("identity.directory_deactivated", _("Deactivated by the directory"), "user", "provider"),
    _change("identity.mfa_enrolled", _("Second factor enrolled"), "type"),
    _change("identity.second_factor_given", _("Second factor given"), "type"),
    _change("identity.second_factor_failed", _("Second factor refused")),
    _change("identity.session_ended", _("Session ended (idle or too long)"), "reason"),
    # Records management (records/: gallring and loggkontroll).
    _change("gallring.listed", _("Cases due for disposal listed"), "board", "by", "cases"),
    _change("gallring.held_back", _("Case held back from disposal"), "run", "case_number", "automatic"),
    _change("gallring.released", _("Case released for disposal"), "run", "case_number"),
    _change("gallring.approved", _("Disposal approved"), "board", "to_dispose", "held_back"),
    _change("gallring.finished", _("Disposal finished"), "disposed", "held_back"),
    _change(
        "report.disposed",
        _("Disposed of (gallrad)"),
        "run",
        "case_number",
        "rule",
        "basis",
        "approved_by",
        "files_removed",
        "package",
    ),
    _change(
        "logreview.drawn",
        _("Log review drawn"),
        "board",
        "by",
        "period_start",
        "period_end",
        "seed",
        "share",
        "reads",
        "picks",
    ),
    _change(
        "logreview.judged", _("Read judged in the log review"), "review", "log_row", "verdict", "follow_up_by"
    ),
    _change("logreview.followed_up", _("Questioned read followed up"), "review", "log_row"),
    _change("logreview.signed", _("Log review signed"), "board", "period_start", "picks", "questioned"),
    # Reads (the access chain: cases.web, cases.api, reporting, records).
    _read("report.viewed", _("Case read"), "via", "part", "id"),
    _read("report.listed", _("Cases listed"), "page", "statistics", "summary_reviews", "filters"),
    _read("report.register_exported", _("Case register exported"), "format", "filters", "rows"),
    _read("audit.viewed", _("Audit trail read")),
    _read("attachment.downloaded", _("Attachment downloaded"), "attachment"),
    _read("overdue.listed", _("Overdue cases listed"), "unit"),
    _read(
        "regulator_document.exported",
        _("Regulator document exported"),
        "format",
        "regulator",
        "frozen",
        "via",
    ),
    AuditAction("compilation.export_started", _("Compilation export started"), ANY_KEYS, READ),
    AuditAction("compilation.exported", _("Compilation exported"), ANY_KEYS, READ),
    _read("compilation.downloaded", _("Compilation downloaded"), "job"),
    _read("gallring.run_viewed", _("Disposal run read"), "run"),
    _read("logreview.viewed", _("Log review read"), "review"),
    _read("readlog.searched", _("Read log searched"), "board", "reader", "case_number", "from", "to"),
    _read("readlog.exported", _("Read log exported"), "board", "reader", "case_number", "from", "to"),
)

CATALOGUE = {action.name: action for action in ACTIONS}


def get(name):
    """The catalogued action; ``UnknownAuditAction`` when there is none."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownAuditAction(f"audit action {name!r} is not in cases.audit_actions") from None


def check(name, payload, *, read):
    """Refuse an action that is not catalogued, written to the wrong chain, or (with
    ``AUDIT_STRICT_PAYLOADS``) carrying payload keys it does not declare."""
    action = get(name)
    if action.is_read != read:
        chain = "access" if read else "change"
        raise UnknownAuditAction(f"audit action {name!r} is a {action.kind}, not for the {chain} chain")
    if action.payload is ANY_KEYS or not getattr(settings, "AUDIT_STRICT_PAYLOADS", False):
        return action
    undeclared = set(payload or ()) - action.payload - ADDED_BY_AUDIT[action.kind]
    if undeclared:
        raise UnknownAuditAction(f"audit action {name!r} does not declare payload keys {sorted(undeclared)}")
    return action


def label(name):
    """The history's line for an action; a name no longer catalogued (an old row) as itself."""
    action = CATALOGUE.get(name)
    return action.label if action is not None else name
