"""Administration is scoped like cases: every administrator × every model in the admin ×
a row of their own board, of the other board, and shared (docs/administration.md).

The matrix is built from ``admin.site._registry``: a model registered in the admin later
fails ``test_the_admin_page`` until it is placed in ``PLACES`` with the kind of page it is.
The board administrators hold every model permission of the admin, so that what they reach
is decided by their board alone, not by a permission someone forgot to give.
"""

import datetime
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.forms import CheckboxInput, MultiWidget
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import TokenProxy

from cases.admin_scope import BoardAdmin, OperatorAdmin, SharedAdmin
from cases.models import (
    AuditEvent,
    DeadlineRule,
    InvestigationTopic,
    LegalReference,
    OrgUnit,
    RiskBand,
    RiskRoutingRule,
    Role,
    Term,
    User,
)
from cases.models.compilations import SuppressionRule
from cases.services import do_grant_role
from notifications.models import Delivery, FailedAddress, Notification, NotificationRule, Position
from tests.factories import file
from workflows.models import Substitute

pytestmark = pytest.mark.django_db

ADMINISTRATORS = ["admin_sn", "admin_on", "admin_kommun", "superuser"]
BOARD_OF = {"admin_sn": "sn", "admin_on": "on"}


def now_plus(days):
    return timezone.now() + datetime.timedelta(days=days)


def on_reporter(org, cast):
    """A user of the other board with no grant, as ``on_reporter`` in the demo."""
    return User.objects.get_or_create(username="on_reporter", defaults={"home_unit": org.unit_c})[0]


def board_term(org, board):
    return Term.objects.create(vocabulary=Term.Vocabulary.DEVIATION_CATEGORY, code=f"egen-{board.pk}",
                               name=f"Egen kategori {board.case_number_prefix}", board=board)


def notification(reporter, unit, recipient):
    report = file("deviation", reporter, unit)
    return Notification.objects.create(key=uuid.uuid4().hex, kind="new_report", event="report.filed",
                                       user=recipient, report=report, case_number=report.case_number)


# Where a row sits: "sn" (Socialnämnden), "on" (Omsorgsnämnden), "shared" (every board's),
# "kommun" (the municipality node), "homeless" (a user without home unit); row factories.
PLACES = {
    "cases.orgunit": (BoardAdmin, {
        "sn": lambda org, cast: org.unit_a,
        "on": lambda org, cast: org.unit_c,
        "kommun": lambda org, cast: org.kommun,
    }),
    "cases.user": (BoardAdmin, {
        "sn": lambda org, cast: cast["reporter"],
        "on": on_reporter,
        "homeless": lambda org, cast: User.objects.create_user("hemlos", password="x"),
    }),
    "cases.term": (BoardAdmin, {
        "sn": lambda org, cast: board_term(org, org.sn),
        "on": lambda org, cast: board_term(org, org.on),
        "shared": lambda org, cast: Term.objects.create(vocabulary=Term.Vocabulary.DEVIATION_CATEGORY,
                                                        code="gemensam", name="Gemensam kategori"),
    }),
    "workflows.substitute": (BoardAdmin, {
        "sn": lambda org, cast: Substitute.objects.create(person=cast["manager_a"], substitute=cast["manager_b"],
                                                          starts_at=now_plus(1), ends_at=now_plus(5)),
        "on": lambda org, cast: Substitute.objects.create(person=cast["sas_other"], substitute=on_reporter(org, cast),
                                                          starts_at=now_plus(1), ends_at=now_plus(5)),
    }),
    "notifications.position": (BoardAdmin, {
        "sn": lambda org, cast: Position.objects.create(code="namnd_chair", name="Ordförande", unit=org.sn,
                                                        user=cast["decision_maker"]),
        "on": lambda org, cast: Position.objects.create(code="namnd_chair", name="Ordförande", unit=org.on,
                                                        user=cast["sas_other"]),
    }),
    "cases.legalreference": (SharedAdmin, {"shared": lambda org, cast: LegalReference.objects.create(
        code="ny-lag", citation="1 § Ny lag (2030:1)", title="Ny lag")}),
    "cases.deadlinerule": (SharedAdmin, {"shared": lambda org, cast: DeadlineRule.objects.create(
        code="ny-regel", name="Ny regel", starts_at="reported_at", amount=3, unit="days")}),
    "cases.riskband": (SharedAdmin, {"shared": lambda org, cast: RiskBand.objects.create(
        code="ny-niva", name="Ny nivå", min_score=17, max_score=18, valid_from=datetime.date(2090, 1, 1))}),
    "cases.riskroutingrule": (SharedAdmin, {"shared": lambda org, cast: RiskRoutingRule.objects.create(
        min_score=16, min_severity=4, route_to="lex_sarah", valid_from=datetime.date(2090, 1, 1))}),
    "cases.investigationtopic": (SharedAdmin, {"shared": lambda org, cast: InvestigationTopic.objects.create(
        report_type="lex_sarah", code="ny-punkt", name="Ny punkt")}),
    "cases.suppressionrule": (SharedAdmin, {"shared": lambda org, cast: SuppressionRule.objects.create(
        threshold=5, valid_from=datetime.date(2090, 1, 1))}),
    "notifications.notificationrule": (OperatorAdmin, {"shared": lambda org, cast: NotificationRule.objects.create(
        event="report.filed", kind="new_report")}),
    "notifications.notification": (OperatorAdmin, {
        "sn": lambda org, cast: notification(cast["reporter"], org.unit_a, cast["sas"]),
        "on": lambda org, cast: notification(on_reporter(org, cast), org.unit_c, cast["sas_other"]),
    }),
    "notifications.delivery": (OperatorAdmin, {
        "sn": lambda org, cast: Delivery.objects.create(key="sn", address="sas@kommun.example", user=cast["sas"]),
        "on": lambda org, cast: Delivery.objects.create(key="on", address="sas_other@kommun.example",
                                                        user=cast["sas_other"]),
    }),
    "notifications.failedaddress": (OperatorAdmin, {"shared": lambda org, cast: FailedAddress.objects.create(
        address="borta@kommun.example", code=550, error="Mailbox unavailable")}),
    "authtoken.tokenproxy": (OperatorAdmin, {
        "sn": lambda org, cast: TokenProxy.objects.create(user=cast["sas"]),
        "on": lambda org, cast: TokenProxy.objects.create(user=cast["sas_other"]),
    }),
    "django_tasks_database.dbtaskresult": (OperatorAdmin, {"shared": lambda org, cast: DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="notifications.tasks.send", queue_name="default",
        backend_name="default", run_after=timezone.now(), exception_class_path="", traceback="")}),
}

