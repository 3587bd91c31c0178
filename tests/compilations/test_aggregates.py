"""The monthly counts (``MonthlyCount``) equal a fresh count of the cases after every kind of
change made through the services, the import, the public form and ``seed_demo``; the
``aggregates`` command rebuilds them and finds drift; reads over any period, whole months
or not, give what counting the cases gives."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from cases import services
from cases.models import Report
from reporting.models import CountedCase, MonthlyCount
from reporting.services.aggregates import (
    ALL_DIMENSIONS,
    Cell,
    _from_snapshot,
    counted,
    drift,
    fresh_cells,
    recount,
    split,
)
from tests.compilations.conftest import at
from tests.factories import ACTOR, PATHS, ago, file, finish_regulator_notifications, prepare, transition_data
from tests.queries import captured_queries

pytestmark = pytest.mark.django_db


def stored():
    """The cells, without those left at 0 when their last case moved on (readers skip them)."""
    return {
        Cell(*row[:-1]): row[-1]
        for row in MonthlyCount.objects.values_list(
            "month", "type", "unit_id", "namnd_id", "dimension", "key", "key2", "n"
        )
        if row[-1]
    }


def remembered():
    """{(report id, Cell): n}: what each case is remembered to count in (CountedCase)."""
    return {
        (case.report_id, cell): n
        for case in CountedCase.objects.all()
        for cell, n in _from_snapshot(case.cells).items()
    }


def assert_exact():
    fresh = {cell: n for cell, n in fresh_cells(Q()).items() if n}
    assert fresh, "nothing was counted"
    assert stored() == fresh
    assert drift() == []
    # The recount's own two statements count each case as the grouped ORM count does.
    assert remembered() == {key: n for key, n in fresh_cells(Q(), by_case=True).items() if n}
    assert not MonthlyCount.objects.filter(n__lt=0).exists()


def cells_of(report, dimension):
    return {
        (c.key, c.key2): n
        for c, n in stored().items()
        if c.dimension == dimension and c.type == report.type and c.unit == report.unit_id
    }


@pytest.mark.parametrize("report_type", sorted(PATHS))
def test_every_step_of_every_lifecycle_keeps_the_counts_exact(report_type, org, cast):
    report = file(report_type, cast["reporter"], org.unit_a)
    assert cells_of(report, "reports") == {("", ""): 1}
    assert cells_of(report, "state") == {(report.state, ""): 1}
    assert_exact()
    for name in PATHS[report_type]:
        if name not in {t.name for t in report.get_available_state_transitions()}:
            continue
        if name == "close":
            finish_regulator_notifications(report, cast)
            assert_exact()
        prepare(report, name, cast)
        assert_exact()
        report = services.do_transition(
            report.pk,
            name,
            acting_user=cast[ACTOR[(report_type, name)]],
            data=transition_data(report, name, cast),
        )
        assert_exact()
    assert report.state == "closed"
    assert cells_of(report, "state") == {("closed", ""): 1}


def test_risk_persons_and_actions_are_counted_as_they_change(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    manager = cast["manager_a"]
    services.do_set_risk(report.pk, acting_user=manager, data={"probability": 4, "severity": 4})
    assert_exact()
    assert cells_of(report, "risk") == {(str(Report.objects.get(pk=report.pk).risk_band_id), ""): 1}
    services.do_add_affected_person(report.pk, acting_user=manager, data={"name": "Anna", "role": "Brukare"})
    services.do_add_affected_person(report.pk, acting_user=manager, data={"name": "Bo", "role": "Brukare"})
    assert_exact()
    assert cells_of(report, "persons") == {("", ""): 2}
    action = services.do_add_action(
        report.pk,
        acting_user=manager,
        data={
            "description": "Utbilda.",
            "kind": "corrective",
            "owner": manager.pk,
            "due_date": timezone.localdate().isoformat(),
        },
    )
    assert_exact()
    assert cells_of(report, "action") == {("not_started", ""): 1}
    assert cells_of(report, "acted") == {("", ""): 1}
    services.do_update_action(report.pk, action.pk, acting_user=manager, data={"status": "in_progress"})
    assert_exact()
    assert cells_of(report, "action") == {("in_progress", ""): 1}


def test_routing_counts_the_new_case_and_the_breach_outcome(org, cast):
    deviation = file("deviation", cast["reporter"], org.unit_a)
    breach = services.do_route(
        deviation.pk,
        acting_user=cast["manager_a"],
        data={"target_type": "data_breach", "reason": "Fel mottagare."},
    )
    assert_exact()
    assert cells_of(breach, "breach") == {("undecided", ""): 1}
    for name in ("assess", "decide"):
        breach = services.do_transition(
            breach.pk, name, acting_user=cast["dso"], data=transition_data(breach, name, cast)
        )
    assert_exact()
    assert cells_of(breach, "breach") == {("awaiting", ""): 1}


def test_a_corrected_reported_time_moves_the_case_out_of_its_old_month(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    before = {c.month for c in stored()}
    earlier = timezone.now() - datetime.timedelta(days=70)
    services.do_correct_key_time(
        report.pk,
        acting_user=cast["manager_a"],
        data={"field": "reported_at", "value": earlier.isoformat(), "reason": "Inkom på papper."},
    )
    assert_exact()
    assert {c.month for c in stored()} == {timezone.localtime(earlier).date().replace(day=1)} != before


def test_the_import_the_public_form_and_filing_with_details_are_counted(org, cast):
    from tests.compilations.test_import import example

    services.do_import_reports(example(org).encode(), acting_user=None)
    assert_exact()
    report, _code = services.do_file_public_submission(
        data={"unit": org.unit_a.pk, "kind": "klagomal", "description": "Ingen kom."}
    )
    assert cells_of(report, "kind") == {(str(report.complaint_kind_id), ""): 1}
    assert_exact()
    services.do_file_report_with_details(
        acting_user=cast["reporter"],
        data={"type": "lex_sarah", "unit": org.unit_b.pk, "description": "Fel.", "occurred_at": ago(hours=1)},
        persons=[{"name": "Cecilia", "role": "Brukare"}],
        immediate_measures="Bytte personal.",
    )
    assert_exact()


def test_seed_demo_leaves_exact_counts(settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert Report.objects.count() > 10
    assert_exact()


def test_a_rolled_back_change_leaves_no_count(org, cast):
    file("deviation", cast["reporter"], org.unit_a)
    cells = stored()
    with pytest.raises(ValidationError):  # the person without a name, after the case was filed
        services.do_file_report_with_details(
            acting_user=cast["reporter"],
            data={
                "type": "deviation",
                "unit": org.unit_a.pk,
                "description": "Fel.",
                "occurred_at": ago(hours=1),
            },
            persons=[{"name": "", "role": ""}],
        )
    assert stored() == cells


def test_the_command_finds_drift_and_the_rebuild_repairs_it(org, cast):
    report = file("lex_sarah", cast["reporter"], org.unit_a)
    call_command("aggregates", "--check", stdout=io.StringIO())
    exact = stored()
    cell = MonthlyCount.objects.get(dimension="reports", unit=org.unit_a)
    cell.n += 1
    cell.save()
    MonthlyCount.objects.filter(dimension="state").delete()
    MonthlyCount.objects.create(
        month=datetime.date(2020, 1, 1),
        type="deviation",
        unit=org.unit_b,
        namnd=org.unit_b.namnd,
        dimension="reports",
        n=3,
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("aggregates", "--check", stdout=io.StringIO(), stderr=err)
    assert failure.value.returncode == 1 and "3 cells differ" in str(failure.value)
    assert "stored 2, counted 1" in err.getvalue()
    out = io.StringIO()
    call_command("aggregates", "--rebuild", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert stored() == exact
    call_command("aggregates", "--check", stdout=io.StringIO())
    recount(report.pk)
    recount(report.pk)
    assert stored() == exact


def test_an_unchanged_recount_reads_and_writes_nothing_more(org, cast):
    """The statements each audited change of a case costs (docs/compilations.md, "Performance"):
    the case with what it counted in before, and its persons, marks and actions; a change
    that moves counts adds one statement for the cells and one for what the case counts in."""
    report = file("deviation", cast["reporter"], org.unit_a)
    with captured_queries() as queries:
        recount(report.pk)
    assert len(queries) == 2
    Report.objects.filter(pk=report.pk).update(state="assessed")  # past the services
    with captured_queries() as queries:
        recount(report.pk)
    assert len(queries) == 4
    assert cells_of(report, "state") == {("assessed", ""): 1}
    assert MonthlyCount.objects.get(dimension="state", key="reported", unit=report.unit).n == 0
    assert_exact()


def test_a_case_written_past_the_services_counts_from_its_first_audited_change(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a)
    CountedCase.objects.all().delete()
    MonthlyCount.objects.all().delete()  # as if the case had been inserted in SQL
    services.do_add_affected_person(
        report.pk, acting_user=cast["manager_a"], data={"name": "Anna", "role": "Brukare"}
    )
    assert cells_of(report, "persons") == {("", ""): 1}
    assert_exact()


def test_a_changed_case_leaves_the_cells_of_its_old_unit(org, cast):
    """A case counts where it is now: moved (here past the services) to another unit, its
    next recount takes it out of the old unit's cells because it remembers them."""
    report = file("deviation", cast["reporter"], org.unit_a)
    Report.objects.filter(pk=report.pk).update(unit=org.unit_b, namnd=org.unit_b.namnd)
    recount(report.pk)
    assert {c.unit for c in stored()} == {org.unit_b.pk}
    assert_exact()


