"""Which corrections of a case a user may make now (the case page's buttons and the
correction pages of ``cases.web.corrections`` ask the same)."""

from django.utils.translation import gettext_lazy

from cases import services
from cases.access import CORRECTING_ROLES, HANDLER_ROLES
from cases.models import CLOSED_STATES
from cases.models.lifecycles import case_roles
from cases.services.reports import transition_meta

# name → (service, title, what the page explains)
CORRECTIONS = {
    "reopen": (
        services.do_reopen_report,
        gettext_lazy("Reopen the case"),
        gettext_lazy(
            "The case goes back to the state before it was closed and can be closed again. The "
            "deadlines its closing stopped run again where the law says; the reason is kept in "
            "the case's history."
        ),
    ),
    "withdraw": (
        services.do_withdraw_report,
        gettext_lazy("Withdraw the report"),
        gettext_lazy(
            "For a report filed by mistake. It is kept, marked as withdrawn, and no longer counted "
            "in statistics and compilations. Its open tasks and deadlines end."
        ),
    ),
    "merge": (
        services.do_merge_reports,
        gettext_lazy("Merge into another case"),
        gettext_lazy(
            "For a duplicate. The other case stays and this one points to it, is closed as merged "
            "and counted once, as the other case. Both keep their own history."
        ),
    ),
}


def corrections_for(user, report):
    """The corrections this user may make on the case now: [(name, title)]."""
    if not case_roles(user, report) & CORRECTING_ROLES[report.type]:
        return []
    found = []
    for name, (_service, title, _intro) in CORRECTIONS.items():
        _method, meta, _custom = transition_meta(report, name, correction=True)
        if meta.has_transition(report.state):
            found.append((name, title))
    return found


def may_edit_description(user, report):
    """What ``do_edit_description`` allows: a handler of the case, while it is open."""
    return bool(case_roles(user, report) & HANDLER_ROLES[report.type]) and report.state not in CLOSED_STATES
