"""Reporting periods: month, tertial (T1 jan–apr, T2 maj–aug, T3 sep–dec), half-year, year."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

PERIODS = {
    "month": _("Month"),
    "tertial": _("Tertial"),
    "half": _("Half-year"),
    "year": _("Year"),
}


def tertial(month):
    return (month - 1) // 4 + 1


def half(month):
    return 1 if month <= 6 else 2


def bucket(kind, year, month):
    """The sortable key and the label of the period holding ``year``-``month``."""
    if kind == "month":
        return (year, month), f"{year}-{month:02d}"
    if kind == "tertial":
        return (year, tertial(month)), f"{year} T{tertial(month)}"
    if kind == "half":
        return (year, half(month)), f"{year} H{half(month)}"
    if kind == "year":
        return (year, 0), str(year)
    raise ValueError(kind)


def bucket_months(kind, year, month):
    """The (year, month) pairs of the period of ``kind`` holding ``year``-``month``, in order."""
    firsts = {
        "month": month,
        "tertial": (tertial(month) - 1) * 4 + 1,
        "half": 1 if month <= 6 else 7,
        "year": 1,
    }
    lengths = {"month": 1, "tertial": 4, "half": 6, "year": 12}
    if kind not in firsts:
        raise ValueError(kind)
    return [(year, m) for m in range(firsts[kind], firsts[kind] + lengths[kind])]


def months(start, end):
    """Every (year, month) from the month of ``start`` to the month of ``end``."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def buckets(kind, start, end):
    """The periods of ``kind`` touched by [start, end], in order, without repeats."""
    seen: dict[tuple[int, int], str] = {}
    for year, month in months(start, end):
        key, label = bucket(kind, year, month)
        seen.setdefault(key, label)
    return list(seen.items())


def local_range(start, end):
    """Aware datetimes for the whole local days from ``start`` to ``end`` inclusive."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.datetime.combine(start, datetime.time.min, zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone),
    )


def year_range(year):
    return local_range(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
