"""The work inbox and the actions board of a manager's units.

The inbox lists the user's workflow tasks (``workflows.selectors.tasks_for``): those assigned
to them or to someone they stand in for, and those waiting in the queue of a role they hold on
the case's unit, most urgent legal clock first. Taking a task from the queue goes through
``workflows.services.do_claim``; giving it back to the queue and handing it to someone else
who may take it, through ``do_release`` and ``do_reassign`` (the same services as the API)."""

import functools
import operator

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases import audit, inbox_extras, selectors
from cases.access import HANDLER_ROLES, INVESTIGATOR, role_scope
from cases.models import (
    TYPE_MODELS,
    Action,
    DeadlineRule,
    OrgUnit,
    ReportType,
    ReportUserObjectPermission,
    Role,
    User,
)
from cases.models.lifecycles import prefetch_named_grants
from cases.services import CaseNotFound, InvalidState
from cases.web.common import attach_errors, next_url
from workflows.escalation import holders
from workflows.selectors import LISTED_FIELDS, inbox_page, task_for_action, with_due_at
from workflows.services import do_claim, do_reassign, do_release, may_reassign


def all_states():
    seen = {}
    for model in TYPE_MODELS.values():
        for code, label in model.STATES.items():
            seen.setdefault(code, label)
    return list(seen.items())


class InboxFilters(forms.Form):
    q = forms.CharField(label=_("Search case number or text"), required=False, max_length=100)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types"))] + ReportType.choices
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=OrgUnit.objects.none(), empty_label=_("All units")
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = role_scope(user)
        self.fields["unit"].queryset = OrgUnit.objects.filter(scope.units_q(scope.roles, prefix="")).exclude(
            kind="kommun"
        )
        self.fields["state"].choices = [("", _("All states"))] + all_states()


REPORT = "process__caseprocess__report"


def inbox_cases(filters):
    """The inbox's filters as a condition on each task's case (``workflows.selectors.inbox_page``)."""
    cases = Q()
    if filters.get("type"):
        cases &= Q(**{f"{REPORT}__type": filters["type"]})
    if filters.get("unit"):
        cases &= Q(**{f"{REPORT}__unit__path__startswith": filters["unit"].path})
    if filters.get("state"):
        cases &= Q(**{f"{REPORT}__state": filters["state"]})
    if filters.get("q", "").strip():
        cases &= selectors.case_number_or_text_q(filters["q"], via=f"{REPORT}__")
    return cases


# The task lists' columns, and what this page shows besides: the excerpt of the description
# and, for a breach without a stored clock, its discovery (not one query per row); the unit's
# path: whether the user may hand the task to someone else.
INBOX_FIELDS = [
    *LISTED_FIELDS,
    f"{REPORT}__description",
    f"{REPORT}__discovered_at",
    f"{REPORT}__unit__path",
    f"{REPORT}__reporter_id",
]


def inbox_rows(ids):
    """The rows of one inbox page, already chosen and sorted by ``inbox_tasks`` (in scope)."""
    return with_due_at(
        Task.objects.select_related(f"{REPORT}__unit", "owner").only(*INBOX_FIELDS).filter(pk__in=ids)
    )


def overdue_by_unit(user):
    """Per unit: the cases with a running legal clock past its deadline and the open actions
    past their due date, from ``cases.selectors.overdue_for`` (the overdue API's selector):
    the units where the user answers for deadlines, the cases there they may see."""
    if not role_scope(user).roles:
        return []
    overdue = selectors.overdue_for(user)
    columns = ("report_id", "report__unit_id", "report__unit__name")
    rows = {}
    for kind in ("clocks", "actions"):
        counted = set()
        for report_id, unit_id, unit_name in overdue[kind].values_list(*columns):
            if kind == "clocks" and report_id in counted:
                continue
            counted.add(report_id)
            row = rows.setdefault(unit_id, {"unit": unit_name, "cases": 0, "actions": 0})
            row["cases" if kind == "clocks" else "actions"] += 1
    return sorted(rows.values(), key=lambda r: r["unit"])


class Page:
    """A page of a list without counting it all: a board's queue can hold thousands of tasks,
    and counting them costs as much as sorting them. With ``rows_for``, the sorting query
    reads only the ids of the page (no join to the cases or their units for every candidate)
    and ``rows_for(ids)`` reads the page's rows."""

    SIZE = 50

    def __init__(self, queryset, number, rows_for=None, ids_for=None):
        try:
            self.number = max(1, int(number or 1))
        except ValueError:
            self.number = 1
        start = (self.number - 1) * self.SIZE
        if rows_for is None:
            rows = list(queryset[start : start + self.SIZE + 1])
        else:
            if ids_for is not None:  # the page's ids, already sorted (``inbox_page``)
                ids = ids_for(start, self.SIZE + 1)
            else:
                ids = list(queryset.values_list("pk", flat=True)[start : start + self.SIZE + 1])
            found = {row.pk: row for row in rows_for(ids)} if ids else {}
            rows = [found[pk] for pk in ids if pk in found]
        self.has_next = len(rows) > self.SIZE
        self.object_list = rows[: self.SIZE]
        self.has_previous = self.number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number, self.previous_page_number = self.number + 1, self.number - 1


