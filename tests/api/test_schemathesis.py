"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

The schema is the one the server publishes at ``/api/v1/schema/``; schemathesis reads it
through the WSGI application and generates requests for every operation in it, valid and
invalid ones, so a new endpoint is fuzzed as soon as it is in the schema. Every answer is
checked: no 5xx, a documented status code and content type, and a body that conforms to the
documented schema.

The data is the demo municipality (``seed_demo``: every report type in every state, with
persons, causes, actions, regulator notifications, routed cases, tasks), and the generated ids
are mixed with that data's real ids, so that requests reach real cases of every type in every
state rather than only answering 404. Each request is rolled back afterwards: every example
meets the same data, which keeps a failure reproducible for Hypothesis to shrink.

The budget is ``FUZZ_MAX_EXAMPLES`` examples per operation and role (docs/testing.md).
"""

import os
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from cases.management.commands.seed_demo import Seeder, username
from cases.models import (
    Action,
    Attachment,
    DataBreach,
    Deviation,
    Complaint,
    ExportJob,
    InvestigationEntry,
    LexSarah,
    RegulatorNotification,
    Report,
    Role,
)

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))

# Who the API is fuzzed as: the demo's Socialnämnden cast, and the other board's SAS, who
# meets Socialnämnden's cases only as ids it must not see.
ROLES = {
    "reporter": ("SN", Role.REPORTER),
    "unit_manager": ("SN", Role.UNIT_MANAGER),
    "sas": ("SN", Role.SAS),
    "decision_maker": ("SN", Role.DECISION_MAKER),
    "dso": ("SN", Role.DSO),
    "leadership": ("SN", Role.LEADERSHIP),
    "other_board_sas": ("ON", Role.SAS),
}

# schemathesis's checks, by their names in its configuration; the others stay off: they judge
# business rules (e.g. that every schema-valid body is accepted), which a form's cross-field
# rules and a case's state rightly refuse.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
]


@dataclass
class World:
    tokens: dict
    report_ids: list
    parts: dict  # the second path segment after the case → [(report id, part id)]
    transitions: list
    notification_transitions: list
    task_ids: list
    export_ids: list
    inapp_ids: list


def _transition_names(*models):
    return sorted({t.name for model in models for t in model().get_all_state_transitions()})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo municipality, built once for the module and rolled back after it."""
    from notifications.models import Notification
    from viewflow.workflow.models import Task

    with django_db_blocker.unblock(), transaction.atomic():
        Seeder().run()
        users = {name: get_user(board, role) for name, (board, role) in ROLES.items()}
        REAL.append(World(
            tokens={name: Token.objects.create(user=user).key for name, user in users.items()},
            report_ids=list(Report.objects.values_list("pk", flat=True)),
            parts={
                "actions": list(Action.objects.values_list("report_id", "pk")),
                "investigation-entries": list(InvestigationEntry.objects.values_list("report_id", "pk")),
                "attachments": list(Attachment.objects.values_list("report_id", "pk")),
                "notifications": list(RegulatorNotification.objects.values_list("report_id", "pk")),
            },
            transitions=_transition_names(Deviation, Complaint, LexSarah, DataBreach),
            notification_transitions=_transition_names(RegulatorNotification),
            task_ids=list(Task.objects.values_list("pk", flat=True)),
            export_ids=[str(pk) for pk in ExportJob.objects.values_list("pk", flat=True)],
            inapp_ids=list(Notification.objects.values_list("pk", flat=True)),
        ))
        yield REAL[0]
        REAL.clear()
        transaction.set_rollback(True)


def get_user(board, role):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username(board, role))


@pytest.fixture
def _one_connection_across_requests():
    """Django's WSGI handler closes the connection after each request; in a test the data
    lives in the test's transaction on that connection, so it must stay open (as Django's
    own test client arranges)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The module's world, for the hook below, which schemathesis calls with no access to fixtures.
REAL = []


def real_ids(context, path_parameters):
    """Generated path parameters, or as often ids of the demo's real objects."""
    if not REAL or not path_parameters:
        return st.just(path_parameters)
    world = REAL[0]
    if True:
        path = context.operation.path
        choices = []
        if "report_id" in path_parameters:
            part = path.split("/")[5] if path.count("/") > 5 else ""
            if "{id}" in path and world.parts.get(part):
                choices.append(st.sampled_from(world.parts[part]).map(
                    lambda pair: {**path_parameters, "report_id": pair[0], "id": pair[1]}))
            else:
                choices.append(st.sampled_from(world.report_ids).map(
                    lambda report_id: {**path_parameters, "report_id": report_id}))
        elif "id" in path_parameters and path.startswith("/api/v1/tasks/") and world.task_ids:
            choices.append(st.sampled_from(world.task_ids).map(lambda pk: {**path_parameters, "id": pk}))
        elif "id" in path_parameters and path.startswith("/api/v1/notifications/") and world.inapp_ids:
            choices.append(st.sampled_from(world.inapp_ids).map(lambda pk: {**path_parameters, "id": pk}))
        elif "job_id" in path_parameters and world.export_ids:
            choices.append(st.sampled_from(world.export_ids).map(lambda pk: {**path_parameters, "job_id": pk}))
        names = world.notification_transitions if "/notifications/{id}/" in path else world.transitions
        if "name" in path_parameters:
            choices = [strategy.flatmap(lambda params: st.sampled_from(names).map(
                lambda name: {**params, "name": name})) for strategy in choices]
        return st.one_of(st.just(path_parameters), *choices)


# Read once, at collection, as any client reads it: from the server.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler(), config=schemathesis.Config.from_dict({
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    "phases": {"stateful": {"enabled": False}},
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
}))
schema.hook("flatmap_path_parameters")(real_ids)


@pytest.mark.parametrize("role", list(ROLES))
@schema.parametrize()
# The function-scoped fixtures are the test's transaction and the connection's handling; each
# example undoes what it did, so they are safe to share between examples.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_documented_without_server_errors(case, role, world, db,
                                                                     _one_connection_across_requests):
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {world.tokens[role]}"})
        transaction.set_rollback(True)
