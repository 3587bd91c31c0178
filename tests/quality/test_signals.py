"""Signals from the monthly counts: the analysis task for the board's SAS with the cases
behind it, the inbox, the SAS's analysis, and the pages as every member of the cast."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.inbox_extras import items_for
from cases.models import AuditEvent
from quality.jobs import signals as signal_job
from quality.models import SignalAnalysis, SignalRun
from quality.selectors import charts, last_whole_month
from quality.services import do_record_analysis, raise_signals
from tests.matrix import Matrix
from tests.quality.helpers import category, series

pytestmark = pytest.mark.django_db

EVERYONE = [
    "reporter",
    "manager_a",
    "manager_b",
    "sas",
    "decision_maker",
    "dso",
    "outsider",
    "sas_other",
    "admin_sn",
    "admin_on",
    "leadership",
]
# No case for 16 months, then one a month for 8: a shift above the median (0).
SHIFT = [0] * 16 + [1] * 8


@pytest.fixture
def shifted(org, cast):
    term = category()
    cases = series("deviation", cast["reporter"], org.unit_a, SHIFT, term=term)
    return term, cases


def test_the_chart_is_read_from_the_monthly_counts(org, cast, shifted):
    term, _cases = shifted
    months, found, clusters = charts(org.sn, last_whole_month(timezone.localdate()))
    assert len(months) == 24
    (only,) = found
    assert (only.unit_id, only.report_type, only.category_id) == (org.unit_a.pk, "deviation", term.pk)
    assert only.counts == SHIFT
    assert only.chart.median == 0
    assert [(s.rule, s.first, s.last, s.direction) for s in only.signals] == [("run", 16, 23, "up")]
    assert clusters == []


def test_a_run_raises_one_analysis_task_with_the_cases_behind_it(org, cast, shifted):
    term, cases = shifted
    (analysis,) = raise_signals(org.sn, timezone.localdate())
    assert analysis.rule == "run" and analysis.direction == "up"
    assert analysis.unit == org.unit_a and analysis.category == term
    assert sorted(analysis.case_ids) == sorted(c.pk for c in cases)
    assert analysis.series["counts"] == SHIFT
    row = AuditEvent.objects.get(action="signal.raised")
    assert row.payload["cases"] == 8 and row.payload["rule"] == "run"
    # Raised once: again the same day, or by the job, nothing more.
    assert raise_signals(org.sn, timezone.localdate()) == []
    assert signal_job(timezone.now()) == 0
    assert SignalRun.objects.filter(board=org.sn).count() == 1
    assert SignalAnalysis.objects.count() == 1


def test_a_stable_series_raises_nothing(org, cast):
    series("deviation", cast["reporter"], org.unit_a, [1, 2] * 12, term=category())
    assert raise_signals(org.sn, timezone.localdate()) == []


def test_the_analysis_is_in_the_sas_inbox_until_it_is_recorded(org, cast, shifted):
    (analysis,) = raise_signals(org.sn, timezone.localdate())
    today = timezone.localdate()
    (item,) = items_for(cast["sas"], today)
    assert item.url == reverse("quality:analysis", args=[analysis.pk]) and item.due_by == analysis.due_by
    for name in ("manager_a", "manager_b", "sas_other", "leadership", "decision_maker"):
        assert items_for(cast[name], today) == [], name
    do_record_analysis(
        analysis.pk,
        acting_user=cast["sas"],
        analysis="Ny personal utan introduktion i signering.",
        conclusion="special_cause",
    )
    assert items_for(cast["sas"], today) == []
    analysis.refresh_from_db()
    assert analysis.status == "concluded" and analysis.concluded_by == cast["sas"]
    row = AuditEvent.objects.get(action="signal.analysed")
    assert row.payload == {"board": org.sn.pk, "rule": "run", "conclusion": "special_cause"}
    assert "signering" not in str(row.payload)


def test_an_empty_analysis_is_refused_with_the_text_kept(client, org, cast, shifted):
    (analysis,) = raise_signals(org.sn, timezone.localdate())
    client.force_login(cast["sas"])
    response = client.post(
        reverse("quality:analysis", args=[analysis.pk]), {"analysis": "   ", "conclusion": "explained"}
    )
    assert response.status_code == 200
    response = client.post(reverse("quality:analysis", args=[analysis.pk]), {"analysis": "Förklarat av X"})
    assert response.status_code == 200
    assert "Förklarat av X" in response.content.decode()
    analysis.refresh_from_db()
    assert analysis.status == "open"


PAGES = Matrix(
    EVERYONE,
    {
        "charts": {"sas": 200, "manager_a": 200, "manager_b": 200},
        "chart": {"sas": 200, "manager_a": 200},
        "analysis": {"sas": 200, "manager_a": 200},
        "analysis_chart": {"sas": 200, "manager_a": 200},
        "analyse": {"sas": 302, "manager_a": 403},
        # Each sees their own units' lead times (the other board's SAS theirs).
        "lead_times": {"sas": 200, "manager_a": 200, "manager_b": 200, "sas_other": 200},
    },
    default=404,
)


@PAGES.per_row("page, expected")
def test_the_quality_pages_as_the_cast(client, org, cast, shifted, page, expected):
    term, _cases = shifted
    (analysis,) = raise_signals(org.sn, timezone.localdate())
    urls = {
        "charts": reverse("quality:charts") + f"?board={org.sn.pk}",
        "chart": reverse("quality:chart") + f"?board={org.sn.pk}&series={org.unit_a.pk}:deviation:{term.pk}",
        "analysis": reverse("quality:analysis", args=[analysis.pk]),
        "analysis_chart": reverse("quality:analysis_chart", args=[analysis.pk]),
        "analyse": reverse("quality:analysis", args=[analysis.pk]),
        "lead_times": reverse("quality:lead_times"),
    }
    got = {}
    for name in EVERYONE:
        client.force_login(cast[name])
        if page == "analyse":
            SignalAnalysis.objects.filter(pk=analysis.pk).update(status="open")
            response = client.post(urls[page], {"analysis": "Ny rutin behövs.", "conclusion": "explained"})
        else:
            response = client.get(urls[page])
        got[name] = response.status_code
        if response.status_code == 200 and page in ("chart", "analysis_chart"):
            assert response["Content-Type"].startswith("image/svg+xml")
            assert b"<script" not in response.content and b"<desc>" in response.content
        if response.status_code == 200 and page == "analysis":
            # The cases behind the signal that the reader may see, as links; the read is logged.
            assert response.content.decode().count(reverse("web:case", args=[_cases[-1].pk])) == 1
            assert AuditEvent.objects.filter(action="signal.viewed", actor=cast[name]).exists()
    assert got == expected


def test_the_charts_page_explains_the_signal_in_both_languages(client, org, cast, shifted):
    client.force_login(cast["sas"])
    sv = client.get(reverse("quality:charts"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    en = client.get(reverse("quality:charts"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "8 months in a row" in en
    assert "8 månader i rad" in sv


def test_every_report_type_has_its_assessment_step_for_the_lead_times():
    """A type added later (lex Maria was the fifth) gets its lead time to assessment too."""
    from cases.models import ReportType
    from quality.leadtimes import ASSESSMENT

    assert set(ASSESSMENT) == set(ReportType.values)
