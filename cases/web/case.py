"""The case page and the forms that change a case, each through its ``cases.services``
function. Out of scope answers 404; in scope but not allowed, 403."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.status import STATUS

from cases import audit, audit_actions, parts, selectors, services
from cases import forms as case_forms
from cases.access import EARLY_IVO_ROLES, HANDLER_ROLES, NOTIFICATION_ROLES, REGULATOR_OF, allowed_roles
from cases.api.reading import notification_transitions, reads_everything
from cases.models import CLOSED_STATES, CaseMessage, Regulator, ReportType
from cases.models.lifecycles import case_roles
from cases.services import InvalidState
from cases.services.conversation import MessageForm
from cases.services.regulators import EARLY_IVO_STATES
from cases.services.reports import transition_form, transition_meta
from cases.web import risk
from cases.web.common import attach_errors, case_clocks, case_errors, next_url
from cases.web.correcting import corrections_for, may_edit_description
from reporting.selectors.documents import frozen_documents, may_read_documents
from workflows.selectors import open_tasks
from workflows.services import may_reassign

CHECKBOX_LISTS = (forms.SelectMultiple,)


def _checkboxes(form):
    """Multiple choices as check boxes: usable on a phone and by keyboard."""
    for field in form.fields.values():
        if isinstance(field.widget, CHECKBOX_LISTS) and not isinstance(
            field.widget, forms.CheckboxSelectMultiple
        ):
            field.widget = forms.CheckboxSelectMultiple(choices=field.widget.choices)
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs.setdefault("rows", 4)
    return form


def is_handler(user, report):
    return bool(case_roles(user, report) & HANDLER_ROLES[report.type])


def _timeline(user, report):
    if not selectors.may_read_audit(user, report):
        return None
    return [
        {"at": event.occurred_at, "who": event.actor_name, "label": audit_actions.label(event.action)}
        for event in selectors.report_timeline(user, report)
    ]


def _open_tasks(user, report):
    """The case's open tasks, each with what this user may do with it: take it from the queue,
    give it back (their own, or as the unit's manager/SAS), hand it to someone else."""
    tasks = list(open_tasks(report))
    reassigner = may_reassign(user, report)
    for task in tasks:
        task.may_take = task.owner_id is None and task.flow_task.may_take(user, report)
        task.may_release = task.status == STATUS.ASSIGNED and (task.owner_id == user.pk or reassigner)
        task.may_reassign = reassigner and task.status in (STATUS.NEW, STATUS.ASSIGNED)
    return tasks


@login_required
@case_errors
def case_page(request, report_id):
    user = request.user
    report = selectors.access_report(user, report_id)
    audit.record_read("report.viewed", actor=user, report_ids=[report.pk], payload={"via": "web"})
    context = case_context(user, report)
    if context is None:
        context = {"report": report, "clocks": case_clocks(report)}
        context["feedback"] = report.messages.filter(kind=CaseMessage.Kind.FEEDBACK)
        return render(request, "web/case_reporter.html", context)
    return render(request, "web/case.html", context)


@login_required
@case_errors
def case_print(request, report_id):
    """The whole case as it is now, for paper or the file: the case page without its steps and
    forms, laid out by the print stylesheet (``@media print`` in app.css). For those who read
    the whole case; logged as a read of it."""
    user = request.user
    report = selectors.access_report(user, report_id)
    context = case_context(user, report, printing=True)
    if context is None:
        raise PermissionDenied
    audit.record_read("report.viewed", actor=user, report_ids=[report.pk], payload={"via": "print"})
    return render(request, "web/case.html", context)


@login_required
@case_errors
def case_pdf_file(request, report_id):
    """The whole case as one PDF for the file (``cases.web.case_file``), logged as a read."""
    from cases.web.case_file import case_pdf

    user = request.user
    report = selectors.access_report(user, report_id)
    context = case_context(user, report, printing=True)
    if context is None:
        raise PermissionDenied
    audit.record_read("report.viewed", actor=user, report_ids=[report.pk], payload={"via": "pdf"})
    response = HttpResponse(case_pdf(context), content_type="application/pdf")
    name = report.case_number.replace(" ", "_").replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def case_context(user, report, *, printing=False):
    """What the case page shows a user who reads the whole case; None for someone who only
    follows it (its reporter). ``printing``: without the steps and the forms."""
    if not reads_everything(user, report):
        return None
    context = {"report": report, "clocks": case_clocks(report), "printing": printing}
    roles = case_roles(user, report)
    handler = is_handler(user, report)
    notifications = list(
        report.regulator_notifications.select_related("decided_by").prefetch_related("supplements")
    )
    for notification in notifications:
        notification.steps = notification_transitions(notification, report, user)
        notification.state_label = notification.STATES.get(notification.state, notification.state)
    # The documents for IVO or IMY, for those who take the regulator's steps: the draft, and
    # the versions frozen when sent, with their hashes (reporting.selectors.documents).
    reads_documents = may_read_documents(user, report)
    if reads_documents and notifications:
        frozen = frozen_documents(notifications)
        for notification in notifications:
            notification.frozen = frozen.get(notification.pk, [])
    persons = selectors.report_persons(user, report)
    events = list(report.information_events.select_related("informed_by"))
    for person in persons:
        person.informed = [e for e in events if e.person_id == person.pk]
    may_notify_ivo_early = (
        bool(roles & EARLY_IVO_ROLES.get(report.type, frozenset()))
        and report.state in EARLY_IVO_STATES
        and not any(n.regulator == Regulator.IVO for n in notifications)
    )
    checklist = case_forms.investigation_checklist(report)
    context.update(
        {
            "handler": handler,
            "sections": parts.sections(user, report),
            "transitions": services.available_transitions(report, user),
            "persons": persons,
            "entries": report.investigation_entries.select_related("topic", "corrects"),
            "checklist": checklist,
            "checklist_missing": sum(1 for _topic, documented in checklist if not documented),
            "causes": list(report.causes.all()),
            "actions": selectors.report_actions(report),
            "links": selectors.report_links(user, report),
            "notifications": notifications,
            "reads_documents": reads_documents,
            "delegation_decisions": report.delegation_decisions.select_related("legal_reference"),
            "attachments": report.attachments.all(),
            "conversation": report.messages.select_related("author"),
            "timeline": _timeline(user, report),
            "open_tasks": _open_tasks(user, report),
            "may_notify_ivo_early": may_notify_ivo_early,
            "may_route": handler and bool(case_forms.RouteForm.TARGETS[report.type]),
            "may_ask": handler and report.type == ReportType.COMPLAINT,
            "closed": report.state in CLOSED_STATES,
            "corrections": corrections_for(user, report),
            "may_edit_description": may_edit_description(user, report),
            "case_corrections": selectors.report_corrections(report),
            "regulator": Regulator(REGULATOR_OF[report.type]).label if report.type in REGULATOR_OF else "",
        }
    )
    if handler and not context["closed"]:
        context["forms"] = {
            "person": _checkboxes(case_forms.AffectedPersonForm(auto_id="person_%s")),
            "entry": _checkboxes(case_forms.InvestigationEntryForm(report=report, auto_id="entry_%s")),
            "cause": case_forms.CauseForm(report=report, auto_id="cause_%s"),
            "action": _checkboxes(case_forms.ActionForm(report=report, auto_id="action_%s")),
            "information": case_forms.InformationEventForm(report=report, auto_id="info_%s"),
            "feedback": MessageForm(auto_id="feedback_%s"),
        }
        context["risk_form"] = case_forms.RiskForm(report=report, user=user, auto_id="risk_%s")
        context["risk_form"].order_fields(risk.field_order(context["risk_form"]))
        context["matrix"] = risk.matrix(risk.selected_cell(context["risk_form"], report))
    if printing:
        context.update({"handler": False, "transitions": [], "open_tasks": [], "may_notify_ivo_early": False})
        context.update({"may_route": False, "may_ask": False, "forms": None, "risk_form": None})
        for notification in notifications:
            notification.steps = []
    return context


@dataclass
class Part:
    """A form on the web that adds to a part of the case; the page goes back to that part's
    section afterwards (cases.parts: the part that lists the form's name)."""

    title: str
    build: Callable  # (report, user, data, files) -> form
    perform: Callable  # (report, user, data, files) -> what the service returns
    may: Callable = is_handler
    saved: Callable | None = None  # what the service returned -> the message to show, or None


def routed_message(target):
    """What routing did, in words: "Lex Sarah-ärende SN 2026/0041 skapat"."""
    text = _("%(type)s case %(number)s created.") % {
        "type": target.get_type_display(),
        "number": target.case_number,
    }
    carried = [_("the risk assessment")] if target.probability else []
    if target.persons.exists():
        carried.append(_("the persons concerned"))
    if carried:
        text += " " + _("Carried over: %(parts)s.") % {"parts": _(" and ").join(carried)}
    return text


def _routed_in(report, before):
    """The message for a case a step routed (its links made after ``before``), or None."""
    link = report.links_out.exclude(pk__in=before).select_related("target").order_by("-pk").first()
    return routed_message(link.target) if link is not None else None


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))


