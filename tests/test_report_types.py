"""Every per-type table names every report type, and no other (docs/types.md): adding a type
is adding an entry to each of these, and this test names the one forgotten."""

import pytest

from cases import access, forms
from cases.api.serializers import FULL_SERIALIZERS
from cases.importer import CATEGORY_VOCABULARY, REGULATORS
from cases.models import TYPE_MODELS, ReportType
from cases.services.clocks import ANY, CLOCK_TABLE
from cases.services.reports import AFTER_TRANSITION
from cases.web.reporting import CHOICES, TITLES, FilingForm
from notifications.messages import NEW_REPORT
from records.defaults import EXAMPLES
from reporting.services.documents import BUILDERS as DOCUMENTS
from tests.factories import ACTOR, PATHS
from workflows import bridge, consistency
from workflows.flows import FLOWS

TYPES = set(ReportType.values)

# Tables that hold every type.
EVERY_TYPE = {
    "cases.models.TYPE_MODELS": TYPE_MODELS,
    "cases.access.VIEW_ROLES": access.VIEW_ROLES,
    "cases.access.HANDLER_ROLES": access.HANDLER_ROLES,
    "cases.access.NAMING_ROLES": access.NAMING_ROLES,
    "cases.access.REASSIGNING_ROLES": access.REASSIGNING_ROLES,
    "cases.access.BOARD_CLOCK_ROLES": access.BOARD_CLOCK_ROLES,
    "cases.access.AGGREGATE_ROLES": access.AGGREGATE_ROLES,
    "cases.access.CORRECTING_ROLES": access.CORRECTING_ROLES,
    "cases.forms.RouteForm.TARGETS": forms.RouteForm.TARGETS,
    "cases.web.reporting.CHOICES": {choice[0]: choice for choice in CHOICES},
    "cases.web.reporting.TITLES": TITLES,
    "cases.web.reporting.FilingForm.FIELDS": FilingForm.FIELDS,
    "cases.api.serializers.FULL_SERIALIZERS": FULL_SERIALIZERS,
    "workflows.flows.FLOWS": FLOWS,
    "workflows.consistency.LINEAR": consistency.LINEAR,
    "notifications.messages.NEW_REPORT": NEW_REPORT,
    "records.defaults.EXAMPLES": {example[0]: example for example in EXAMPLES},
    "tests.factories.PATHS": PATHS,
}


@pytest.mark.parametrize("name", sorted(EVERY_TYPE))
def test_the_table_names_every_type(name):
    assert set(EVERY_TYPE[name]) == TYPES, name


def test_the_types_notified_to_a_regulator_have_every_part_of_a_notification():
    notified = set(access.REGULATOR_OF)
    assert notified <= TYPES
    assert set(access.NOTIFICATION_ROLES) == notified
    assert set(consistency.BRANCH) == notified == set(consistency.DECIDED)
    assert set(DOCUMENTS) == set(access.REGULATOR_OF.items())
    assert set(REGULATORS) == notified
    assert {regulator for regulator, _legal in REGULATORS.values()} == set(access.REGULATOR_OF.values())
    for report_type in notified:
        assert consistency.BRANCH[report_type][0] == access.REGULATOR_OF[report_type]
        assert (report_type, "decide") in bridge.DECISIONS, report_type
    ivo = {t for t, regulator in access.REGULATOR_OF.items() if regulator == "ivo"}
    assert set(access.EARLY_IVO_ROLES) == ivo == set(forms.NotificationDecideForm.LEGAL_CODES)


def test_the_tables_of_steps_name_real_steps_of_real_types():
    for report_type, name in [*AFTER_TRANSITION, *bridge.DECISIONS, *ACTOR]:
        assert hasattr(TYPE_MODELS[report_type], name), (report_type, name)
    for report_type, event in CLOCK_TABLE:
        assert report_type == ANY or report_type in TYPES, (report_type, event)
        if event.startswith("report.") and event not in ("report.filed",) and report_type != ANY:
            assert hasattr(TYPE_MODELS[report_type], event.removeprefix("report.")), (report_type, event)
    for report_type, path in PATHS.items():
        assert all((report_type, name) in ACTOR for name in path), report_type
    assert set(CATEGORY_VOCABULARY) <= TYPES


def test_every_flow_is_its_types():
    for report_type, flow_class in FLOWS.items():
        assert flow_class.report_type == report_type
        states = set(TYPE_MODELS[report_type].STATES)
        assert set(consistency.LINEAR[report_type]) <= states, report_type