# What the model's own admin refuses everyone, superusers included (not a matter of boards).
NOBODY = {
    "cases.orgunit": {"delete"},  # a unit keeps its history
    "cases.user": {"delete"},  # deactivated, never deleted
    "notifications.notification": {"add", "change"},
    "notifications.delivery": {"add"},
    "notifications.failedaddress": {"add"},
    "django_tasks_database.dbtaskresult": {"add", "change", "delete"},
}


def label(model):
    return model._meta.label_lower


def matrix():
    for model in admin.site._registry:
        for place in PLACES.get(label(model), (None, {"unplaced": None}))[1]:
            for administrator in ADMINISTRATORS:
                yield pytest.param(administrator, label(model), place, id=f"{administrator}-{label(model)}-{place}")


def reach(administrator, kind, place):
    """What ``administrator`` may do with a row of the ``kind`` of page at ``place``:
    "change", "view" (read only) or "none" (404, as a row that does not exist)."""
    if administrator == "superuser":
        return "change"
    if kind is OperatorAdmin or place in ("kommun", "homeless"):
        return "none"
    if place == "shared":
        return "view"
    own = BOARD_OF.get(administrator)
    return "change" if own is None or own == place else "none"


@pytest.fixture
def administrators(org, cast, admin_user):
    """The cast's board administrators and one of the municipality, as staff holding every
    permission of every model in the admin, and a superuser."""
    content_types = [ContentType.objects.get_for_model(model, for_concrete_model=False)
                     for model in admin.site._registry]
    everything = list(Permission.objects.filter(content_type__in=content_types))
    kommun = User.objects.create_user("admin_kommun", password="x", home_unit=org.kommun)
    do_grant_role(kommun, Role.ADMINISTRATOR, org.kommun, acting_user=None)
    result = {"superuser": admin_user, "admin_kommun": kommun}
    for name in ("admin_sn", "admin_on", "admin_kommun"):
        user = result.get(name) or cast[name]
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.user_permissions.set(everything)
        result[name] = User.objects.get(pk=user.pk)
    return result


def url(row, view):
    opts = row._meta
    if view in ("changelist", "add"):
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}")
    pk = row.user_id if isinstance(row, TokenProxy) else row.pk  # the token admin is keyed by its user
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[pk])


