"""The audit actions' catalogue (cases.audit_actions) against the code that writes the rows.

The code is read with ``ast``: every action handed to ``audit.record`` (or to one of the helpers
that pass their ``action`` on to it) must be catalogued, and every catalogued action must be
written somewhere. Actions built from a name (``f"report.{name}"``) count as each name they can
take, listed here from the models.
"""

import ast
import pathlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import override_settings
from django_fsm import FSMFieldMixin

from cases import audit, audit_actions
from cases.admin_scope import AuditedAdmin
from cases.models import ActionReminder, AuditEvent, ClockEvent, RegulatorNotification, Report

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Every app of this project (a new room is walked without being named here).
PACKAGES = sorted(
    {
        pathlib.Path(config.path).relative_to(ROOT).parts[0]
        for config in apps.get_app_configs()
        if pathlib.Path(config.path).is_relative_to(ROOT)
    }
    - {".venv"}
)

# The functions that write an audit row with the action they are given: where the action is.
RECORDERS = {
    "record": 0,  # cases.audit
    "record_read": 0,  # cases.audit
    "record_many": 0,  # cases.audit
    "log_read": 1,  # cases.api.reading
    "log_export": 1,  # reporting.api.views.compilations
    "_done": 0,  # cases.services.content
    "_record": 0,  # workflows.services
    "_fire": "action",  # cases.clock_jobs
}


def _transitions(model):
    field = next(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))
    return {t.name for t in field.get_all_transitions(model)}


def _report_transitions():
    return set().union(*(_transitions(model) for model in Report.__subclasses__()))


def _audited_admin_names():
    return {a.audit_name for a in admin.site._registry.values() if isinstance(a, AuditedAdmin)} | {
        AuditedAdmin.audit_name
    }


# The actions built from a name at the call site, and every name each can take.
FAMILIES = {
    "f'report.{name}'": lambda: {f"report.{t}" for t in _report_transitions()},
    "f'notification.{name}'": lambda: {f"notification.{t}" for t in _transitions(RegulatorNotification)},
    "f'clock.{kind}'": lambda: {f"clock.{k}" for k in ClockEvent.Kind.values},
    "f'action.{kind}'": lambda: {f"action.{k}" for k in ActionReminder.Kind.values},
    "f'{self.audit_name}.{verb}'": lambda: {
        f"{name}.{verb}" for name in _audited_admin_names() for verb in ("added", "changed", "deleted")
    },
}


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _action_argument(call):
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    where = RECORDERS.get(name)
    if where is None:
        return None
    if isinstance(where, str):
        return next((k.value for k in call.keywords if k.arg == where), None)
    return call.args[where] if len(call.args) > where else None


def _alternatives(argument):
    """The expressions an action argument may be: both branches of ``a if c else b``."""
    if isinstance(argument, ast.IfExp):
        return [*_alternatives(argument.body), *_alternatives(argument.orelse)]
    return [argument] if argument is not None else []


def _actions_in_code():
    """(literal actions, f-string actions as written) handed to the recorders."""
    literals, built = {}, {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            for argument in _alternatives(_action_argument(node)):
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    literals.setdefault(argument.value, where)
                elif isinstance(argument, ast.JoinedStr):
                    built.setdefault(ast.unparse(argument), where)
    return literals, built


@pytest.fixture(scope="module")
def code_actions():
    return _actions_in_code()


def test_the_walk_covers_every_room():
    assert {"cases", "workflows", "notifications", "identity", "records"} <= set(PACKAGES)


def test_the_walk_finds_the_recorders_call_sites(code_actions):
    literals, built = code_actions
    assert "report.filed" in literals and "task.escalated" in literals and "report.viewed" in literals
    assert len(literals) + len(built) >= 35


def test_every_action_written_in_the_code_is_catalogued(code_actions):
    literals, _built = code_actions
    missing = {name: where for name, where in literals.items() if name not in audit_actions.CATALOGUE}
    assert missing == {}


def test_every_action_built_from_a_name_is_a_known_family_and_each_of_its_names_is_catalogued(code_actions):
    _literals, built = code_actions
    assert set(built) <= set(FAMILIES), f"add the family's names to FAMILIES: {set(built) - set(FAMILIES)}"
    for family in built:
        assert FAMILIES[family]() <= set(audit_actions.CATALOGUE), family


def test_every_catalogued_action_is_written_somewhere(code_actions):
    literals, built = code_actions
    used = set(literals).union(*(FAMILIES[family]() for family in built))
    assert set(audit_actions.CATALOGUE) - used == set()


def test_each_action_has_a_label_and_its_kind():
    for action in audit_actions.ACTIONS:
        assert str(action.label) and action.kind in (audit_actions.READ, audit_actions.CHANGE), action.name
    assert len(audit_actions.ACTIONS) == len(audit_actions.CATALOGUE)


@pytest.mark.django_db
def test_record_refuses_an_action_not_in_the_catalogue():
    with pytest.raises(audit_actions.UnknownAuditAction):
        audit.record("report.edited")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_record_refuses_a_read_on_the_change_chain_and_a_change_on_the_access_chain():
    with pytest.raises(audit_actions.UnknownAuditAction):
        audit.record("report.viewed")
    with pytest.raises(audit_actions.UnknownAuditAction):
        audit.record("cause.added", chain=AuditEvent.Chain.ACCESS)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_payload_keys_not_declared_are_refused_when_strict_and_written_when_not():
    with pytest.raises(audit_actions.UnknownAuditAction, match="secret"):
        audit.record("user.deactivated", payload={"user": 1, "secret": "x"})
    with override_settings(AUDIT_STRICT_PAYLOADS=False):
        audit.record("user.deactivated", payload={"user": 1, "secret": "x"})
    audit.record("user.deactivated", payload={"user": 1, "on_behalf_of": 2})
    assert AuditEvent.objects.count() == 2


def test_the_history_label_comes_from_the_catalogue():
    assert audit_actions.label("report.filed") is audit_actions.CATALOGUE["report.filed"].label
    assert audit_actions.label("an.old_action") == "an.old_action"