def _file(data, files):
    return files.get("file") if files else None


# The forms of ``web:part``, by the name in its URL (each listed by its part in cases.parts).
PARTS = {
    "persons": Part(
        gettext_lazy("Add an affected person"),
        lambda r, u, d, f: case_forms.AffectedPersonForm(data=d),
        lambda r, u, d, f: services.do_add_affected_person(r.pk, acting_user=u, data=d),
    ),
    "information": Part(
        gettext_lazy("Record that a person was informed and heard"),
        lambda r, u, d, f: case_forms.InformationEventForm(data=d, report=r),
        lambda r, u, d, f: services.do_add_information_event(r.pk, acting_user=u, data=d),
    ),
    "entries": Part(
        gettext_lazy("Add an investigation entry"),
        lambda r, u, d, f: case_forms.InvestigationEntryForm(data=d, report=r),
        lambda r, u, d, f: services.do_add_investigation_entry(r.pk, acting_user=u, data=d),
    ),
    "risk": Part(
        gettext_lazy("Assess the risk"),
        lambda r, u, d, f: case_forms.RiskForm(data=d, report=r, user=u),
        lambda r, u, d, f: services.do_set_risk(r.pk, acting_user=u, data=d),
    ),
    "causes": Part(
        gettext_lazy("Add a cause"),
        lambda r, u, d, f: case_forms.CauseForm(data=d, report=r),
        lambda r, u, d, f: services.do_add_cause(r.pk, acting_user=u, data=d),
    ),
    "actions": Part(
        gettext_lazy("Add an action"),
        lambda r, u, d, f: case_forms.ActionForm(data=d, report=r),
        lambda r, u, d, f: services.do_add_action(r.pk, acting_user=u, data=d),
    ),
    "attachments": Part(
        gettext_lazy("Add an attachment"),
        lambda r, u, d, f: AttachmentForm(data=d, files=f),
        lambda r, u, d, f: services.do_add_attachment(r.pk, acting_user=u, upload=_file(d, f)),
    ),
    "route": Part(
        gettext_lazy("Open a linked case"),
        lambda r, u, d, f: case_forms.RouteForm(data=d, report=r, user=u),
        lambda r, u, d, f: services.do_route(r.pk, acting_user=u, data=d),
        saved=lambda target: routed_message(target),
    ),
    "ask": Part(
        gettext_lazy("Ask the submitter a question"),
        lambda r, u, d, f: MessageForm(data=d),
        lambda r, u, d, f: services.do_ask_submitter(r.pk, acting_user=u, data=d),
    ),
    "feedback": Part(
        gettext_lazy("Give feedback to the reporter"),
        lambda r, u, d, f: MessageForm(data=d),
        lambda r, u, d, f: services.do_give_reporter_feedback(r.pk, acting_user=u, data=d),
    ),
    "notify-ivo": Part(
        gettext_lazy("Decide to notify IVO now"),
        lambda r, u, d, f: case_forms.NotificationDecideForm(data=d, report=r, user=u),
        lambda r, u, d, f: services.do_decide_ivo_notification(r.pk, acting_user=u, data=d),
        lambda u, r: bool(case_roles(u, r) & EARLY_IVO_ROLES.get(r.type, frozenset())),
    ),
}


