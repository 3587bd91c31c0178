"""Every read of cases for a user goes through here: querysets already scoped to what the
user may see, so that no list or detail can leak another unit's or board's cases."""

from django.db.models import Q

from cases.access import INVESTIGATOR, PROTECTED_IDENTITY_ROLES, VIEW_ROLES, role_scope
from cases.models import (
    Action,
    AuditEvent,
    Report,
    ReportUserObjectPermission,
)
from cases.models.lifecycles import case_roles


def visible_reports(user):
    if not user.is_authenticated or not user.is_active:
        return Report.objects.none()
    scope = role_scope(user)
    named = ReportUserObjectPermission.objects.filter(
        user=user, permission__codename="investigate_report"
    ).values("content_object_id")
    q = Q(reporter=user) | Q(pk__in=named)
    for report_type, roles in VIEW_ROLES.items():
        if scope.roles & roles:
            q |= Q(type=report_type) & scope.units_q(roles)
    return Report.objects.filter(q)


def report_list(user, *, type=None, state=None, unit=None):
    qs = visible_reports(user).select_related("unit", "namnd")
    if type:
        qs = qs.filter(type=type)
    if state:
        qs = qs.filter(state=state)
    if unit:
        qs = qs.filter(unit_id=unit)
    return qs.order_by("-reported_at", "-id")


def report_detail(user, report_id):
    """The case, typed, or None when it does not exist or the user may not see it."""
    report = (
        visible_reports(user)
        .select_related("unit", "namnd", "reporter", "handler", "risk_band", "category", "complaint_kind",
                        "complaint_source", "subject_area")
        .filter(pk=report_id)
        .first()
    )
    return report.typed() if report else None


def report_for_change(user, report_id):
    """The case, typed, for a service about to change it; None as for ``report_detail``.

    Only the unit is joined, which the permission check needs. The detail's nine joins cost
    PostgreSQL nearly 4 ms of planning per call (docs/performance.md), and a change reads
    few of those relations, if any."""
    report = visible_reports(user).select_related("unit").filter(pk=report_id).first()
    return report.typed() if report else None


def report_persons(user, report):
    persons = list(report.persons.all())
    if not case_roles(user, report) & PROTECTED_IDENTITY_ROLES:
        for person in persons:
            if person.protected_identity:
                person.name, person.personnummer = "", ""
                person.masked = True
    return persons


def report_actions(report):
    return report.actions.select_related("owner").prefetch_related("causes")


def report_links(user, report):
    """Linked cases, each with whether this user may open it (the number shows either way)."""
    # The linked ids as subqueries, not joins: with joins the planner scans every case the
    # user may see before it finds the few linked ones (0.3 s at 100,000 cases).
    from cases.models import ReportLink

    visible = set(
        visible_reports(user)
        .filter(Q(pk__in=ReportLink.objects.filter(source=report).values("target_id"))
                | Q(pk__in=ReportLink.objects.filter(target=report).values("source_id")))
        .values_list("pk", flat=True)
    )
    links = []
    for link in report.links_out.select_related("target"):
        links.append({"direction": "to", "report": link.target, "reason": link.reason, "visible": link.target_id in visible,
                      "created_at": link.created_at})
    for link in report.links_in.select_related("source"):
        links.append({"direction": "from", "report": link.source, "reason": link.reason, "visible": link.source_id in visible,
                      "created_at": link.created_at})
    return links


def report_timeline(user, report):
    """The case's history, from the audit trail's change chain."""
    return AuditEvent.objects.filter(chain=AuditEvent.Chain.CHANGE, report_id=report.pk).order_by("seq")


def may_read_audit(user, report):
    from cases.models import Role

    return bool(case_roles(user, report) & {Role.SAS, Role.DSO, Role.UNIT_MANAGER, INVESTIGATOR})


def user_actions(user):
    """Open actions owned by the user, on cases they may see."""
    return Action.objects.filter(owner=user, report__in=visible_reports(user)).exclude(status=Action.Status.DONE)



def report_for_receipt(code):
    """The case a public submitter's receipt code opens, typed, or None. The code page shows
    only the submission itself, its state and the messages (cases.web.public)."""
    from cases.models import ReceiptCode
    from cases.models.messages import receipt_digest

    receipt = ReceiptCode.objects.select_related("report").filter(code_hash=receipt_digest(code)).first()
    return receipt.report.typed() if receipt else None
