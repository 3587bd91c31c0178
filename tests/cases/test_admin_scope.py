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
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.forms import CheckboxInput, MultiWidget
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import TokenProxy

from cases.access import CASE_READING_ROLES
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
from cases.services import do_grant_role, do_revoke_role
from cases.services.reports import grant_named_investigator
from identity.models import GroupRoleMapping, UnitCodeMapping
from notifications.models import Delivery, FailedAddress, Notification, NotificationRule, Position
from quality.models import SignalSettings
from records.models import RetentionRule
from reporting.models.compilations import SuppressionRule
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
    return Term.objects.create(
        vocabulary=Term.Vocabulary.DEVIATION_CATEGORY,
        code=f"egen-{board.pk}",
        name=f"Egen kategori {board.case_number_prefix}",
        board=board,
    )


def notification(reporter, unit, recipient):
    report = file("deviation", reporter, unit)
    return Notification.objects.create(
        key=uuid.uuid4().hex,
        kind="new_report",
        event="report.filed",
        user=recipient,
        report=report,
        case_number=report.case_number,
    )


def retention_rule(board):
    return RetentionRule.objects.create(
        board=board,
        report_type="complaint",
        disposition="dispose",
        years=2,
        basis="DHP 4.1",
        valid_from="2020-01-01",
    )


