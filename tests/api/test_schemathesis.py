"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

The schema is the one the server publishes at ``/api/v1/schema/``; schemathesis reads it
through the WSGI application and generates valid and invalid requests for every operation in
it, so a new endpoint is fuzzed as soon as it is in the schema. Every answer is checked: no
5xx, a documented status code, content type and headers, a body that conforms to the
documented schema, and 401 without credentials.

The data is the demo municipality (``seed_demo``: every report type in every state, with
persons, causes, actions, entries, regulator notifications, routed cases and tasks), and the
generated path ids are mixed with the ids of that data, so that requests reach real cases of
every type and state rather than only answering 404. Each request is rolled back afterwards:
every example meets the same data, which keeps a failure reproducible for Hypothesis to shrink.

The budget is ``FUZZ_MAX_EXAMPLES`` examples per operation and user (docs/testing.md).
"""

import itertools

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import TestCase, override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from cases.management.commands.seed_demo import Seeder, username
from cases.models import TYPE_MODELS, RegulatorNotification, Report, Role
from cases.services import do_add_attachment
from reporting.models import ExportJob
from tests.hostile import FUZZ_MAX_EXAMPLES

# Who the API is fuzzed as: the demo's Socialnämnden users (the MAS too: lex Maria), and the other board's SAS, for
# whom Socialnämnden's cases must look as if they did not exist.
USERS = {
    "reporter": ("SN", Role.REPORTER),
    "unit_manager": ("SN", Role.UNIT_MANAGER),
    "sas": ("SN", Role.SAS),
    "decision_maker": ("SN", Role.DECISION_MAKER),
    "dso": ("SN", Role.DSO),
    "leadership": ("SN", Role.LEADERSHIP),
    "mas": ("SN", Role.MAS),
    "other_board_sas": ("ON", Role.SAS),
}

# schemathesis's checks by their names in its configuration. The others stay off: they judge
# business rules (that every schema-valid body is accepted), which a form's rules across
# fields and a case's state rightly refuse.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
]

# A case's parts as the path names them, with the objects behind each.
PARTS = {
    "actions": "actions",
    "investigation-entries": "investigation_entries",
    "attachments": "attachments",
    "notifications": "regulator_notifications",
}


class World:
    """The demo, its users' tokens, and the real values of every path parameter."""

    def __init__(self):
        self.tokens = {
            name: Token.objects.create(user=demo_user(board, role)).key
            for name, (board, role) in USERS.items()
        }
        reports = list(Report.objects.prefetch_related(*PARTS.values()))
        self.reports = [{"report_id": r.pk} for r in reports]
        self.parts = {
            part: [{"report_id": r.pk, "id": item.pk} for r in reports for item in getattr(r, related).all()]
            for part, related in PARTS.items()
        }
        self.transitions = sorted(
            {t.name for model in TYPE_MODELS.values() for t in model().get_all_state_transitions()}
        )
        self.notification_transitions = sorted(
            {t.name for t in RegulatorNotification().get_all_state_transitions()}
        )
        from viewflow.workflow.models import Task

        from notifications.models import Notification

        self.tasks = [{"id": pk} for pk in Task.objects.values_list("pk", flat=True)]
        self.centre = [{"id": pk} for pk in Notification.objects.values_list("pk", flat=True)]
        self.exports = [{"job_id": str(pk)} for pk in ExportJob.objects.values_list("pk", flat=True)]

    def targets(self, path):
        """Real values for the path parameters of the operation at ``path``."""
        if path.startswith("/api/v1/reports/{report_id}/"):
            part = path.split("/")[5]
            found = self.parts[part] if "{id}" in path and part in PARTS else self.reports
            if "{name}" in path:
                names = self.notification_transitions if part == "notifications" else self.transitions
                found = [{**params, "name": name} for params, name in itertools.product(found, names)]
            return found
        if path.startswith("/api/v1/tasks/{id}/"):
            return self.tasks
        if path.startswith("/api/v1/notifications/{id}/"):
            return self.centre
        if path.startswith("/api/v1/exports/{job_id}/"):
            return self.exports
        return []


def demo_user(board, role):
    return get_user_model().objects.get(username=username(board, role))


# The module's world, for the hook below, which schemathesis calls without fixtures.
WORLD = []


def real_objects(context, path_parameters):
    """The generated path parameters, or, as often, those of a real object."""
    targets = WORLD[0].targets(context.operation.path) if WORLD and path_parameters else []
    if not targets:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters), st.sampled_from(targets).map(lambda real: {**path_parameters, **real})
    )


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _attachments_in_tmp(media_root):
    """One media folder for the module, where the world's attachments are (tests/api/conftest.py
    gives each test its own)."""
    with override_settings(MEDIA_ROOT=media_root):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_root):
    """The demo municipality, built once for the module and rolled back after it; what it
    does after commit (notifications, tasks) is done too."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            Seeder().run()
            sas = demo_user("SN", Role.SAS)
            case = Report.objects.filter(
                namnd__case_number_prefix="SN", type="lex_sarah", state="investigating"
            ).first()
            do_add_attachment(
                case.pk,
                acting_user=sas,
                upload=SimpleUploadedFile(
                    "anteckning.txt", b"Samtal med personalen.", content_type="text/plain"
                ),
            )
            ExportJob.objects.create(
                requested_by=sas,
                params={"kind": "compilation"},
                status=ExportJob.Status.DONE,
                filename="sammanstallning.csv",
                content_type="text/csv",
                content=b"a;b\n1;2\n",
            )
        WORLD.append(World())
        yield WORLD[0]
        WORLD.clear()
        transaction.set_rollback(True)


@pytest.fixture
def _one_connection_across_requests():
    """Django's WSGI handler closes the connection after each request; here the data lives in
    the test's transaction on that connection, so it stays open (as Django's test client
    arranges for its own requests)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Read once, at collection, as any client reads it: from the server.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/",
    WSGIHandler(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"mode": "all", "max-examples": FUZZ_MAX_EXAMPLES},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    ),
)
schema.hook("flatmap_path_parameters")(real_objects)


@pytest.mark.parametrize("user", list(USERS))
@schema.parametrize()
# The function-scoped fixtures are the test's transaction and the connection's handling; each
# example undoes what it did, so they are safe to share between examples.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_documented_without_server_errors(
    case, user, world, db, _one_connection_across_requests
):
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {world.tokens[user]}"})
        transaction.set_rollback(True)


def test_the_fuzzing_reaches_real_objects_of_every_kind(world, db):
    """Without real ids nearly every generated request would answer 404."""
    assert all([world.reports, world.tasks, world.centre, world.exports, *world.parts.values()])
    states = set(Report.objects.values_list("type", "state"))
    assert states == {(t, s) for t, model in TYPE_MODELS.items() for s in model.STATES}
