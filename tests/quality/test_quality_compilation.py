"""The quality room's tables in the board's compilation, and the lead times computed by hand."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from cases.models import Report, ReportType
from cases.services import do_transition
from quality import leadtimes
from quality.compilation import clock_shares, control_charts, signal_analyses
from quality.compilation import lead_times as lead_times_builder
from quality.models import SignalAnalysis
from quality.services import do_record_analysis, raise_signals
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import Scope, scope_threshold
from tests.factories import file, transition_data
from tests.quality.helpers import category, months, series

pytestmark = pytest.mark.django_db

SHIFT = [0] * 16 + [1] * 8


def year_scope(org, public=False):
    last = months(1)[0]
    start = (last - datetime.timedelta(days=330)).replace(day=1)
    end = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return Scope(unit=org.sn, start=start, end=end, public=public)


def test_the_signal_and_its_analysis_are_in_the_compilation(org, cast):
    term = category()
    series("deviation", cast["reporter"], org.unit_a, SHIFT, term=term)
    (analysis,) = raise_signals(org.sn, timezone.localdate())
    scope = year_scope(org)
    table = control_charts(scope)
    (row,) = table.rows
    assert row[0] == org.unit_a.name and row[2] == str(term)
    assert row[3] == 8  # the eight months of the period with one case each
    assert row[4] == 0.0  # the median
    assert str(SignalAnalysis.Rule.RUN.label) in row[6]
    do_record_analysis(analysis.pk, acting_user=cast["sas"], analysis="Nya rutiner.", conclusion="explained")
    internal = signal_analyses(scope)
    (row,) = internal.rows
    assert row[2] == str(SignalAnalysis.Rule.RUN.label) and row[-1] == "Nya rutiner."
    assert row[-2] == str(SignalAnalysis.Conclusion.EXPLAINED.label)
    public = signal_analyses(year_scope(org, public=True))
    assert len(public.columns) == len(internal.columns) - 1
    assert "Nya rutiner." not in public.rows[0]
    keys = [t.key for t in board_compilation(scope).tables]
    assert {"control_charts", "signal_analyses", "lead_times", "clock_shares"} <= set(keys)


def test_small_counts_are_hidden_in_the_public_control_chart_table(org, cast):
    # Three cases in the last month after none: a point beyond the upper limit, and a count
    # below the small-count threshold, hidden with the median and limit derived from it.
    series("deviation", cast["reporter"], org.unit_a, [0] * 23 + [3], term=category())
    scope = year_scope(org, public=True)
    assert scope_threshold(scope) > 3
    compiled = board_compilation(scope)
    table = next(t for t in compiled.tables if t.key == "control_charts")
    assert str(SignalAnalysis.Rule.BEYOND.label) in table.rows[0][6]
    assert [table.display(0, c) for c in (3, 4, 5)] == ["*", "*", "*"]
    internal = next(t for t in board_compilation(year_scope(org)).tables if t.key == "control_charts")
    assert internal.display(0, 3) == "3"


def test_lead_times_and_clocks_by_hand(org, cast):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=20)
    with time_machine.travel(start, tick=False):
        first = file("deviation", cast["reporter"], org.unit_a)
        second = file("deviation", cast["reporter"], org.unit_a)
        file("deviation", cast["reporter"], org.unit_a)  # never assessed
    with time_machine.travel(start + datetime.timedelta(days=2), tick=False):
        do_transition(
            first.pk, "assess", acting_user=cast["manager_a"], data=transition_data(first, "assess")
        )
    with time_machine.travel(start + datetime.timedelta(days=12), tick=False):
        do_transition(
            second.pk, "assess", acting_user=cast["manager_a"], data=transition_data(second, "assess")
        )
    today = timezone.localdate()
    times, shares = leadtimes.lead_times(
        Report.objects.filter(namnd=org.sn), today - datetime.timedelta(days=30), today
    )
    entry = times[(org.unit_a.pk, "deviation")]
    assert entry.cases == 3
    assert sorted(entry.to_assessment) == [2.0, 12.0]
    assert entry.median(entry.to_assessment) == 7.0
    assert entry.to_closure == []
    # The assessment clock: 5 working days. Kept by the first, missed by the second, and the
    # third is past its deadline still running: 1 of 3 within.
    share = shares[(org.unit_a.pk, "deviation-assessment")]
    assert (share.settled, share.within, share.share) == (3, 1, 33.3)
    scope = Scope(unit=org.sn, start=today - datetime.timedelta(days=30), end=today, public=False)
    (row,) = lead_times_builder(scope).rows
    assert row[1:4] == [str(ReportType.DEVIATION.label), 3, 7.0]
    clocks = {r[1]: r[2:] for r in clock_shares(scope).rows}
    assert clocks["Avvikelsen bedömd"] == [3, 1, 33.3]