@pytest.mark.parametrize(
    "start,end,whole,partial",
    [
        ((2025, 3, 1), (2025, 10, 31), ((2025, 3, 1), (2025, 10, 1)), []),
        (
            (2025, 3, 15),
            (2025, 6, 10),
            ((2025, 4, 1), (2025, 5, 1)),
            [((2025, 3, 15), (2025, 4, 1)), ((2025, 6, 1), (2025, 6, 11))],
        ),
        ((2024, 12, 31), (2025, 1, 30), (None, None), [((2024, 12, 31), (2025, 1, 31))]),
        ((2024, 12, 2), (2025, 1, 31), ((2025, 1, 1), (2025, 1, 1)), [((2024, 12, 2), (2025, 1, 1))]),
    ],
)
def test_a_period_splits_into_whole_months_and_partial_days(start, end, whole, partial):
    def day(value):
        return datetime.date(*value) if value else None

    first, last, rest = split(day(start), day(end))
    assert (first, last) == tuple(day(v) for v in whole)
    assert rest == [(day(a), day(b)) for a, b in partial]


@pytest.mark.parametrize(
    "start,end",
    [
        ((2025, 3, 1), (2025, 10, 31)),
        ((2025, 3, 6), (2025, 9, 14)),
        ((2024, 12, 31), (2025, 1, 1)),
        ((2023, 1, 1), (2025, 12, 31)),
        ((2025, 4, 30), (2025, 5, 1)),
    ],
)
def test_any_period_reads_what_counting_the_cases_gives(world, start, end):
    """Whole months from the cells, the days at either end from the cases: the sum is the
    count of the cases reported on those local days, in every dimension."""
    start, end = datetime.date(*start), datetime.date(*end)
    low, high = (
        at(start.year, start.month, start.day, 0, 0),
        at(end.year, end.month, end.day, 0, 0) + datetime.timedelta(days=1),
    )
    fields = ("month", "type", "unit", "namnd", "key", "key2")
    expected = {}
    for cell, n in fresh_cells(Q(reported_at__gte=low, reported_at__lt=high)).items():
        if n:
            expected[(cell.dimension, tuple(getattr(cell, f) for f in fields))] = n
    got = {}
    for dimension in ALL_DIMENSIONS:
        for key, n in counted(Q(), dimension, start, end, fields).items():
            got[(dimension, key)] = n
    assert got == expected and expected