# Where a row sits: "sn" (Socialnämnden), "on" (Omsorgsnämnden), "shared" (every board's),
# "kommun" (the municipality node), "homeless" (a user without home unit); row factories.
PLACES = {
    "cases.orgunit": (
        BoardAdmin,
        {
            "sn": lambda org, cast: org.unit_a,
            "on": lambda org, cast: org.unit_c,
            "kommun": lambda org, cast: org.kommun,
        },
    ),
    "cases.user": (
        BoardAdmin,
        {
            "sn": lambda org, cast: cast["reporter"],
            "on": on_reporter,
            "homeless": lambda org, cast: User.objects.create_user("hemlos", password="x"),
        },
    ),
    "cases.term": (
        BoardAdmin,
        {
            "sn": lambda org, cast: board_term(org, org.sn),
            "on": lambda org, cast: board_term(org, org.on),
            "shared": lambda org, cast: Term.objects.create(
                vocabulary=Term.Vocabulary.DEVIATION_CATEGORY, code="gemensam", name="Gemensam kategori"
            ),
        },
    ),
    "workflows.substitute": (
        BoardAdmin,
        {
            "sn": lambda org, cast: Substitute.objects.create(
                person=cast["manager_a"],
                substitute=cast["manager_b"],
                starts_at=now_plus(1),
                ends_at=now_plus(5),
            ),
            "on": lambda org, cast: Substitute.objects.create(
                person=cast["sas_other"],
                substitute=on_reporter(org, cast),
                starts_at=now_plus(1),
                ends_at=now_plus(5),
            ),
        },
    ),
    "notifications.position": (
        BoardAdmin,
        {
            "sn": lambda org, cast: Position.objects.create(
                code="namnd_chair", name="Ordförande", unit=org.sn, user=cast["decision_maker"]
            ),
            "on": lambda org, cast: Position.objects.create(
                code="namnd_chair", name="Ordförande", unit=org.on, user=cast["sas_other"]
            ),
        },
    ),
    "quality.signalsettings": (
        BoardAdmin,
        {
            "sn": lambda org, cast: SignalSettings.objects.create(board=org.sn, valid_from="2020-01-01"),
            "on": lambda org, cast: SignalSettings.objects.create(board=org.on, valid_from="2020-01-01"),
        },
    ),
    "records.retentionrule": (
        BoardAdmin,
        {
            "sn": lambda org, cast: retention_rule(org.sn),
            "on": lambda org, cast: retention_rule(org.on),
        },
    ),
    "cases.legalreference": (
        SharedAdmin,
        {
            "shared": lambda org, cast: LegalReference.objects.create(
                code="ny-lag", citation="1 § Ny lag (2030:1)", title="Ny lag"
            )
        },
    ),
    "cases.deadlinerule": (
        SharedAdmin,
        {
            "shared": lambda org, cast: DeadlineRule.objects.create(
                code="ny-regel", name="Ny regel", starts_at="reported_at", amount=3, unit="days"
            )
        },
    ),
    "cases.riskband": (
        SharedAdmin,
        {
            "shared": lambda org, cast: RiskBand.objects.create(
                code="ny-niva",
                name="Ny nivå",
                min_score=17,
                max_score=18,
                valid_from=datetime.date(2090, 1, 1),
            )
        },
    ),
    "cases.riskroutingrule": (
        SharedAdmin,
        {
            "shared": lambda org, cast: RiskRoutingRule.objects.create(
                min_score=16, min_severity=4, route_to="lex_sarah", valid_from=datetime.date(2090, 1, 1)
            )
        },
    ),
    "cases.investigationtopic": (
        SharedAdmin,
        {
            "shared": lambda org, cast: InvestigationTopic.objects.create(
                report_type="lex_sarah", code="ny-punkt", name="Ny punkt"
            )
        },
    ),
    "reporting.suppressionrule": (
        SharedAdmin,
        {
            "shared": lambda org, cast: SuppressionRule.objects.create(
                threshold=5, valid_from=datetime.date(2090, 1, 1)
            )
        },
    ),
    "notifications.notificationrule": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: NotificationRule.objects.create(
                event="report.filed", kind="new_report"
            )
        },
    ),
    "notifications.notification": (
        OperatorAdmin,
        {
            "sn": lambda org, cast: notification(cast["reporter"], org.unit_a, cast["sas"]),
            "on": lambda org, cast: notification(on_reporter(org, cast), org.unit_c, cast["sas_other"]),
        },
    ),
    "notifications.delivery": (
        OperatorAdmin,
        {
            "sn": lambda org, cast: Delivery.objects.create(
                key="sn", address="sas@kommun.example", user=cast["sas"]
            ),
            "on": lambda org, cast: Delivery.objects.create(
                key="on", address="sas_other@kommun.example", user=cast["sas_other"]
            ),
        },
    ),
    "notifications.failedaddress": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: FailedAddress.objects.create(
                address="borta@kommun.example", code=550, error="Mailbox unavailable"
            )
        },
    ),
    "authtoken.tokenproxy": (
        OperatorAdmin,
        {
            "sn": lambda org, cast: TokenProxy.objects.create(user=cast["sas"]),
            "on": lambda org, cast: TokenProxy.objects.create(user=cast["sas_other"]),
        },
    ),
    # Sign-in lockouts (django-axes, identity/): the operator sees and lifts them (docs/identity.md).
    "axes.accessattempt": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: AccessAttempt.objects.create(
                username="sas",
                ip_address="10.0.0.1",
                user_agent="test",
                http_accept="*/*",
                path_info="/accounts/login/",
                get_data="",
                post_data="",
                failures_since_start=3,
            )
        },
    ),
    "axes.accessfailurelog": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: AccessFailureLog.objects.create(
                username="sas",
                ip_address="10.0.0.1",
                user_agent="test",
                http_accept="*/*",
                path_info="/accounts/login/",
            )
        },
    ),
    "axes.accesslog": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: AccessLog.objects.create(
                username="sas",
                ip_address="10.0.0.1",
                user_agent="test",
                http_accept="*/*",
                path_info="/accounts/login/",
            )
        },
    ),
    # The directory's translation tables (identity/): each board's administrator keeps its own.
    "identity.grouprolemapping": (
        BoardAdmin,
        {
            "sn": lambda org, cast: GroupRoleMapping.objects.create(group="sg-sas", role="sas", unit=org.sn),
            "on": lambda org, cast: GroupRoleMapping.objects.create(group="sg-sas", role="sas", unit=org.on),
        },
    ),
    "identity.unitcodemapping": (
        BoardAdmin,
        {
            "sn": lambda org, cast: UnitCodeMapping.objects.create(code="sn-a", unit=org.unit_a),
            "on": lambda org, cast: UnitCodeMapping.objects.create(code="on-c", unit=org.unit_c),
        },
    ),
    # Identity providers, linked directory accounts and second factors (django-allauth): the operator's.
    "socialaccount.socialapp": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: SocialApp.objects.create(
                provider="openid_connect",
                provider_id="kommun",
                name="Exempelkommun",
                client_id="klient",
                secret="hemlighet",
                settings={"server_url": "https://idp.kommun.example"},
            )
        },
    ),
    "socialaccount.socialaccount": (
        OperatorAdmin,
        {
            "sn": lambda org, cast: SocialAccount.objects.create(
                user=cast["sas"], provider="kommun", uid="sas", extra_data={"sub": "sas"}
            ),
            "on": lambda org, cast: SocialAccount.objects.create(
                user=cast["sas_other"], provider="kommun", uid="sas_other", extra_data={"sub": "sas_other"}
            ),
        },
    ),
    "mfa.authenticator": (
        OperatorAdmin,
        {
            "sn": lambda org, cast: Authenticator.objects.create(
                user=cast["sas"],
                type=Authenticator.Type.TOTP,
                data={"secret": "x"},
                last_used_at=timezone.now(),
            ),
            "on": lambda org, cast: Authenticator.objects.create(
                user=cast["sas_other"],
                type=Authenticator.Type.TOTP,
                data={"secret": "x"},
                last_used_at=timezone.now(),
            ),
        },
    ),
    "django_tasks_database.dbtaskresult": (
        OperatorAdmin,
        {
            "shared": lambda org, cast: DBTaskResult.objects.create(
                args_kwargs={"args": [], "kwargs": {}},
                task_path="notifications.tasks.send",
                queue_name="default",
                backend_name="default",
                run_after=timezone.now(),
                exception_class_path="",
                traceback="",
            )
        },
    ),
}

