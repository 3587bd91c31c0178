"""Bulk reporting (samlerapportering): many similar low-risk deviations reported once, handled
as one case, counted as that many events in statistics and every compilation table; refused,
with the reason, above the lowest risk level or when the lex Sarah criteria are met."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import AuditEvent, Report, ReportType, Term
from quality.compilation import control_charts
from reporting.models import MonthlyCount
from reporting.selectors.compilation import board_compilation
from reporting.selectors.tables import TOTAL, Scope
from reporting.services.aggregates import drift, recount
from tests.factories import file

pytestmark = pytest.mark.django_db


def category():
    return Term.objects.filter(
        vocabulary="deviation_category", parent__isnull=True, board__isnull=True
    ).first()


def bulk_data(org, **extra):
    today = timezone.localdate()
    data = {
        "bulk": True,
        "event_count": 14,
        "event_period_start": (today - datetime.timedelta(days=6)).isoformat(),
        "event_period_end": today.isoformat(),
        "category": category().pk,
        "probability": 2,
        "severity": 1,
        "description": "Fjorton missade signeringar av läkemedel under veckan.",
    }
    data.update(extra)
    return data


def test_a_bulk_report_is_one_case_standing_for_its_events(org, cast):
    report = file("deviation", cast["reporter"], org.unit_a, **bulk_data(org))
    assert report.event_count == 14
    assert report.event_period_end == timezone.localdate()
    assert report.category == category() and report.risk_band.code == "lag"
    assert report.occurred_at is not None  # the first day stands for when it happened
    assert Report.objects.count() == 1
    row = AuditEvent.objects.get(action="report.filed")
    assert row.payload["event_count"] == 14


@pytest.mark.parametrize(
    "extra, field, words",
    [
        ({"probability": 3, "severity": 3}, "bulk", "low-risk"),
        ({"lex_sarah_criteria": True}, "bulk", "lex Sarah"),
        ({"event_count": ""}, "event_count", "how many"),
        ({"event_count": 1}, "event_count", ""),
        ({"category": ""}, "category", "category"),
        ({"probability": ""}, "probability", "probability"),
        ({"event_period_start": "2020-01-01"}, "event_period_end", "at most"),
    ],
    ids=["risk-above-low", "lex-sarah", "no-count", "one-event", "no-category", "no-risk", "too-long"],
)
def test_a_bulk_report_is_refused_with_the_reason(org, cast, extra, field, words):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            file("deviation", cast["reporter"], org.unit_a, **bulk_data(org, **extra))
        errors = refused.value.message_dict
        assert field in errors, errors
        assert words.lower() in " ".join(str(e) for e in errors[field]).lower()
    assert not Report.objects.exists()


def test_only_deviations_are_reported_in_bulk(org, cast):
    with pytest.raises(ValidationError) as refused:
        file("complaint", cast["reporter"], org.unit_a, **bulk_data(org))
    assert "bulk" in refused.value.message_dict


def test_the_web_form_keeps_the_text_and_says_why_in_swedish(client, org, cast):
    client.force_login(cast["reporter"])
    data = {
        "unit": org.unit_a.pk,
        **bulk_data(org, probability=4, severity=4),
        "form-TOTAL_FORMS": 0,
        "form-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("web:report_form", args=["deviation"]), data, HTTP_ACCEPT_LANGUAGE="sv")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Fjorton missade signeringar" in page
    assert "låg risk" in page
    assert not Report.objects.exists()


def test_a_bulk_report_counts_as_its_events_in_statistics_and_every_table(org, cast):
    bulk = file("deviation", cast["reporter"], org.unit_a, **bulk_data(org))
    single = file("deviation", cast["reporter"], org.unit_a)
    Report.objects.filter(pk=single.pk).update(category=category())
    recount(single.pk)
    # Last month, so that the counts come from the monthly cells; then this month's days,
    # counted from the cases (the partial month): both weigh the bulk report.
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    when = timezone.make_aware(datetime.datetime.combine(last_month.replace(day=10), datetime.time(12)))
    Report.objects.filter(pk__in=[bulk.pk, single.pk]).update(reported_at=when)
    recount(bulk.pk)
    recount(single.pk)
    assert drift() == []
    cells = MonthlyCount.objects.filter(dimension="reports", type="deviation", month=last_month)
    assert sum(c.n for c in cells) == 15
    end = (last_month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )
    for start, stop in ((last_month, end), (last_month + datetime.timedelta(days=5), end)):
        scope = Scope(unit=org.sn, start=start, end=stop, public=False)
        tables = {t.key: t for t in board_compilation(scope).tables}
        individuals = tables["individuals"]
        deviations_row = next(r for r in individuals.rows if r[0] == ReportType.DEVIATION.label)
        assert deviations_row[1] == 15
        deviations = tables["deviations"]
        assert next(r for r in deviations.rows if r[0] == TOTAL)[1] == 15
        assert next(r for r in deviations.rows if r[0] == str(category()))[1] == 15
        risks = tables["risks"]
        assert next(r for r in risks.rows if r[0] == TOTAL)[-1] == 15  # every level and type
    # The control chart reads the same cells: the month holds 15 events.
    charts = control_charts(Scope(unit=org.sn, start=last_month, end=end, public=False))
    assert all(row[3] == 15 for row in charts.rows)


def test_the_statistics_count_the_events(client, org, cast):
    file("deviation", cast["reporter"], org.unit_a, **bulk_data(org))
    file("deviation", cast["reporter"], org.unit_a)
    from reporting.selectors.statistics import statistics

    today = timezone.localdate()
    result = statistics(
        cast["sas"], by="type", period="month", start=today.replace(day=1), end=today, type=None
    )
    assert result["total"] == 15