def _form_page(
    request, report, *, title, form, perform, anchor, back=None, intro="", blocked_by=(), saved=None
):
    """GET shows the form; POST performs the change and goes back to the case, or shows the
    form again with every field as typed and the errors linked from a summary."""
    _checkboxes(form)
    if request.method == "POST":
        try:
            result = perform()
        except ValidationError as exc:
            attach_errors(form, exc, {"file": "file"})
        else:
            text = (saved and saved(result)) or _("Saved.")
            messages.success(request, text, extra_tags=f"clear-draft:{request.path}")
            default = reverse("web:case", args=[report.pk]) + (f"#{anchor}" if anchor else "")
            return redirect(next_url(request, default))
    matrix = None
    if "probability" in form.fields and "severity" in form.fields:
        matrix = risk.matrix(risk.selected_cell(form, report))  # the case's risk, e.g. carried when routed
        form.order_fields(risk.field_order(form))
    return render(
        request,
        "web/case_form.html",
        {
            "report": report,
            "title": title,
            "intro": intro,
            "form": form,
            "matrix": matrix,
            "clocks": case_clocks(report),
            "back": back or reverse("web:case", args=[report.pk]),
            "blocked_by": blocked_by if request.method != "POST" else (),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "is_multipart": any(isinstance(f, forms.FileField) for f in form.fields.values()),
        },
    )


