"""No list or detail reaches outside the user's scope: unit, type and board (nämnd)."""

import pytest

from cases import selectors
from cases.access import role_scope
from cases.models import Role
from cases.services import do_add_affected_person, do_grant_role, do_revoke_role
from tests.cast import CAST
from tests.factories import file
from tests.matrix import Matrix
from tests.queries import assert_num_queries

TYPES = ["deviation", "complaint", "lex_sarah", "data_breach"]


@pytest.fixture
def cases_everywhere(org, cast):
    """One case of each type in unit A, unit B (same board) and unit C (the other board)."""
    made = {}
    for unit_name in ("unit_a", "unit_b", "unit_c"):
        for report_type in TYPES:
            made[(unit_name, report_type)] = file(report_type, cast["reporter"], getattr(org, unit_name))
    return made


EXPECTED = Matrix.of(
    [*CAST, "sas_other"],
    {
        "reporter": {
            (u, t) for u in ("unit_a", "unit_b", "unit_c") for t in TYPES
        },  # all filed by the reporter
        "manager_a": {("unit_a", t) for t in TYPES if t != "data_breach"},
        "manager_b": {("unit_b", t) for t in TYPES if t != "data_breach"},
        "sas": {(u, t) for u in ("unit_a", "unit_b") for t in TYPES},
        "decision_maker": {(u, t) for u in ("unit_a", "unit_b") for t in TYPES if t != "data_breach"},
        "dso": {(u, "data_breach") for u in ("unit_a", "unit_b")},
        "outsider": set(),
        "sas_other": {("unit_c", t) for t in TYPES},
    },
)


@EXPECTED.per_actor("member, scope")
def test_each_member_sees_exactly_their_scope(member, scope, cast, cases_everywhere):
    seen = set(selectors.report_list(cast[member]).values_list("pk", flat=True))
    expected = {cases_everywhere[key].pk for key in scope}
    assert seen == expected
    for key, report in cases_everywhere.items():
        detail = selectors.report_detail(cast[member], report.pk)
        assert (detail is not None) == (key in scope), key


def test_a_role_on_a_board_never_reaches_the_other_board(org, cast, cases_everywhere):
    assert not selectors.report_list(cast["sas"]).filter(namnd=org.on).exists()
    assert not selectors.report_list(cast["sas_other"]).filter(namnd=org.sn).exists()


def test_roles_are_inherited_downwards_and_revocable(org, cast, cases_everywhere):
    outsider = cast["outsider"]
    do_grant_role(outsider, Role.UNIT_MANAGER, org.sn, acting_user=None)
    assert selectors.report_list(outsider).count() == 6  # units A and B, three types each
    do_revoke_role(outsider, Role.UNIT_MANAGER, org.sn, acting_user=None)
    assert selectors.report_list(outsider).count() == 0


def test_only_an_administrator_of_the_unit_may_grant_roles(org, cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_grant_role(cast["outsider"], Role.SAS, org.sn, acting_user=cast["sas"])
    do_grant_role(cast["manager_b"], Role.ADMINISTRATOR, org.sn, acting_user=None)
    do_grant_role(cast["outsider"], Role.SAS, org.unit_a, acting_user=cast["manager_b"])
    with pytest.raises(PermissionDenied):
        do_grant_role(cast["outsider"], Role.SAS, org.on, acting_user=cast["manager_b"])


def test_global_permissions_do_not_widen_the_scope(org, cast, cases_everywhere):
    """A model-wide permission (e.g. given by mistake in the admin) grants no unit scope."""
    from django.contrib.auth.models import Permission

    outsider = cast["outsider"]
    outsider.user_permissions.add(Permission.objects.get(codename="role_sas"))
    outsider.refresh_from_db()
    assert role_scope(outsider).roles == set()
    assert selectors.report_list(outsider).count() == 0


def test_the_scope_is_resolved_in_a_fixed_number_of_queries(org, cast, cases_everywhere):
    sas = cast["sas"]
    sas.__dict__.pop("_role_scope", None)
    with assert_num_queries(2):  # the role grants, then the page of cases
        list(selectors.report_list(sas)[:50])


def test_protected_identities_are_masked_for_those_without_need(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    do_add_affected_person(
        report.pk,
        acting_user=cast["reporter"],
        data={"name": "Skyddad Person", "personnummer": "19121212-1212", "protected_identity": True},
    )
    manager_view = selectors.report_persons(
        cast["manager_a"], selectors.report_detail(cast["manager_a"], report.pk)
    )
    sas_view = selectors.report_persons(cast["sas"], selectors.report_detail(cast["sas"], report.pk))
    assert (manager_view[0].name, manager_view[0].personnummer) == ("", "")
    assert (sas_view[0].name, sas_view[0].personnummer) == ("Skyddad Person", "19121212-1212")
