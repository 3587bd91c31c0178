"""Correcting a case after the fact: reopening a closed case, withdrawing a report filed by
mistake, merging a duplicate into the case that survives it, editing the description with the
earlier text kept; and marking delegation decisions as reported to the board.

Reopening, withdrawing and merging are moves of the case's state machine
(``cases.models.lifecycles.correction``), taken only here: each has its own permission
(``cases.access.CORRECTING_ROLES``), its reason kept in a ``CaseCorrection`` row beside the
case (the audit row names the correction, never its text), its effect on the clocks
(``cases.services.clocks``) and on the workflow (the hooks ``workflow_reopen`` and
``workflow_cancel``), and its event after the commit. docs/lifecycles.md, "Corrections".
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from cases import audit, events, forms, selectors
from cases.access import CORRECTING_ROLES, DELEGATION_REPORTING_ROLES, HANDLER_ROLES, role_scope
from cases.events import emit
from cases.models import CaseCorrection, DelegationDecision, Report, ReportLink
from cases.services.base import InvalidState, load_report, require_open, require_roles, validated
from cases.services.clocks import clocks_after, resume_clocks
from cases.services.guard import service
from cases.services.reports import transition_meta

if TYPE_CHECKING:
    from cases.models import OrgUnit, User


def _correct(report: Report, name: str, acting_user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check who may take the correction ``name`` and whether the case is where it can be
    taken; validate its form; perform the move. Returns the form's cleaned data."""
    method, meta, custom = transition_meta(report, name, correction=True)
    require_roles(acting_user, report, custom["roles"])
    if not meta.has_transition(report.state):
        raise InvalidState(_("The case is not in a state where this can be done."))
    form = getattr(forms, custom["form"])(data=data, report=report, user=acting_user)
    cleaned = dict(validated(form))
    return cleaned


def _save(report: Report) -> None:
    try:
        report.save(update_fields=report.changed_fields())
    except ConcurrentTransition as err:
        raise InvalidState(
            _("Someone else changed the case at the same time; reload it and try again.")
        ) from err