@login_required
@case_errors
def part(request, report_id, part_name):
    spec = PARTS.get(part_name)
    if spec is None:
        raise Http404()
    user = request.user
    report = selectors.access_report(user, report_id)
    if not spec.may(user, report):
        raise PermissionDenied()
    data = risk.with_cell(request.POST) if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = spec.build(report, user, data, files)
    return _form_page(
        request,
        report,
        title=spec.title,
        form=form,
        anchor=parts.part_of_form(part_name).key,
        perform=lambda: spec.perform(report, user, data, files),
        saved=spec.saved,
    )


@login_required
@case_errors
def update_action(request, report_id, action_id):
    user = request.user
    report = selectors.access_report(user, report_id)
    action = report.actions.filter(pk=action_id).first()
    if action is None:
        raise Http404()
    if action.owner_id != user.pk and not is_handler(user, report):
        raise PermissionDenied()
    data = request.POST if request.method == "POST" else None
    form = case_forms.ActionUpdateForm(data=data, instance=action, report=report)
    return _form_page(
        request,
        report,
        title=_("Update the action"),
        form=form,
        anchor=f"action-{action.pk}",
        perform=lambda: services.do_update_action(report.pk, action.pk, acting_user=user, data=data),
        saved=_action_saved,
    )


def _action_saved(action):
    """What saving an action means for the case: one done without its follow-up stays open."""
    if action is not None and not action.is_settled:
        if action.status == action.Status.DONE:
            return _(
                "Saved. The action stays open until its effect is followed up: "
                "describe the follow-up of the effect to settle it."
            )
        return _("Saved. The action stays open until it is done and its effect is followed up.")
    return None


# A step the user may take on the case, but not in the state the case is in now: the form
# came from a second tab, the back button or a second click, after the case moved on.
STALE_STEP = gettext_lazy(
    "This step has already been taken, or the case has moved on and it is no longer possible. "
    "Here is the case as it is now."
)


@login_required
@case_errors
def transition(request, report_id, name):
    user = request.user
    report = selectors.access_report(user, report_id)
    allowed = {t["name"]: t for t in services.available_transitions(report, user)}
    if name not in allowed:
        _method, _meta, custom = transition_meta(report, name)  # an unknown name is a 404
        if allowed_roles(user, report, custom["roles"]):
            raise InvalidState(STALE_STEP)
        raise PermissionDenied()
    data = risk.with_cell(request.POST) if request.method == "POST" else None
    before = list(report.links_out.values_list("pk", flat=True)) if data is not None else []
    form = transition_form(report, name, user, data=data)
    if data is None and name == "record_immediate_measures" and report.immediate_measures:
        form.initial["immediate_measures"] = report.immediate_measures
    return _form_page(
        request,
        report,
        title=allowed[name]["label"],
        form=form,
        anchor="",
        blocked_by=allowed[name]["blocked_by"],
        perform=lambda: services.do_transition(report.pk, name, acting_user=user, data=data),
        saved=lambda changed: _routed_in(changed, before),
    )


@login_required
@case_errors
def notification_step(request, report_id, notification_id, name):
    user = request.user
    report = selectors.access_report(user, report_id)
    notification = report.regulator_notifications.filter(pk=notification_id).first()
    if notification is None or name not in case_forms.NOTIFICATION_FORMS:
        raise Http404()
    if name not in {s["name"] for s in notification_transitions(notification, report, user)}:
        if allowed_roles(user, report, NOTIFICATION_ROLES[report.type]):
            raise InvalidState(STALE_STEP)
        raise PermissionDenied()
    data = request.POST if request.method == "POST" else None
    form = case_forms.NOTIFICATION_FORMS[name](data=data, report=report, user=user, notification=notification)
    titles = {
        "submit": _("Record the notification as submitted"),
        "supplement": _("Record a supplement"),
        "record_outcome": _("Record the regulator's decision"),
        "complete": _("Complete the notification"),
    }
    return _form_page(
        request,
        report,
        title=titles[name],
        form=form,
        anchor="notifications",
        perform=lambda: services.do_notification_transition(
            report.pk, notification.pk, name, acting_user=user, data=data
        ),
    )