def _text(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return "" if value is None else str(value)


def _fields(form, data):
    for bound in form:
        widget = bound.field.widget
        if bound.field.disabled:
            continue
        value = bound.value()
        if isinstance(widget, MultiWidget):
            for suffix, part in zip(widget.widgets_names, widget.decompress(value)):
                data[bound.html_name + suffix] = _text(part)
        elif isinstance(widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [_text(item) for item in value]
        else:
            data[bound.html_name] = _text(value)


def browser_data(response):
    """What a browser posts back for the change page in ``response``, unchanged."""
    data = {}
    _fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _fields(formset.management_form, data)
        for form in formset.forms:
            _fields(form, data)
    return data


def errors(response):
    context = response.context or {}
    return response.status_code, context["adminform"].form.errors if "adminform" in context else None


def audited(actor, verb, row):
    return AuditEvent.objects.filter(actor=actor, action__endswith=f".{verb}", object_type=label(row),
                                     object_id=str(row.pk)).exists()


def add_data(model_label, place, org, cast, administrator):
    """Form data adding a row at ``place``, for the models that have rows of boards."""
    units = {"sn": org.unit_a, "on": org.unit_c, "kommun": org.kommun, "homeless": None, "shared": None}
    boards = {"sn": org.sn, "on": org.on}
    unit, board = units[place], boards.get(place)
    if model_label == "cases.orgunit":
        if place == "kommun":  # a new board, under the municipality
            return {"kind": "namnd", "name": "Ny nämnd", "parent": org.kommun.pk, "case_number_prefix": "NY"}
        return {"kind": "enhet", "name": "Ny enhet", "parent": unit.parent_id}
    if model_label == "cases.user":
        return {"username": f"ny_{administrator}", "home_unit": unit.pk if unit else "", "usable_password": "true",
                "password1": "Ett-langt-losenord-42", "password2": "Ett-langt-losenord-42"}
    if model_label == "cases.term":
        return {"vocabulary": "deviation_category", "code": f"ny-{place}", "name": "Ny kategori",
                "board": board.pk if board else "", "order": 0, "valid_from": "2000-01-01"}
    later, end = now_plus(10), now_plus(12)
    if model_label == "workflows.substitute":
        person, substitute = ((cast["decision_maker"], cast["dso"]) if place == "sn"
                              else (cast["sas_other"], on_reporter(org, cast)))
        return {"person": person.pk, "substitute": substitute.pk, "starts_at_0": later.date(),
                "starts_at_1": "08:00:00", "ends_at_0": end.date(), "ends_at_1": "17:00:00"}
    if model_label == "notifications.position":
        user = cast["dso"] if place == "sn" else cast["sas_other"]
        return {"code": "social_chief", "name": "Socialchef", "unit": board.pk, "user": user.pk}
    raise AssertionError(model_label)


@pytest.mark.parametrize("administrator, model_label, place", list(matrix()))
def test_the_admin_page(administrator, model_label, place, administrators, org, cast, admin_client, client):
    """Changelist, change page, change POST, add and delete of one row, as one administrator."""
    assert model_label in PLACES, f"{model_label} is in the admin but not placed in this matrix (PLACES)"
    kind, places = PLACES[model_label]
    model_admin = next(a for m, a in admin.site._registry.items() if label(m) == model_label)
    assert isinstance(model_admin, kind), f"{model_label} is not a {kind.__name__} page"
    row = places[place](org, cast)
    user = administrators[administrator]
    expected = reach(administrator, kind, place)
    refused = NOBODY.get(model_label, set())
    data = browser_data(admin_client.get(url(row, "change")))
    client.force_login(user)

    listing = client.get(url(row, "changelist"))
    listed = listing.status_code == 200 and row.pk in {obj.pk for obj in listing.context["cl"].result_list}
    assert listed == (expected != "none")

    for view in ("change", "history"):
        assert client.get(url(row, view)).status_code == (404 if expected == "none" else 200), view
    if expected == "none":
        assert client.get(url(row, "delete")).status_code == 404

    changed = client.post(url(row, "change"), data)
    if expected == "none":
        assert changed.status_code == 404
    elif expected == "view" or "change" in refused:
        assert changed.status_code == 403
    else:
        assert changed.status_code == 302, errors(changed)
        assert audited(user, "changed", row)

    add_page = client.get(url(row, "add")).status_code
    may_add = kind is BoardAdmin or administrator == "superuser"
    assert add_page == (200 if may_add and "add" not in refused else 403)
    if kind is BoardAdmin:
        before = type(row)._default_manager.count()
        added = client.post(url(row, "add"), add_data(model_label, place, org, cast, administrator))
        assert (added.status_code == 302) == (expected == "change"), errors(added)
        assert type(row)._default_manager.count() == before + (expected == "change")
        new = type(row)._default_manager.exclude(pk=row.pk).order_by("-pk").first()
        assert (expected == "change") == (new is not None and audited(user, "added", new))

    deleted = client.post(url(row, "delete"), {"post": "yes"})
    if expected == "none":
        assert deleted.status_code == 404
    elif expected == "view" or "delete" in refused:
        assert deleted.status_code == 403
    else:
        assert deleted.status_code == 302
        assert not type(row)._default_manager.filter(pk=row.pk).exists() and audited(user, "deleted", row)


def test_every_model_in_the_admin_is_placed_in_the_matrix():
    assert {label(model) for model in admin.site._registry} == set(PLACES)
