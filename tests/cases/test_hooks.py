"""The hooks of the domain floor (``cases.events``): each has its handler, registered at
start-up by the app that owns it, and a missing one fails loudly, never silently skipping the
monthly counts or the workflow's tasks (docs/architecture.md, "Hooks")."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from cases import events
from reporting import handlers
from workflows import bridge
from workflows import services as workflow_services


def test_every_hook_has_its_handler_at_start_up():
    assert events.check_hooks() == []
    assert all(hook.registered for hook in events.HOOKS.values())


def test_the_owners_registered_the_handlers_they_own():
    assert events.case_changed.call is handlers.case_changed
    assert events.workflow_start.call is bridge.start
    assert events.workflow_after_transition.call is bridge.after_transition
    assert events.release_tasks.call is workflow_services.release_tasks_held_without_right


def test_manage_py_check_runs_the_hook_check():
    call_command("check")  # raises SystemCheckError when a hook has no handler


@pytest.fixture
def unregistered():
    hook = events.case_changed
    saved = hook._handler
    hook._handler = None
    yield hook
    hook._handler = saved


def test_a_hook_without_its_handler_fails_the_check_and_the_call(unregistered):
    errors = events.check_hooks()
    assert [error.id for error in errors] == ["cases.E020"]
    assert "case.changed" in errors[0].msg
    with pytest.raises(events.HookNotRegistered, match="reporting registers it"):
        unregistered.call(1)


@pytest.mark.django_db
def test_a_change_without_the_counts_handler_fails_instead_of_skipping_them(unregistered, org, cast):
    from cases import services

    occurred = timezone.now() - datetime.timedelta(hours=1)
    with pytest.raises(events.HookNotRegistered):
        services.do_file_report(
            acting_user=cast["reporter"],
            data={
                "type": "deviation",
                "unit": org.unit_a.pk,
                "description": "Larmet fungerade inte.",
                "occurred_at": occurred,
            },
        )


def test_a_second_handler_for_a_hook_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already has a handler"):
        events.case_changed.register(lambda report_id: None)
    events.case_changed.register(handlers.case_changed)  # the same one again is harmless


def test_a_hook_is_declared_once():
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        events.Hook("case.changed", owner="x", doc="")