@service
def do_reopen_report(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    """Reopen a closed case with a reason: it goes back to the state before its closing step,
    its closing step waits again, and the clocks the closing stopped resume where the law
    says (``cases.services.clocks.REOPEN``)."""
    report = load_report(report_id, acting_user)
    cleaned = _correct(report, "reopen", acting_user, data)
    closed_at = report.closed_at
    before = report.state
    report.reopen(**cleaned)  # type: ignore[attr-defined]  # a proxy's transition
    _save(report)
    resumed, kept = resume_clocks(report, closed_at)
    events.workflow_reopen.call(report, actor=acting_user)
    correction = CaseCorrection.objects.create(
        report=report,
        kind=CaseCorrection.Kind.REOPENED,
        reason=cleaned["reason"],
        from_state=before,
        to_state=report.state,
        created_by=acting_user,
    )
    audit.record(
        "report.reopen",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={
            "from": before,
            "to": report.state,
            "correction": correction.pk,
            "clocks_resumed": resumed,
            "clocks_kept_stopped": kept,
        },
    )
    emit("report.reopened", report=report, actor=acting_user, source=before, target=report.state)
    return report


def _end(report: Report, name: str, acting_user: User) -> None:
    """What withdrawing and merging share after the move: every running clock stops (the
    case is finished), the workflow's open tasks are cancelled."""
    clocks_after(report, name)
    events.workflow_cancel.call(report, actor=acting_user)


@service
def do_withdraw_report(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    """Withdraw a report filed by mistake: kept with its history, marked withdrawn, left out
    of the statistics and compilations (``UNCOUNTED_STATES``)."""
    report = load_report(report_id, acting_user)
    cleaned = _correct(report, "withdraw", acting_user, data)
    before = report.state
    report.withdraw(**cleaned)  # type: ignore[attr-defined]  # a proxy's transition
    _save(report)
    _end(report, "report.withdraw", acting_user)
    correction = CaseCorrection.objects.create(
        report=report,
        kind=CaseCorrection.Kind.WITHDRAWN,
        reason=cleaned["reason"],
        from_state=before,
        to_state=report.state,
        created_by=acting_user,
    )
    audit.record(
        "report.withdraw",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={"from": before, "to": report.state, "correction": correction.pk},
    )
    emit("report.withdrawn", report=report, actor=acting_user, source=before, target=report.state)
    return report


def _survivor(acting_user: User, duplicate: Report, case_number: str) -> Report:
    """The case a duplicate is merged into: found by its number among the cases the user may
    correct (another case answers as a wrong number, never as "exists but not yours")."""
    unknown = ValidationError({"survivor": [_("No case with this number that you may correct.")]})
    found = (
        selectors.visible_reports(acting_user)
        .filter(case_number__iexact=case_number)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise unknown
    survivor = selectors.report_for_change(acting_user, found)
    if survivor is None or not (
        role_scope(acting_user).roles_on(survivor.unit) & CORRECTING_ROLES[survivor.type]
    ):
        raise unknown
    if survivor.pk == duplicate.pk:
        raise ValidationError({"survivor": [_("A case cannot be merged into itself.")]})
    if survivor.type != duplicate.type or survivor.namnd_id != duplicate.namnd_id:
        raise ValidationError({"survivor": [_("Only a case of the same type and board can survive it.")]})
    if survivor.state in ("withdrawn", "merged"):
        raise ValidationError({"survivor": [_("That case is itself withdrawn or merged.")]})
    return survivor


@service
def do_merge_reports(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    """Merge the duplicate ``report_id`` into the case that survives it: the duplicate points
    to the survivor, is closed as merged and left out of the counts (the matter is counted
    once, as the survivor); both keep their own history, linked to each other."""
    duplicate = load_report(report_id, acting_user)
    cleaned = _correct(duplicate, "merge", acting_user, data)
    survivor = _survivor(acting_user, duplicate, cleaned["survivor"])
    before = duplicate.state
    duplicate.merge(survivor=survivor)  # type: ignore[attr-defined]  # a proxy's transition
    _save(duplicate)
    _end(duplicate, "report.merge", acting_user)
    ReportLink.objects.get_or_create(
        source=duplicate, target=survivor, defaults={"reason": cleaned["reason"], "created_by": acting_user}
    )
    merged = CaseCorrection.objects.create(
        report=duplicate,
        kind=CaseCorrection.Kind.MERGED,
        reason=cleaned["reason"],
        other=survivor,
        from_state=before,
        to_state=duplicate.state,
        created_by=acting_user,
    )
    CaseCorrection.objects.create(
        report=survivor,
        kind=CaseCorrection.Kind.MERGED_IN,
        reason=cleaned["reason"],
        other=duplicate,
        created_by=acting_user,
    )
    audit.record(
        "report.merge",
        actor=acting_user,
        obj=duplicate,
        report_id=duplicate.pk,
        payload={"from": before, "to": duplicate.state, "correction": merged.pk, "survivor": survivor.pk},
    )
    audit.record(
        "report.duplicate_merged_in",
        actor=acting_user,
        obj=survivor,
        report_id=survivor.pk,
        payload={"duplicate": duplicate.pk, "duplicate_case_number": duplicate.case_number},
    )
    emit("report.merged", report=duplicate, actor=acting_user, survivor=survivor.pk)
    return duplicate


@service
def do_edit_description(report_id: int, *, acting_user: User, data: Mapping[str, Any]) -> Report:
    """Edit the case's description; the earlier text is kept as a version in the case's
    corrections, read by whoever may read the case."""
    report = load_report(report_id, acting_user)
    require_roles(acting_user, report, HANDLER_ROLES[report.type])
    require_open(report)
    cleaned = validated(forms.DescriptionForm(data=data, report=report, user=acting_user))
    correction = CaseCorrection.objects.create(
        report=report,
        kind=CaseCorrection.Kind.DESCRIPTION,
        reason=cleaned.get("reason", ""),
        previous_text=report.description,
        created_by=acting_user,
    )
    report.description = cleaned["description"]
    _save(report)
    audit.record(
        "report.description_edited",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={
            "correction": correction.pk,
            "version": report.corrections.filter(kind=CaseCorrection.Kind.DESCRIPTION).count() + 1,
        },
    )
    emit("report.description_edited", report=report, actor=acting_user)
    return report


@service
def do_mark_delegations_reported(
    *, acting_user: User, board: OrgUnit, decision_ids: list[int], meeting_date: datetime.date
) -> int:
    """Mark delegation decisions of ``board`` as reported to the board (anmälda till nämnden)
    on the date of its meeting, in one batch: one audit row per decision. Only decisions of
    cases the user may read, of this board, not yet reported and taken on or before the
    meeting; anything else in the list is refused as a whole."""
    if not (role_scope(acting_user).roles_on(board) & DELEGATION_REPORTING_ROLES):
        raise PermissionDenied(_("You may not mark this board's delegation decisions as reported."))
    wanted = set(decision_ids)
    if not wanted:
        raise ValidationError({"decisions": [_("Choose at least one decision.")]})
    decisions = list(
        DelegationDecision.objects.filter(
            pk__in=wanted,
            report__namnd=board,
            report__in=selectors.visible_reports(acting_user),
        ).select_related("report")
    )
    if len(decisions) != len(wanted):
        raise ValidationError({"decisions": [_("Some of the chosen decisions are not in this register.")]})
    if any(d.reported_to_board_on is not None for d in decisions):
        raise ValidationError({"decisions": [_("Some of the chosen decisions are already reported.")]})
    if any(timezone.localdate(d.decided_at) > meeting_date for d in decisions):
        raise ValidationError({"meeting_date": [_("The meeting cannot be before a decision it reports.")]})
    DelegationDecision.objects.filter(pk__in=wanted).update(reported_to_board_on=meeting_date)
    audit.record_many(
        "delegation.reported_to_board",
        [
            (d, d.report_id, {"decision": d.pk, "kind": d.kind, "meeting_date": meeting_date.isoformat()})
            for d in sorted(decisions, key=lambda d: d.pk)
        ],
        actor=acting_user,
        recount=False,
    )
    return len(decisions)