# What the model's own admin refuses everyone, superusers included (not a matter of boards).
NOBODY = {
    "cases.orgunit": {"delete"},  # a unit keeps its history
    "cases.user": {"delete"},  # deactivated, never deleted
    "notifications.notification": {"add", "change"},
    "notifications.delivery": {"add"},
    "notifications.failedaddress": {"add"},
    "django_tasks_database.dbtaskresult": {"add", "change", "delete"},
    "axes.accessattempt": {"add"},
    "axes.accessfailurelog": {"add"},
    "axes.accesslog": {"add"},
}


def label(model):
    return model._meta.label_lower


def matrix():
    for model in admin.site._registry:
        for place in PLACES.get(label(model), (None, {"unplaced": None}))[1]:
            for administrator in ADMINISTRATORS:
                yield pytest.param(
                    administrator, label(model), place, id=f"{administrator}-{label(model)}-{place}"
                )


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
    content_types = [
        ContentType.objects.get_for_model(model, for_concrete_model=False) for model in admin.site._registry
    ]
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
            for suffix, part in zip(widget.widgets_names, widget.decompress(value), strict=True):
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
    return AuditEvent.objects.filter(
        actor=actor, action__endswith=f".{verb}", object_type=label(row), object_id=str(row.pk)
    ).exists()


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
        return {
            "username": f"ny_{administrator}",
            "home_unit": unit.pk if unit else "",
            "usable_password": "true",
            "password1": "Ett-langt-losenord-42",
            "password2": "Ett-langt-losenord-42",
        }
    if model_label == "cases.term":
        return {
            "vocabulary": "deviation_category",
            "code": f"ny-{place}",
            "name": "Ny kategori",
            "board": board.pk if board else "",
            "order": 0,
            "valid_from": "2000-01-01",
        }
    if model_label == "quality.signalsettings":
        return {
            "board": board.pk,
            "chart_months": 36,
            "run_length": 8,
            "trend_length": 6,
            "sigmas": "3.0",
            "cluster_months": 1,
            "cluster_types": 3,
            "analysis_days": 30,
            "valid_from": "2030-01-01",
        }
    if model_label == "records.retentionrule":
        return {
            "board": board.pk,
            "report_type": "deviation",
            "outcome": "",
            "disposition": "dispose",
            "years": 3,
            "basis": "DHP 2.1",
            "valid_from": "2030-01-01",
        }
    later, end = now_plus(10), now_plus(12)
    if model_label == "workflows.substitute":
        person, substitute = (
            (cast["decision_maker"], cast["dso"])
            if place == "sn"
            else (cast["sas_other"], on_reporter(org, cast))
        )
        return {
            "person": person.pk,
            "substitute": substitute.pk,
            "starts_at_0": later.date(),
            "starts_at_1": "08:00:00",
            "ends_at_0": end.date(),
            "ends_at_1": "17:00:00",
        }
    if model_label == "identity.grouprolemapping":
        return {"group": f"sg-ny-{place}", "role": "unit_manager", "unit": unit.pk, "provider": ""}
    if model_label == "identity.unitcodemapping":
        return {"code": f"ny-{place}", "unit": unit.pk}
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


# Grants: nobody grants themself a role that reads cases; nobody grants across the board wall.


def roles_url(user):
    return reverse("admin:cases_user_roles", args=[user.pk])


