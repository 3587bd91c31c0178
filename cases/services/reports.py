"""Filing a report, moving it through its lifecycle, and routing to linked cases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms as django_forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition
from guardian.shortcuts import assign_perm

from cases import audit, events, forms
from cases.access import allowed_roles
from cases.events import emit
from cases.models import (
    TYPE_MODELS,
    AffectedPerson,
    CaseNumberSequence,
    DelegationDecision,
    Regulator,
    RegulatorNotification,
    ReportLink,
    ReportType,
    RiskBand,
    RiskRoutingRule,
)
from cases.models.lifecycles import case_roles, forget_named_grants
from cases.services.base import InvalidState, UnknownTransition, load_report, validated
from cases.services.clocks import clocks_after
from cases.services.guard import service

if TYPE_CHECKING:
    from cases.models import OrgUnit, Report, User
    from cases.models.organisation import AnyUser


def next_case_number(namnd: OrgUnit, year: int) -> int:
    """The next number in the board's series for the year; gap-free because it is taken in
    the filing transaction (a rolled-back filing gives its number back), race-free because
    the sequence row is locked until that transaction ends."""
    CaseNumberSequence.objects.bulk_create(
        [CaseNumberSequence(namnd=namnd, year=year)], ignore_conflicts=True
    )
    sequence = CaseNumberSequence.objects.select_for_update().get(namnd=namnd, year=year)
    CaseNumberSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    sequence.refresh_from_db(fields=["last_number"])
    return sequence.last_number


def _create_report(
    *, report_type: str, unit: OrgUnit, reporter: User | None, description: str, **fields: Any
) -> Report:
    model = TYPE_MODELS[report_type]
    reported_at = fields.pop("reported_at", None) or timezone.now()
    year = timezone.localtime(reported_at).year
    namnd = unit.namnd
    assert namnd is not None, "every unit below a municipality belongs to a board"
    sequence = next_case_number(namnd, year)
    report = model(
        type=report_type,
        state=model.INITIAL_STATE,
        unit=unit,
        namnd=namnd,
        reporter=reporter,
        description=description,
        reported_at=reported_at,
        case_year=year,
        case_sequence=sequence,
        case_number=f"{namnd.case_number_prefix} {year}/{sequence:04d}",
        **fields,
    )
    report.save(force_insert=True)
    return report


@service
def do_file_report(*, acting_user: User | None, data: Mapping[str, Any]) -> Report:
    """File a new report. ``acting_user`` is None only for a complaint from the public."""
    return _file_report(acting_user=acting_user, data=data)


def _file_report(*, acting_user: User | None, data: Mapping[str, Any]) -> Report:
    """``do_file_report``, shared with the filings that bring more along (``conversation``)."""
    form = forms.ReportCreateForm(data=data)
    cleaned = validated(form)
    report_type = cleaned["type"]
    if acting_user is None and report_type != ReportType.COMPLAINT:
        raise PermissionDenied(_("Only complaints and feedback may be submitted without logging in."))
    report = _create_report(
        report_type=report_type,
        unit=cleaned["unit"],
        reporter=acting_user,
        description=cleaned["description"],
        occurred_at=cleaned.get("occurred_at"),
        discovered_at=cleaned.get("discovered_at"),
        complaint_kind=cleaned.get("kind") if report_type == ReportType.COMPLAINT else None,
        submitter_name=cleaned.get("submitter_name", ""),
        submitter_contact=cleaned.get("submitter_contact", ""),
        **_bulk_fields(cleaned),
    )
    payload = {"type": report.type, "case_number": report.case_number, "unit": report.unit_id}
    if report.event_count > 1:
        payload["event_count"] = report.event_count
    audit.record("report.filed", actor=acting_user, obj=report, report_id=report.pk, payload=payload)
    clocks_after(report, "report.filed")
    emit("report.filed", report=report, actor=acting_user, type=report.type)
    events.workflow_start.call(report)
    return report


def _bulk_fields(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """A bulk report's count, period, category and risk (``forms.ReportCreateForm`` has
    refused one above the lowest risk level or meeting the lex Sarah criteria)."""
    if not cleaned.get("bulk"):
        return {}
    score = cleaned["probability"] * cleaned["severity"]
    return {
        "event_count": cleaned["event_count"],
        "event_period_start": cleaned["event_period_start"],
        "event_period_end": cleaned["event_period_end"],
        "category": cleaned["category"],
        "probability": cleaned["probability"],
        "severity": cleaned["severity"],
        "risk_band": RiskBand.for_score(score),
        "suggested_route": RiskRoutingRule.suggested_route(score, cleaned["severity"]),
    }


def transition_meta(report: Report, name: str, *, correction: bool = False) -> Any:
    """The transition ``name`` of the case's state machine: a step of its lifecycle, or with
    ``correction`` one of the corrections only ``cases.services.corrections`` takes."""
    method = getattr(type(report), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None or name.startswith("_"):
        raise UnknownTransition(name)
    custom = next(iter(meta.transitions.values())).custom
    if custom.get("correction", False) != correction:
        raise UnknownTransition(name)
    return getattr(report, name), meta, custom


def transition_form(
    report: Report, name: str, user: AnyUser, data: Mapping[str, Any] | None = None
) -> django_forms.BaseForm:
    _method, _meta, custom = transition_meta(report, name)
    form_class = getattr(forms, custom["form"])
    return form_class(data=data, report=report, user=user)


def available_transitions(report: Report, user: AnyUser) -> list[dict[str, Any]]:
    """What this user may do with the case now, each with the fields it asks for and, while it
    cannot succeed yet, the reasons why (``blocked_by``: what must first be on the case)."""
    roles = case_roles(user, report)
    result = []
    for transition in report.get_available_state_transitions():  # type: ignore[attr-defined]  # django-fsm adds it
        custom = transition.custom
        if custom.get("correction") or not roles & custom["roles"]:
            continue
        form_class = getattr(forms, custom["form"])
        form = form_class(report=report, user=user)
        result.append(
            {
                "name": transition.name,
                "label": str(custom["label"]),
                "target": transition.target,
                # Why it cannot succeed yet, whatever is typed (the form refuses with the same).
                "blocked_by": [str(reason) for reason in form_class.blockers(report)],
                "fields": [
                    {"name": field_name, "label": str(field.label), "required": field.required}
                    for field_name, field in form.fields.items()
                ],
            }
        )
    return result


@service
def do_transition(
    report_id: int, name: str, *, acting_user: User, data: Mapping[str, Any] | None = None
) -> Report:
    report = load_report(report_id, acting_user)
    method, meta, custom = transition_meta(report, name)
    if not allowed_roles(acting_user, report, custom["roles"]):
        raise PermissionDenied(_("You may not do this on this case."))
    if not meta.has_transition(report.state):
        raise InvalidState(_("The case is no longer in a state where this can be done."))
    form = transition_form(report, name, acting_user, data=data or {})
    cleaned = validated(form)
    before = report.state
    method(**cleaned)
    try:
        report.save(update_fields=report.changed_fields())
    except ConcurrentTransition as err:
        raise InvalidState(
            _("Someone else changed the case at the same time; reload it and try again.")
        ) from err
    AFTER_TRANSITION.get((report.type, name), lambda *a: None)(report, cleaned, acting_user)
    clocks_after(report, f"report.{name}", cleaned=cleaned)
    events.workflow_after_transition.call(report, name, actor=acting_user)
    audit.record(
        f"report.{name}",
        actor=acting_user,
        obj=report,
        report_id=report.pk,
        payload={
            "from": before,
            "to": report.state,
            "fields": sorted(k for k, v in cleaned.items() if v not in (None, "", [])),
        },
    )
    emit(f"report.{name}", report=report, actor=acting_user, source=before, target=report.state)
    return report


def spawn_linked_case(source: Report, target_type: str, *, acting_user: User, reason: str) -> Report:
    """Routing: a new case of another type, linked; the source keeps its history. The new case
    starts from what the source already holds: its risk assessment (probability, severity,
    risk level) and its persons, so that no one records them twice."""
    fields: dict[str, Any] = {"occurred_at": source.occurred_at or source.reported_at}
    if target_type == ReportType.DATA_BREACH:
        # The organisation became aware no later than when the source case was reported.
        fields["discovered_at"] = source.discovered_at or source.reported_at
    if target_type == ReportType.COMPLAINT:
        fields.update(
            complaint_kind=source.complaint_kind,
            submitter_name=source.submitter_name,
            submitter_contact=source.submitter_contact,
        )
    carried = []
    if source.probability and source.severity:  # the risk assessment made on the source
        fields.update(probability=source.probability, severity=source.severity, risk_band=source.risk_band)
        carried.append("risk")
    reporter = source.reporter or acting_user
    target = _create_report(
        report_type=target_type, unit=source.unit, reporter=reporter, description=source.description, **fields
    )
    persons = [
        AffectedPerson(
            report=target,
            name=person.name,
            personnummer=person.personnummer,
            protected_identity=person.protected_identity,
            role=person.role,
        )
        for person in source.persons.all()
    ]
    if persons:  # the persons concerned, so that no one types them again
        AffectedPerson.objects.bulk_create(persons)
        carried.append("persons")
    ReportLink.objects.create(source=source, target=target, reason=reason, created_by=acting_user)
    clocks_after(target, "report.filed")
    events.workflow_start.call(target)
    audit.record(
        "report.filed",
        actor=acting_user,
        obj=target,
        report_id=target.pk,
        payload={
            "type": target.type,
            "case_number": target.case_number,
            "routed_from": source.pk,
            "carried": carried,
        },
    )
    audit.record(
        "report.routed",
        actor=acting_user,
        obj=source,
        report_id=source.pk,
        payload={"target": target.pk, "target_type": target_type, "target_case_number": target.case_number},
    )
    emit("report.filed", report=target, actor=acting_user, type=target.type, routed_from=source.pk)
    return target


def grant_named_investigator(report: Report, user: User) -> None:
    """The one way a person is named on a case. Only an active person whose home unit lies in
    the case's board: a name from another board would open the case across the secrecy
    boundary between boards (OSL 8 kap.)."""
    if (
        not type(user)
        .objects.filter(pk=user.pk, is_active=True, home_unit__namnd_id=report.namnd_id)
        .exists()
    ):
        raise ValidationError(_("Only an active person of this case's board can be named on it."))
    assign_perm("cases.investigate_report", user, report)
    forget_named_grants(report)


def _delegation(report: Report, kind: str, user: User, cleaned: Mapping[str, Any]) -> DelegationDecision:
    return DelegationDecision.objects.create(
        report=report,
        kind=kind,
        delegate=user,
        delegate_name=user.display_name,
        delegate_title=user.title,
        legal_reference=cleaned["legal_reference"],
        decided_at=cleaned["decided_at"],
        summary=cleaned["decision"],
    )


def _notification(
    report: Report, regulator: str, user: User, cleaned: Mapping[str, Any], delay_reason: str = ""
) -> RegulatorNotification | None:
    if report.regulator_notifications.filter(regulator=regulator).exists():
        return None
    return RegulatorNotification.objects.create(
        report=report,
        regulator=regulator,
        decided_at=cleaned["decided_at"],
        decided_by=user,
        delay_reason=delay_reason,
    )


def _after_deviation_assess(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    if cleaned["route"] != ReportType.DEVIATION:
        spawn_linked_case(
            report,
            cleaned["route"],
            acting_user=user,
            reason=cleaned.get("risk_override_reason") or str(_("Routed at assessment.")),
        )


def _after_complaint_register(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    grant_named_investigator(report, cleaned["handler"])


def _after_complaint_investigate(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    if cleaned.get("route_to_lex_sarah"):
        spawn_linked_case(
            report, ReportType.LEX_SARAH, acting_user=user, reason=cleaned["position_statement"]
        )


def _after_register(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    """Lex Sarah and lex Maria: the categories, and a named investigator when one is given."""
    report.categories.set(cleaned["categories"])
    if cleaned.get("investigator"):
        grant_named_investigator(report, cleaned["investigator"])


def _after_outside_scope(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    if cleaned.get("spawn"):
        spawn_linked_case(report, cleaned["spawn"], acting_user=user, reason=cleaned["decision"])


def _after_ivo_decide(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    """Lex Sarah and lex Maria: the decision whether to notify IVO is a delegation decision."""
    if report.regulator_notifications.filter(regulator=Regulator.IVO).exists():
        return  # IVO was notified earlier, by a delegation decision of its own
    notify = cleaned["notify_ivo"]
    _delegation(
        report,
        DelegationDecision.Kind.NOTIFY_IVO if notify else DelegationDecision.Kind.NOT_NOTIFY_IVO,
        user,
        cleaned,
    )
    if notify:
        _notification(report, Regulator.IVO, user, cleaned)


def _after_breach_assess(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    report.data_categories.set(cleaned["data_categories"])


def _after_breach_decide(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    notify = cleaned["notify_imy"]
    kind = DelegationDecision.Kind.NOTIFY_IMY if notify else DelegationDecision.Kind.NOT_NOTIFY_IMY
    _delegation(report, kind, user, cleaned)
    if notify:
        _notification(report, Regulator.IMY, user, cleaned, delay_reason=cleaned.get("delay_reason", ""))


def _after_complaint_answer(report: Report, cleaned: Mapping[str, Any], user: User) -> None:
    # The submitter's address is read from the case by whoever sends the message, never put in the event.
    emit("complaint.answered", report=report, actor=user)


AFTER_TRANSITION: dict[tuple[str, str], Callable[[Report, Mapping[str, Any], User], None]] = {
    (ReportType.DEVIATION, "assess"): _after_deviation_assess,
    (ReportType.COMPLAINT, "register"): _after_complaint_register,
    (ReportType.COMPLAINT, "investigate"): _after_complaint_investigate,
    (ReportType.COMPLAINT, "answer"): _after_complaint_answer,
    (ReportType.LEX_SARAH, "register"): _after_register,
    (ReportType.LEX_SARAH, "close_outside_scope"): _after_outside_scope,
    (ReportType.LEX_SARAH, "decide"): _after_ivo_decide,
    (ReportType.LEX_MARIA, "register"): _after_register,
    (ReportType.LEX_MARIA, "close_outside_scope"): _after_outside_scope,
    (ReportType.LEX_MARIA, "decide"): _after_ivo_decide,
    (ReportType.DATA_BREACH, "assess"): _after_breach_assess,
    (ReportType.DATA_BREACH, "decide"): _after_breach_decide,
}
