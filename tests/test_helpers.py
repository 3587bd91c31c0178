"""The tests' own helpers: the permission matrix (tests/matrix.py) refuses a table that leaves
an actor out or names one twice, and names its tests after row and actor; the query counter
(tests/queries.py) fails on a wrong number and lists the statements."""

import pytest
from django.contrib.auth import get_user_model

from tests.matrix import Matrix
from tests.queries import assert_num_queries, captured_queries

ACTORS = ["reporter", "sas", "outsider"]


def test_a_row_is_read_across_in_the_order_of_the_actors_or_by_name_with_a_default():
    matrix = Matrix(ACTORS, {"read": (200, 200, 404), "change": {"sas": 200}}, default=404)
    assert matrix.expected("read") == {"reporter": 200, "sas": 200, "outsider": 404}
    assert matrix.expected("change") == {"reporter": 404, "sas": 200, "outsider": 404}
    assert Matrix.of(ACTORS, {"sas": 200}, default=404)["outsider"] == 404


def test_groups_give_the_outcome_of_the_first_group_holding_the_actor():
    matrix = Matrix.of_groups(ACTORS, [({"sas"}, "may"), ({"sas", "reporter"}, 403)], default=404)
    assert matrix.expected() == {"reporter": 403, "sas": "may", "outsider": 404}


@pytest.mark.parametrize(
    "rows, default, message",
    [
        ({"read": (200, 200)}, 404, "2 outcomes for 3 actors"),
        ({"read": {"admin": 200}}, 404, "not in the matrix"),
        ({"read": {"sas": 200}}, None, "no default"),
    ],
    ids=["a short row", "an unknown actor", "an actor left out"],
)
def test_a_table_that_does_not_give_every_actor_one_outcome_is_refused(rows, default, message):
    kwargs = {} if default is None else {"default": default}
    with pytest.raises(ValueError, match=message):
        Matrix(ACTORS, rows, **kwargs)


def test_an_actor_listed_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Matrix(["sas", "sas"], {"read": (200, 200)})


def test_the_generated_tests_are_named_after_row_and_actor():
    matrix = Matrix(ACTORS, {"read": (200, 200, 404), "change": (403, 200, 404)})
    per_actor = matrix.per_actor("endpoint, name, expected").mark
    assert per_actor.args[0] == "endpoint, name, expected"
    assert [(p.id, p.values) for p in per_actor.args[1]][:2] == [
        ("read-reporter", ("read", "reporter", 200)),
        ("read-sas", ("read", "sas", 200)),
    ]
    assert len(per_actor.args[1]) == 6
    per_row = matrix.per_row("endpoint, expected").mark
    assert [(p.id, p.values[1]) for p in per_row.args[1]] == [
        ("read", {"reporter": 200, "sas": 200, "outsider": 404}),
        ("change", {"reporter": 403, "sas": 200, "outsider": 404}),
    ]
    steps = Matrix(ACTORS, {("deviation", "assess"): (403, 200, 404)})
    assert [(p.id, p.values) for p in steps.per_row("report_type, name, expected").mark.args[1]] == [
        ("deviation-assess", ("deviation", "assess", {"reporter": 403, "sas": 200, "outsider": 404}))
    ]
    assert steps.per_actor("report_type, name, actor, expected").mark.args[1][1].id == "deviation-assess-sas"
    single = Matrix.of(ACTORS, (200, 403, 404)).per_actor("name, expected").mark
    assert [(p.id, p.values) for p in single.args[1]] == [
        ("reporter", ("reporter", 200)),
        ("sas", ("sas", 403)),
        ("outsider", ("outsider", 404)),
    ]


@pytest.mark.django_db
def test_the_query_counter_fails_on_a_wrong_number_and_lists_the_statements():
    users = get_user_model().objects
    with assert_num_queries(1) as queries:
        users.filter(username="nobody").exists()
    assert len(queries) == 1 and queries.containing('"username"') == queries.sql
    with pytest.raises(AssertionError, match=r"1 statements where 2 are pinned:\n1\. SELECT"):
        with assert_num_queries(2):
            users.filter(username="nobody").exists()
    with captured_queries() as none:
        pass
    assert len(none) == 0 and str(none) == ""