def holds(user, role, unit):
    from cases.access import role_scope

    return role_scope(User.objects.get(pk=user.pk)).has(role, unit)


@pytest.mark.parametrize("role", sorted(CASE_READING_ROLES))
@pytest.mark.parametrize("administrator", ADMINISTRATORS)
def test_nobody_grants_themself_a_role_that_reads_cases(administrator, role, administrators, org, client):
    """Superusers included: the operator is audited like everyone and reads no case by their
    own hand; another administrator of the board, or another superuser, grants it. (The
    municipality's administrator does not even reach their own account: a grant on the
    municipality lies in no board, so only a superuser administers them.)"""
    user = administrators[administrator]
    unit = org.on if administrator == "admin_on" else org.sn
    client.force_login(user)
    before = AuditEvent.objects.filter(action="role.granted").count()

    response = client.post(
        roles_url(user),
        {"action": "grant", "role": role, "unit": unit.pk},
        follow=True,
        headers={"accept-language": "en"},
    )

    if administrator == "admin_kommun":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert (
            "another administrator of the board, or a superuser, must grant it" in response.content.decode()
        )
    assert not holds(user, role, unit)
    assert AuditEvent.objects.filter(action="role.granted").count() == before
    with pytest.raises(PermissionDenied):
        do_grant_role(user, role, unit, acting_user=user)


def test_another_administrator_of_the_board_grants_an_administrator_a_role_that_reads_cases(
    administrators, org, cast, client
):
    colleague = User.objects.create_user("admin_sn_2", password="x", home_unit=org.sn)
    do_grant_role(colleague, Role.ADMINISTRATOR, org.sn, acting_user=None)
    do_grant_role(cast["admin_sn"], Role.SAS, org.sn, acting_user=User.objects.get(pk=colleague.pk))
    assert holds(cast["admin_sn"], Role.SAS, org.sn)


def test_an_administrator_may_name_themself_administrator_below_their_grant_which_adds_nothing(
    administrators, org
):
    user = administrators["admin_sn"]
    do_grant_role(user, Role.ADMINISTRATOR, org.unit_a, acting_user=user)
    with pytest.raises(PermissionDenied):
        do_grant_role(user, Role.ADMINISTRATOR, org.on, acting_user=user)


