"""The work inbox (cases waiting for an action by one of this user's roles, most urgent
first) and the actions board of a manager's units.

The inbox is built from ``cases.selectors`` and the lifecycles' own declarations: a case
waits for this user when one of its current state's transitions names a role the user holds
on the case's unit, or the user is its named investigator, or one of its regulator
notifications waits for a role the user holds. Urgency is the earliest running clock."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import audit, selectors
from cases.access import INVESTIGATOR, role_scope
from cases.models import (
    TYPE_MODELS,
    Action,
    CaseClock,
    DeadlineRule,
    OrgUnit,
    ReportType,
    ReportUserObjectPermission,
    Role,
    RegulatorNotification,
)
from cases.services.regulators import NOTIFICATION_ROLES

OPEN_NOTIFICATION_STATES = ["decided", "submitted", "supplemented", "regulator_decided"]
NOTIFICATION_TYPES = {"ivo": ReportType.LEX_SARAH, "imy": ReportType.DATA_BREACH}


def _transitions(model):
    return model._meta.get_field("state").get_all_transitions(model)


def waiting_q(user):
    scope = role_scope(user)
    named = ReportUserObjectPermission.objects.filter(
        user=user, permission__codename="investigate_report").values("content_object_id")
    q = Q(pk__in=[])
    for report_type, model in TYPE_MODELS.items():
        for t in _transitions(model):
            roles = t.custom["roles"]
            here = Q(type=report_type, state=t.source)
            unit_roles = roles & scope.roles
            if unit_roles:
                q |= here & scope.units_q(unit_roles)
            if INVESTIGATOR in roles:
                q |= here & Q(pk__in=named)
    for regulator, roles in NOTIFICATION_ROLES.items():
        mine = roles & scope.roles
        if mine:
            waiting = RegulatorNotification.objects.filter(regulator=regulator, state__in=OPEN_NOTIFICATION_STATES)
            q |= Q(type=NOTIFICATION_TYPES[regulator], pk__in=waiting.values("report_id")) & scope.units_q(mine)
    return q


def all_states():
    seen = {}
    for model in TYPE_MODELS.values():
        for code, label in model.STATES.items():
            seen.setdefault(code, label)
    return list(seen.items())


class InboxFilters(forms.Form):
    q = forms.CharField(label=_("Search case number or text"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types"))] + ReportType.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=OrgUnit.objects.none(),
                                  empty_label=_("All units"))
    state = forms.ChoiceField(label=_("State"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = role_scope(user)
        self.fields["unit"].queryset = OrgUnit.objects.filter(scope.units_q(scope.roles, prefix="")).exclude(
            kind="kommun")
        self.fields["state"].choices = [("", _("All states"))] + all_states()


def inbox_queryset(user, filters):
    now = timezone.now()
    qs = (selectors.visible_reports(user).filter(waiting_q(user)).select_related("unit")
          .annotate(next_due=Min("clocks__due_at", filter=Q(clocks__stopped_at__isnull=True))))
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("unit"):
        qs = qs.filter(unit__path__startswith=filters["unit"].path)
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("overdue"):
        qs = qs.filter(next_due__lt=now)
    if filters.get("q"):
        text = filters["q"].strip()
        qs = qs.filter(Q(case_number__icontains=text) | Q(description__icontains=text))
    return qs.order_by(F("next_due").asc(nulls_last=True), "reported_at", "id")


def overdue_by_unit(user):
    """Per unit: cases with an overdue legal clock and overdue actions, for this user's scope."""
    now = timezone.now()
    scope = role_scope(user)
    # Only units where the user holds a role; a reporter's own cases are not a unit's list.
    visible = selectors.visible_reports(user).filter(scope.units_q(scope.roles)).values("pk")
    clocks = (CaseClock.objects.filter(report__in=visible, stopped_at__isnull=True, due_at__lt=now)
              .values("report__unit_id", "report__unit__name").annotate(n=Count("report", distinct=True)))
    actions = (Action.objects.filter(report__in=visible, due_date__lt=timezone.localdate())
               .exclude(status=Action.Status.DONE)
               .values("report__unit_id", "report__unit__name").annotate(n=Count("id")))
    rows = {}
    for row in clocks:
        rows.setdefault(row["report__unit_id"], {"unit": row["report__unit__name"], "cases": 0, "actions": 0})
        rows[row["report__unit_id"]]["cases"] = row["n"]
    for row in actions:
        rows.setdefault(row["report__unit_id"], {"unit": row["report__unit__name"], "cases": 0, "actions": 0})
        rows[row["report__unit_id"]]["actions"] = row["n"]
    return sorted(rows.values(), key=lambda r: r["unit"])


@login_required
def inbox(request):
    user = request.user
    filters = InboxFilters(request.GET or None, user=user)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    page = Paginator(inbox_queryset(user, cleaned), 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    rule = DeadlineRule.current("breach-imy-notification")
    for report in rows:
        # Until a stored clock exists, a breach's 72 hours are computed from its discovery.
        if report.next_due is None and report.type == ReportType.DATA_BREACH and report.discovered_at and rule \
                and report.state in ("reported", "assessed"):
            report.next_due = rule.due(report.discovered_at)
    if rows:
        audit.record_read("report.listed", actor=user, report_ids=[r.pk for r in rows], payload={"page": "inbox"})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/inbox.html", {
        "filters": filters, "page": page, "rows": rows, "overdue": overdue_by_unit(user),
        "query": query.urlencode(), "now": timezone.now(),
    })


def open_actions(user):
    """Open or unevaluated actions on the cases of the user's units, and those the user owns."""
    scope = role_scope(user)
    units = scope.units_q({Role.UNIT_MANAGER, Role.SAS}, prefix="report__unit__")
    return (Action.objects.filter(units | Q(owner=user), report__in=selectors.visible_reports(user).values("pk"))
            .filter(Q(status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS]) | Q(effect_follow_up=""))
            .select_related("report", "report__unit", "owner").prefetch_related("causes")
            .order_by("due_date", "id"))


@login_required
def actions_board(request):
    user = request.user
    page = Paginator(open_actions(user), 50).get_page(request.GET.get("page"))
    return render(request, "web/actions.html", {"page": page, "today": timezone.localdate(),
                                                "statuses": Action.Status.choices})
