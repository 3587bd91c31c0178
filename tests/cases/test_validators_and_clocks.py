import datetime
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from cases.models import DeadlineRule
from lib.clocks import add_duration, is_working_day
from lib.validators import normalise_personnummer

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("19121212-1212", "19121212-1212"),
        ("121212-1212", "20121212-1212"),
        ("121212+1212", "19121212-1212"),
        ("191212121212", "19121212-1212"),
        (" 19121212 - 1212 ", "19121212-1212"),
        ("19701063-2391", "19701063-2391"),  # samordningsnummer: day + 60
    ],
)
def test_valid_personnummer_are_normalised(raw, expected):
    assert normalise_personnummer(raw) == expected


@pytest.mark.parametrize(
    "raw,code",
    [
        ("19121212-1213", "personnummer_checksum"),
        ("19121212121", "personnummer_format"),
        ("abc", "personnummer_format"),
        ("19121312-1211", "personnummer_date"),
        ("20991212-1218", "personnummer_date"),
    ],
)
def test_invalid_personnummer_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        normalise_personnummer(raw)
    assert excinfo.value.code == code


def test_working_days_skip_weekends_and_swedish_holidays():
    assert not is_working_day(datetime.date(2026, 6, 6))  # nationaldagen (a Saturday in 2026)
    assert not is_working_day(datetime.date(2026, 6, 19))  # midsommarafton, de facto
    assert not is_working_day(datetime.date(2026, 12, 24))  # julafton, de facto
    assert not is_working_day(datetime.date(2026, 5, 14))  # Kristi himmelsfärd
    assert is_working_day(datetime.date(2026, 6, 18))


def test_two_working_days_across_midsummer():
    received = datetime.datetime(2026, 6, 18, 10, 0, tzinfo=STOCKHOLM)  # Thursday before midsommarafton
    due = add_duration(received, 2, "working_days")
    assert due.date() == datetime.date(2026, 6, 23)  # Fri and Sat, Sun skipped; Mon 22, Tue 23


def test_the_72_hour_clock_runs_across_a_weekend(db):
    rule = DeadlineRule.current("breach-imy-notification")
    discovered = datetime.datetime(2026, 11, 20, 16, 30, tzinfo=STOCKHOLM)  # a Friday afternoon
    assert rule.due(discovered) == datetime.datetime(2026, 11, 23, 16, 30, tzinfo=STOCKHOLM)
    assert rule.warn_before_hours == [24, 6]


def test_months_end_on_the_last_day_when_the_day_is_missing():
    notified = datetime.datetime(2026, 12, 31, 9, 0, tzinfo=STOCKHOLM)
    assert add_duration(notified, 2, "months").date() == datetime.date(2027, 2, 28)


def test_calendar_days_keep_the_wall_clock_across_daylight_saving():
    start = datetime.datetime(2026, 10, 20, 9, 0, tzinfo=STOCKHOLM)
    assert add_duration(start, 14, "days") == datetime.datetime(2026, 11, 3, 9, 0, tzinfo=STOCKHOLM)


def test_reference_data_has_validity_dates_for_the_new_social_services_act(db):
    from cases.models import LegalReference

    old = LegalReference.objects.valid_on(datetime.date(2025, 6, 30)).get(code="lex-sarah-anmalan")
    new = LegalReference.objects.valid_on(datetime.date(2025, 7, 1)).get(code="lex-sarah-anmalan")
    assert "2001:453" in old.citation and "2025:400" in new.citation


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "AUDIT_HMAC_KEY", "ALLOWED_HOSTS")}
    env.update(DEBUG="false", DJANGO_SETTINGS_MODULE="config.settings")
    for missing in ("SECRET_KEY", "AUDIT_HMAC_KEY", "ALLOWED_HOSTS"):
        given = {
            "SECRET_KEY": "s" * 50,
            "AUDIT_HMAC_KEY": "k" * 50,
            "ALLOWED_HOSTS": "kvalitet.kommun.example",
        }
        given.pop(missing)
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={**env, **given},
            capture_output=True,
            text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        )
        assert result.returncode != 0
        assert f"{missing} must be set" in result.stderr


def test_production_settings_pass_the_deploy_checks():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="check-" + "x" * 60,
        AUDIT_HMAC_KEY="k" * 50,
        ALLOWED_HOSTS="kvalitet.kommun.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 0, result.stderr
