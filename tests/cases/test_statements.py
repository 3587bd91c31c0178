"""cases.statements: a read compiled once per connection gives what its queryset gives."""

import pytest
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

from cases.models import AuditEvent, OrgUnit, Report
from cases.statements import Statement
from tests.factories import file
from tests.queries import captured_queries

pytestmark = pytest.mark.django_db


def fields(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


@pytest.fixture
def reports(cast, org):
    return [file("deviation", cast["reporter"], org.unit_a), file("complaint", cast["reporter"], org.unit_b)]


@pytest.fixture
def deviation(cast, org):
    """For the transactional tests: an earlier one's flush may have removed the terms a
    complaint needs; a deviation needs none."""
    return file("deviation", cast["reporter"], org.unit_a)


def test_instances_are_those_of_the_queryset_with_their_related_objects(reports):
    statement = Statement(lambda pk: Report.objects.select_related("unit").filter(pk=pk).order_by()[:1], int)
    for report in reports:
        expected = Report.objects.select_related("unit").get(pk=report.pk)
        found = statement.first(report.pk)
        assert type(found) is Report and fields(found) == fields(expected)
        assert not found._state.adding and found._state.db == "default"
        with captured_queries() as queries:
            assert fields(found.unit) == fields(expected.unit)
        assert len(queries) == 0, "the unit came with the case"
    assert statement.first(reports[-1].pk + 1000) is None
    assert statement.objects(reports[0].pk) == [reports[0]]


def test_rows_are_those_of_values_list_converted_as_django_converts_them(reports):
    statement = Statement(
        lambda unit: (
            Report.objects.filter(unit_id=unit).order_by("-id").values_list("id", "reported_at", "type")
        ),
        int,
    )
    unit = reports[0].unit_id
    assert statement.rows(unit) == list(
        Report.objects.filter(unit_id=unit).order_by("-id").values_list("id", "reported_at", "type")
    )
    assert statement.rows(unit)[0][1].tzinfo is not None


def test_annotations_reach_the_instances(reports):
    from django.db.models import Count

    statement = Statement(
        lambda pk: OrgUnit.objects.annotate(n=Count("reports")).filter(pk=pk).order_by(), int
    )
    found = statement.first(reports[0].unit_id)
    assert found.n == Report.objects.filter(unit_id=reports[0].unit_id).count()


def test_the_query_is_compiled_once_per_connection(reports, monkeypatch):
    statement = Statement(lambda pk: Report.objects.filter(pk=pk).order_by()[:1], int)
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    for report in reports * 3:
        with captured_queries() as queries:
            assert statement.first(report.pk) == report
        assert len(queries) == 1
    assert compiled == [Report]
    assert statement in connection._compiled_statements


def test_an_enum_member_is_bound_as_its_value(cast, reports):
    statement = Statement(
        lambda chain: AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq")[:1], str
    )
    last = AuditEvent.objects.filter(chain="change").order_by("-seq").values_list("seq").first()
    assert statement.rows(AuditEvent.Chain.CHANGE) == [last] == statement.rows("change")


def test_a_key_no_row_can_have_is_answered_without_asking(reports):
    statement = Statement(lambda pk: Report.objects.filter(pk=pk).order_by(), int)
    with captured_queries() as queries:
        assert statement.objects(2**63) == [] and statement.rows(-(2**63) - 1) == []
    assert len(queries) == 0


def test_wrong_values_are_refused():
    statement = Statement(lambda pk, state: Report.objects.filter(pk=pk, state=state).order_by(), int, str)
    with pytest.raises(TypeError):
        statement.objects("1", "reported")
    with pytest.raises(TypeError):
        statement.objects(1, None)
    with pytest.raises(TypeError):
        statement.objects(1)


def test_a_parameter_django_rewrites_is_refused_when_compiled():
    statement = Statement(lambda text: Report.objects.filter(description__contains=text), str)
    with pytest.raises(ValueError, match="unchanged"):
        statement.objects("medicin")
    with pytest.raises(TypeError):
        Statement(lambda day: Report.objects.filter(reported_at__date=day), object).objects(1)


def test_prefetching_is_refused():
    statement = Statement(lambda pk: Report.objects.prefetch_related("persons").filter(pk=pk), int)
    with pytest.raises(ValueError, match="prefetch"):
        statement.objects(1)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="the database has no row locks")
@pytest.mark.django_db(transaction=True)
def test_a_locking_read_needs_a_transaction_every_time(deviation):
    statement = Statement(lambda pk: Report.objects.select_for_update().filter(pk=pk).order_by(), int)
    with transaction.atomic():
        assert statement.first(deviation.pk) == deviation
    with pytest.raises(TransactionManagementError):
        statement.first(deviation.pk)


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection(deviation):
    import threading

    statement = Statement(lambda pk: Report.objects.filter(pk=pk).order_by()[:1], int)
    assert statement.first(deviation.pk) == deviation
    seen = {}

    def elsewhere():
        try:
            seen["report"] = statement.first(deviation.pk)
            seen["compiled"] = connection._compiled_statements[statement]
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(timeout=30)
    assert seen["report"] == deviation
    assert seen["compiled"] is not connection._compiled_statements[statement]
