"""A transition writes only the columns it changed, and still under the optimistic lock."""

from cases.models import Report
from cases.selectors import may_view, report_for_change
from cases.services import do_transition
from tests.factories import file, transition_data
from tests.queries import captured_queries


def _report_updates(queries):
    return [sql for sql in queries.sql if sql.startswith('UPDATE "cases_report"')]


def test_a_transition_updates_only_changed_columns_under_the_state_lock(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    with captured_queries() as ctx:
        do_transition(
            report.pk, "assess", acting_user=cast["manager_a"], data=transition_data(report, "assess", cast)
        )
    [update] = _report_updates(ctx)
    assigned = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    for column in ("state", "probability", "severity", "category_id", "updated_at"):
        assert f'"{column}"' in assigned
    for column in ("description", "case_number", "reporter_id", "unit_id", "reported_at"):
        assert f'"{column}"' not in assigned
    assert '"state"' in update.split(" WHERE ", 1)[1]
    saved = Report.objects.get(pk=report.pk)
    assert (saved.state, saved.probability, saved.severity) == ("assessed", 2, 2)
    assert saved.description == report.description


def test_changed_fields_sees_json_changed_in_place(cast, org):
    report = Report.objects.get(pk=file("data_breach", cast["reporter"], org.unit_a).pk)
    assert "breach_nature" not in report.changed_fields()
    report.breach_nature.append("confidentiality")
    assert "breach_nature" in report.changed_fields()


def test_report_for_change_applies_the_visibility_rule(cast, org):
    report = file("data_breach", cast["reporter"], org.unit_a)
    for name, visible in [
        ("reporter", True),
        ("dso", True),
        ("sas", True),
        ("manager_a", False),
        ("manager_b", False),
        ("decision_maker", False),
        ("outsider", False),
        ("sas_other", False),
    ]:
        found = report_for_change(cast[name], report.pk)
        assert (found is not None) is visible, name
        if found is not None:
            assert may_view(cast[name], found) and type(found).__name__ == "DataBreach"
