"""Validation of Swedish personal identity numbers (personnummer and samordningsnummer)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PATTERN = re.compile(
    r"^(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$"
)


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def normalise_personnummer(value):
    """Return ``YYYYMMDD-NNNN`` or raise ValidationError with a message for the user."""
    raw = re.sub(r"\s", "", value or "")
    match = _PATTERN.match(raw)
    if not match:
        raise ValidationError(
            _("Enter the personal identity number as YYYYMMDD-NNNN."), code="personnummer_format"
        )
    parts = match.groupdict()
    if not luhn_ok(parts["yy"] + parts["mm"] + parts["dd"] + parts["serial"] + parts["check"]):
        raise ValidationError(
            _("The personal identity number's check digit is wrong; check for a typing error."),
            code="personnummer_checksum",
        )
    day = int(parts["dd"])
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    today = datetime.date.today()
    if parts["century"]:
        year = int(parts["century"] + parts["yy"])
    else:
        year = 2000 + int(parts["yy"])
        if year > today.year:
            year -= 100
        if parts["sep"] == "+":
            year -= 100
    try:
        born = datetime.date(year, int(parts["mm"]), day)
    except ValueError:
        raise ValidationError(
            _("The personal identity number has no valid date of birth."), code="personnummer_date"
        ) from None
    if born > today:
        raise ValidationError(
            _("The personal identity number has a date of birth in the future."), code="personnummer_date"
        )
    return f"{year:04d}{parts['mm']}{parts['dd']}-{parts['serial']}{parts['check']}"
