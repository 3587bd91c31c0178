"""Deadline arithmetic for the legal clocks.

Working days are Monday–Friday except Swedish public holidays and the de-facto ones
(midsommarafton, julafton, nyårsafton), taken from the ``holidays`` package.
"""

import calendar
import datetime
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=64)
def _swedish_holidays(year):
    return holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))


def is_working_day(day):
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


def add_working_days(day, count):
    """``count`` working days after ``day``; 0 is ``day`` itself, or the next working day if it is none."""
    if count == 0:
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
        return day
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def _add_months(moment, months):
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def add_duration(start, amount, unit):
    """``start`` plus ``amount`` of ``unit``; calendar units count in Swedish local time."""
    local = timezone.localtime(start)
    if unit == "hours":
        # Elapsed hours: counted in UTC, so 72 hours are 72 hours also across a DST change.
        return start.astimezone(datetime.UTC) + datetime.timedelta(hours=amount)
    if unit == "days":
        result = local + datetime.timedelta(days=amount)
    elif unit == "months":
        result = _add_months(local, amount)
    elif unit == "working_days":
        # A working-day deadline ends at the close of that working day.
        day = add_working_days(local.date(), amount)
        result = local.replace(
            year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59, microsecond=0
        )
    else:
        raise ValueError(f"unknown unit {unit!r}")
    # zoneinfo datetimes do wall-clock arithmetic, so a day is a calendar day across DST.
    return result
