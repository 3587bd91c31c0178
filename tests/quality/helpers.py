"""Cases spread over months for the quality tests: filed through the services, then moved to
the month they stand for (``reported_at``) and counted again, as the monthly counts would
hold them had they been filed then."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cases.models import Report, Term
from quality.selectors import last_whole_month, months_back
from reporting.services.aggregates import recount
from tests.factories import file


def category(code=None):
    qs = Term.objects.filter(vocabulary="deviation_category", parent__isnull=True, board__isnull=True)
    return qs.get(code=code) if code else qs.order_by("order", "pk").first()


def months(count=24, today=None):
    return months_back(last_whole_month(today or timezone.localdate()), count)


def file_in_month(report_type, user, unit, month, *, term=None, day=10, **extra):
    report = file(report_type, user, unit, **extra)
    when = datetime.datetime.combine(month.replace(day=day), datetime.time(12), ZoneInfo(settings.TIME_ZONE))
    fields = {"reported_at": when}
    if term is not None:
        fields["category"] = term
    Report.objects.filter(pk=report.pk).update(**fields)
    recount(report.pk)
    return Report.objects.get(pk=report.pk)


def series(report_type, user, unit, counts, *, term=None):
    """File ``counts[i]`` cases in the i-th of the last len(counts) whole months; the cases."""
    made = []
    for month, n in zip(months(len(counts)), counts, strict=True):
        for _ in range(n):
            made.append(file_in_month(report_type, user, unit, month, term=term))
    return made
