"""``seed_demo``: idempotent, complete (every type in every state), and its --json usable by scripts."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.utils import timezone

from cases.access import role_scope
from cases.audit import verify
from cases.models import (
    TYPE_MODELS,
    Action,
    AuditEvent,
    InvestigationEntry,
    OrgUnit,
    RegulatorNotification,
    Report,
    ReportLink,
    Role,
    User,
)

pytestmark = pytest.mark.django_db
BOARDS = {"Socialnämnden", "Omsorgsnämnden"}


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True  # pytest-django runs with DEBUG off; seed_demo refuses that by default


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts():
    models = [
        OrgUnit,
        User,
        Report,
        ReportLink,
        Action,
        InvestigationEntry,
        RegulatorNotification,
        AuditEvent,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_running_it_twice_changes_nothing_and_leaves_a_verifiable_audit_trail():
    seed()
    seeded = counts()
    output = seed()
    assert counts() == seeded
    assert "already exists" in output
    assert seeded["Report"] > 0 and OrgUnit.objects.filter(name="Demokommun").count() == 1
    _rows, broken, reason = verify()
    assert broken is None, reason


def test_every_type_and_every_regulator_notification_is_seeded_in_every_state():
    seed()
    for report_type, model in TYPE_MODELS.items():
        states = set(Report.objects.filter(type=report_type).values_list("state", flat=True))
        assert states == set(model.STATES), report_type
    for regulator in ("ivo", "imy"):
        states = set(
            RegulatorNotification.objects.filter(regulator=regulator).values_list("state", flat=True)
        )
        assert states == set(RegulatorNotification.STATES), regulator


def test_the_demo_shows_routing_a_late_breach_and_private_providers():
    seed()
    assert ReportLink.objects.filter(source__type="deviation", target__type="lex_sarah").exists()
    late = RegulatorNotification.objects.get(regulator="imy", delay_reason__gt="")
    assert timezone.now() - late.report.discovered_at > datetime.timedelta(hours=72)
    for board in OrgUnit.objects.filter(kind="namnd", parent__name="Demokommun"):
        assert board.descendants_and_self().filter(kind="enhet", is_private_provider=True).exists()
        assert Report.objects.filter(namnd=board, unit__is_private_provider=True).exists()


def test_json_lists_every_role_in_both_boards_as_granted():
    users = json.loads(seed("--json"))
    for board in BOARDS:
        roles = [role for user in users if user["namnd"]["name"] == board for role in user["roles"]]
        assert set(roles) == set(Role.values)
        assert roles.count(Role.SAS) == 1
    for row in users:
        assert Role.REPORTER in row["roles"]
        user = User.objects.get(username=row["username"], email=row["email"])
        unit = OrgUnit.objects.get(pk=row["unit"]["id"], name=row["unit"]["name"])
        assert unit.namnd_id == row["namnd"]["id"]
        assert role_scope(user).roles_on(unit) == set(row["roles"]) - {Role.REPORTER}


def test_every_demo_user_works_in_a_unit_of_their_board_and_its_administrator_reaches_them():
    from cases.administration import reach

    users = json.loads(seed("--json"))
    administrators = {
        row["namnd"]["id"]: User.objects.get(username=row["username"])
        for row in users
        if Role.ADMINISTRATOR in row["roles"]
    }
    for row in users:
        user = User.objects.select_related("home_unit").get(username=row["username"])
        assert user.home_unit is not None and user.home_unit.pk == row["home_unit"]["id"]
        assert user.home_unit.namnd_id == row["namnd"]["id"]
        for board, administrator in administrators.items():
            assert reach(administrator).has_user(user) == (board == row["namnd"]["id"]), (
                row["username"],
                board,
            )
    assert User.objects.get(username="sn_reporter").home_unit.name == "Hemtjänst Norr"
    assert User.objects.get(username="on_reporter").home_unit.name == "Gruppbostaden Vitsippan"


def test_json_prints_nothing_else_also_when_already_seeded():
    seed()
    assert len(json.loads(seed("--json"))) == 20


def test_each_demo_user_logs_in_with_the_printed_password(client):
    for row in json.loads(seed("--json")):
        assert client.login(request=HttpRequest(), username=row["username"], password=row["password"]), row[
            "username"
        ]
        client.logout()


def test_it_refuses_to_seed_a_production_setting(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        seed()
    assert not OrgUnit.objects.exists()


def test_the_demo_has_running_overdue_and_late_clocks():
    from cases.clock_jobs import fire_clocks
    from cases.models import CaseClock

    seed()
    now = timezone.now()
    running = CaseClock.objects.filter(stopped_at__isnull=True)
    assert running.filter(due_at__gt=now).exists()
    overdue = set(running.filter(due_at__lte=now).values_list("code", flat=True))
    assert {"breach-imy-notification", "deviation-assessment", "complaint-acknowledgement"} <= overdue
    late = {clock.code for clock in CaseClock.objects.filter(stopped_at__isnull=False) if clock.is_overdue()}
    assert "lex-sarah-registration" in late  # received three days before it was registered
    assert Action.objects.filter(due_date__lt=timezone.localdate()).exclude(status="done").exists()
    assert fire_clocks(now) >= len(overdue)


def test_the_demo_administrators_keep_the_directory_mappings_of_their_board(client):
    users = json.loads(seed("--json"))
    administrator = User.objects.get(
        username=next(row["username"] for row in users if Role.ADMINISTRATOR in row["roles"])
    )
    for model in ("grouprolemapping", "unitcodemapping"):
        for action in ("view", "add", "change", "delete"):
            assert administrator.has_perm(f"identity.{action}_{model}"), (action, model)
    client.force_login(administrator)
    for model in ("grouprolemapping", "unitcodemapping"):
        assert client.get(f"/admin/identity/{model}/").status_code == 200
        assert client.get(f"/admin/identity/{model}/add/").status_code == 200