@login_required
def inbox(request):
    user = request.user
    filters = InboxFilters(request.GET or None, user=user)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    now = timezone.now()
    page = Page(
        None,
        request.GET.get("page"),
        rows_for=inbox_rows,
        ids_for=lambda start, count: inbox_page(
            user, start, count, cases=inbox_cases(cleaned), overdue=bool(cleaned.get("overdue")), now=now
        ),
    )
    rows = page.object_list
    rule = None
    # Whether the user may hand a task on is decided from their roles on the case
    # (``case_roles``): the cases' named investigators read for the whole page at once.
    prefetch_named_grants([task.process.caseprocess.report for task in rows])
    for task in rows:
        task.report = report = task.process.caseprocess.report
        task.mine = task.owner_id is not None
        task.may_reassign = task.status in (STATUS.NEW, STATUS.ASSIGNED) and may_reassign(user, report)
        # Until the clock is stored with the case, a breach's 72 hours are computed from its discovery
        # (the rule read once, and only when a row needs it).
        if (
            task.due_at is None
            and report.type == ReportType.DATA_BREACH
            and report.discovered_at
            and report.state in ("reported", "assessed")
        ):
            rule = rule or DeadlineRule.current("breach-imy-notification")
            if rule:
                task.due_at = rule.due(report.discovered_at)
                task.is_overdue = task.due_at < now
    if rows:
        audit.record_read(
            "report.listed",
            actor=user,
            report_ids=sorted({t.report.pk for t in rows}),
            payload={"page": "inbox"},
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/inbox.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "overdue": overdue_by_unit(user),
            "other_tasks": inbox_extras.items_for(user, timezone.localdate(now)),
            "query": query.urlencode(),
        },
    )


@login_required
@require_POST
def claim(request, task_id):
    try:
        do_claim(task_id, acting_user=request.user)
    except CaseNotFound:
        raise Http404() from None
    except (InvalidState, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, gettext("The task is yours."))
    return redirect(next_url(request, reverse("web:inbox")))


def _task_step(request, perform, success):
    """Run a task service; out of scope 404, not allowed 403, a task that moved on a message."""
    try:
        perform()
    except CaseNotFound:
        raise Http404() from None
    except (InvalidState, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, success)
    return redirect(next_url(request, reverse("web:inbox")))


@login_required
@require_POST
def release(request, task_id):
    return _task_step(
        request,
        lambda: do_release(task_id, acting_user=request.user),
        gettext("The task is back in the queue."),
    )


def reassign_candidates(task, report):
    """Active users who may take this task: holders of its step's roles on the case's unit
    (granted there or above) and, where the step allows one, the case's named investigator;
    each checked as the service will check them."""
    node = task.flow_task
    # One condition on the user's id per source: querysets of their own (``holders`` is
    # DISTINCT) cannot be OR-ed together.
    sources = [holders(role, report.unit).values("pk") for role in node.roles if role in Role.values]
    if INVESTIGATOR in node.roles:
        sources.append(
            ReportUserObjectPermission.objects.filter(
                content_object_id=report.pk, permission__codename="investigate_report"
            ).values("user_id")
        )
    if not sources:
        return []
    found = User.objects.filter(
        functools.reduce(operator.or_, (Q(pk__in=ids) for ids in sources)), is_active=True
    )
    people = sorted(found, key=lambda u: (u.display_name.lower(), u.pk))
    return [person for person in people if node.may_take(person, report)]


class ReassignForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Give the task to"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, candidates, owner_id, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for person in candidates:
            label = f"{person.display_name}, {person.title}" if person.title else person.display_name
            if person.pk == owner_id:
                label = gettext("%(name)s (has it now)") % {"name": label}
            choices.append((person.pk, label))
        self.fields["user"].choices = choices


@login_required
def reassign(request, task_id):
    """GET: the people who may take the task; POST: give it to one of them (manager or SAS)."""
    user = request.user
    try:
        task = task_for_action(user, task_id)
    except CaseNotFound:
        raise Http404() from None
    report = task.process.caseprocess.report
    if not may_reassign(user, report):
        raise PermissionDenied()
    back = reverse("web:case", args=[report.pk])
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        messages.error(request, gettext("This task is no longer open."))
        return redirect(next_url(request, back))
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        candidates=reassign_candidates(task, report),
        owner_id=task.owner_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            do_reassign(task.pk, acting_user=user, user_id=form.cleaned_data["user"])
        except CaseNotFound:
            raise Http404() from None
        except ValidationError as exc:
            attach_errors(form, exc)
        except InvalidState as exc:
            messages.error(request, str(exc))
            return redirect(next_url(request, back))
        else:
            messages.success(request, gettext("The task has been handed over."))
            return redirect(next_url(request, back))
    return render(
        request,
        "web/task_reassign.html",
        {
            "task": task,
            "report": report,
            "form": form,
            "back": back,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


def open_actions(user):
    """Open or unevaluated actions on the cases the user handles by a role on their unit (a
    breach's: the DSO's, not the SAS's), and those the user owns."""
    scope = role_scope(user)
    handled = Q(owner=user)
    for report_type, roles in HANDLER_ROLES.items():
        handled |= Q(report__type=report_type) & scope.units_q(
            roles - {INVESTIGATOR}, prefix="report__unit__"
        )
    return (
        Action.objects.filter(handled, report__in=selectors.visible_reports(user).values("pk"))
        .filter(Q(status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS]) | Q(effect_follow_up=""))
        .select_related("report", "report__unit", "owner")
        .prefetch_related("causes")
        .order_by("due_date", "id")
    )


@login_required
def actions_board(request):
    user = request.user
    page = Paginator(open_actions(user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/actions.html",
        {"page": page, "today": timezone.localdate(), "statuses": Action.Status.choices},
    )