@pytest.mark.parametrize("administrator, own, other", [("admin_sn", "sn", "on"), ("admin_on", "on", "sn")])
def test_an_administrator_grants_and_revokes_nothing_across_the_board_wall(
    administrator, own, other, administrators, org, cast, client
):
    user = administrators[administrator]
    boards = {"sn": org.sn, "on": org.on}
    own_user = cast["outsider"] if own == "sn" else on_reporter(org, cast)
    other_user = on_reporter(org, cast) if own == "sn" else cast["outsider"]
    other_holder, other_unit = (cast["sas_other"], org.on) if own == "sn" else (cast["sas"], org.sn)
    client.force_login(user)
    before = AuditEvent.objects.count()

    # Another board's unit is not among the choices, and the service refuses it.
    response = client.post(
        roles_url(own_user), {"action": "grant", "role": Role.REGISTRAR, "unit": boards[other].pk}
    )
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        do_grant_role(own_user, Role.REGISTRAR, boards[other], acting_user=user)
    # Another board's user is out of reach, also for a unit of the administrator's own board.
    assert client.get(roles_url(other_user)).status_code == 404
    assert (
        client.post(
            roles_url(other_user), {"action": "grant", "role": Role.REGISTRAR, "unit": boards[own].pk}
        ).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        do_grant_role(other_user, Role.REGISTRAR, boards[own], acting_user=user)
    # Nor is another board's role revoked.
    assert (
        client.post(
            roles_url(other_holder), {"action": "revoke", "role": Role.SAS, "unit": other_unit.pk}
        ).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        do_revoke_role(other_holder, Role.SAS, other_unit, acting_user=user)
    assert holds(other_holder, Role.SAS, other_unit)
    assert AuditEvent.objects.count() == before


def test_the_municipality_administrator_grants_in_every_board_but_not_on_the_municipality(
    administrators, org, cast
):
    user = administrators["admin_kommun"]
    do_grant_role(cast["outsider"], Role.REGISTRAR, org.unit_b, acting_user=user)
    do_grant_role(on_reporter(org, cast), Role.REGISTRAR, org.unit_c, acting_user=user)
    with pytest.raises(PermissionDenied):
        do_grant_role(cast["outsider"], Role.LEADERSHIP, org.kommun, acting_user=user)


# Users: who belongs to a board, and what puts an account out of a board's reach.


def test_the_issue_case_a_board_administrator_can_neither_set_the_password_of_another_boards_user_nor_sign_in_as_them(
    administrators, org, cast, client
):
    user = on_reporter(org, cast)
    client.force_login(administrators["admin_sn"])
    password_url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert client.get(password_url).status_code == 404
    response = client.post(
        password_url,
        {"password1": "Kapat-konto-123", "password2": "Kapat-konto-123", "usable_password": "true"},
    )
    assert response.status_code == 404
    assert not client.login(request=HttpRequest(), username="on_reporter", password="Kapat-konto-123")


def test_a_password_set_in_the_admin_is_audited_without_the_password(administrators, cast, client):
    actor = administrators["admin_sn"]
    client.force_login(actor)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[cast["reporter"].pk]),
        {"password1": "Nytt-losenord-123", "password2": "Nytt-losenord-123", "usable_password": "true"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.changed", actor=actor, object_id=str(cast["reporter"].pk))
    assert "Nytt-losenord-123" not in str(event.payload) and "pbkdf2" not in str(event.payload).lower()


def footprint_outside(kind, org, cast, user):
    """Something that lets ``user`` (of Socialnämnden) read in Omsorgsnämnden."""
    if kind == "role":
        do_grant_role(user, Role.REGISTRAR, org.on, acting_user=None)
    elif kind == "own report":
        file("deviation", user, org.unit_c)
    elif kind == "named investigator":
        # Named while they worked in Omsorgsnämnden (only a board's own people are named),
        # then moved to Socialnämnden by the operator: the name stays on the case.
        home = user.home_unit
        User.objects.filter(pk=user.pk).update(home_unit=org.unit_c)
        user.refresh_from_db()
        grant_named_investigator(file("lex_sarah", on_reporter(org, cast), org.unit_c), user)
        User.objects.filter(pk=user.pk).update(home_unit=home)
        user.refresh_from_db()
    elif kind == "substitution":
        Substitute.objects.create(
            person=cast["sas_other"], substitute=user, starts_at=now_plus(-1), ends_at=now_plus(3)
        )
    elif kind == "position":
        Position.objects.create(code="namnd_chair", name="Ordförande", unit=org.on, user=user)


@pytest.mark.parametrize("kind", ["role", "own report", "named investigator", "substitution", "position"])
def test_a_user_who_reads_in_another_board_is_out_of_both_boards_reach_but_not_the_municipalitys(
    kind, administrators, org, cast, client
):
    user = cast["manager_b"]
    footprint_outside(kind, org, cast, user)
    for administrator, status in (
        ("admin_sn", 404),
        ("admin_on", 404),
        ("admin_kommun", 200),
        ("superuser", 200),
    ):
        client.force_login(administrators[administrator])
        assert client.get(reverse("admin:cases_user_change", args=[user.pk])).status_code == status, (
            administrator
        )


def test_a_board_administrator_creates_users_only_with_a_home_unit_of_their_board(
    administrators, org, client
):
    client.force_login(administrators["admin_sn"])
    data = {"username": "nyanstalld", "usable_password": "false"}
    for home in ("", org.unit_c.pk, org.kommun.pk):
        response = client.post(reverse("admin:cases_user_add"), {**data, "home_unit": home})
        assert response.status_code == 200 and "home_unit" in response.context["adminform"].form.errors
    assert (
        client.post(reverse("admin:cases_user_add"), {**data, "home_unit": org.unit_b.pk}).status_code == 302
    )
    assert User.objects.get(username="nyanstalld").home_unit == org.unit_b


def test_a_board_administrator_cannot_move_a_user_to_another_board_and_a_superuser_can(
    administrators, org, cast, client, admin_client
):
    user = cast["reporter"]
    change_url = reverse("admin:cases_user_change", args=[user.pk])
    data = browser_data(admin_client.get(change_url))
    client.force_login(administrators["admin_sn"])
    refused = client.post(change_url, {**data, "home_unit": org.unit_c.pk})
    assert refused.status_code == 200 and "home_unit" in refused.context["adminform"].form.errors
    assert client.post(change_url, {**data, "home_unit": org.unit_b.pk}).status_code == 302
    assert admin_client.post(change_url, {**data, "home_unit": org.unit_c.pk}).status_code == 302
    assert User.objects.get(pk=user.pk).home_unit == org.unit_c


def test_nobody_records_themself_as_a_substitute_or_names_themself_to_a_position(
    administrators, org, cast, client
):
    """Both open the board's cases to whoever they name, like a role that reads cases."""
    later = now_plus(2)
    substitution = {
        "person": cast["sas"].pk,
        "starts_at_0": later.date(),
        "starts_at_1": "08:00:00",
        "ends_at_0": (later + datetime.timedelta(days=2)).date(),
        "ends_at_1": "08:00:00",
    }
    position = {"code": "namnd_chair", "name": "Ordförande", "unit": org.sn.pk}
    for administrator in ("admin_sn", "superuser"):
        user = administrators[administrator]
        client.force_login(user)
        for add_url, data, field in (
            (reverse("admin:workflows_substitute_add"), substitution, "substitute"),
            (reverse("admin:notifications_position_add"), position, "user"),
        ):
            response = client.post(add_url, {**data, field: user.pk})
            assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert not Substitute.objects.exists() and not Position.objects.exists()


# The other surfaces of the admin: lists, filters, autocompletes, actions.


def everything_of_the_other_board(org, cast):
    rows = [
        factory(org, cast)
        for _kind, places in PLACES.values()
        for place, factory in places.items()
        if place == "on"
    ]
    return rows, ["Omsorgsnämnden", "Gruppbostad Linden", "on_reporter", "Sas_Other", "Egen kategori ON"]


def test_no_list_of_the_admin_shows_a_board_administrator_anything_of_the_other_board(
    administrators, org, cast, client
):
    _rows, names = everything_of_the_other_board(org, cast)
    client.force_login(administrators["admin_sn"])
    for model in admin.site._registry:
        response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        page = response.content.decode()
        assert [name for name in names if name in page] == [], label(model)
    index = client.get(reverse("admin:index")).content.decode()
    assert [name for name in names if name in index] == []


@pytest.mark.parametrize(
    "source, field",
    [
        ("workflows.substitute", "person"),
        ("workflows.substitute", "substitute"),
        ("notifications.position", "user"),
    ],
)
def test_autocompletes_offer_a_board_administrator_only_their_boards_users(
    source, field, administrators, org, cast, client
):
    on_reporter(org, cast)
    app_label, model_name = source.split(".")
    client.force_login(administrators["admin_sn"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field, "term": ""},
    )
    offered = {row["text"] for row in response.json()["results"]}
    assert "reporter" in offered and not offered & {"sas_other", "admin_on", "on_reporter", "admin"}


def test_an_action_on_the_selected_rows_reaches_only_rows_the_administrator_may_change(
    administrators, org, cast, client
):
    own, other = board_term(org, org.sn), board_term(org, org.on)
    shared = Term.objects.create(
        vocabulary=Term.Vocabulary.DEVIATION_CATEGORY, code="gemensam", name="Gemensam"
    )
    client.force_login(administrators["admin_sn"])
    response = client.post(
        reverse("admin:cases_term_changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": [own.pk, other.pk, shared.pk]},
    )
    assert response.status_code == 302
    assert set(Term.objects.filter(pk__in=[own.pk, other.pk, shared.pk])) == {other, shared}


def test_the_operator_retrying_a_delivery_is_audited(admin_client, admin_user, cast):
    delivery = Delivery.objects.create(
        key="retry", address="sas@kommun.example", user=cast["sas"], status=Delivery.Status.FAILED
    )
    admin_client.post(
        reverse("admin:notifications_delivery_changelist"),
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    assert AuditEvent.objects.filter(
        action="delivery.requeued", actor=admin_user, object_id=str(delivery.pk)
    ).exists()


def test_a_board_administrator_adds_units_below_their_board_but_no_board(administrators, org, client):
    client.force_login(administrators["admin_sn"])
    kinds = dict(
        client.get(reverse("admin:cases_orgunit_add")).context["adminform"].form.fields["kind"].choices
    )
    assert OrgUnit.Kind.BOARD not in kinds and OrgUnit.Kind.MUNICIPALITY not in kinds
    response = client.post(
        reverse("admin:cases_orgunit_add"),
        {"kind": "forvaltning", "name": "Ny förvaltning", "parent": org.sn.pk},
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(name="Ny förvaltning").namnd == org.sn
