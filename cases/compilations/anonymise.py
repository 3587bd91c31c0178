"""Taking names, personal identity numbers and contact details out of free text that leaves
the case: anonymised summaries in compilations and the documents sent to regulators."""

import re

from django.utils.translation import gettext as _

PERSONNUMMER = re.compile(r"\b(?:19|20)?\d{6}[-+ ]?\d{4}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Swedish numbers (0… or +46…), so that dates such as 2025-03-10 are left alone.
PHONE = re.compile(r"(?<![\w+])(?:\+46|0)[ -]?\d(?:[ -]?\d){5,10}\b")
MIN_NAME_PART = 2


def names_on(report):
    """Every name the case knows of: the persons concerned, the submitter, reporter, handler."""
    names = [person.name for person in report.persons.all()]
    names.append(report.submitter_name)
    for user in (report.reporter, report.handler):
        if user is not None:
            names.extend([user.first_name, user.last_name, user.username])
    return names


def redact(text, names=()):
    if not text:
        return ""
    text = PERSONNUMMER.sub(_("[personal identity number]"), text)
    text = EMAIL.sub(_("[e-mail]"), text)
    text = PHONE.sub(_("[phone]"), text)
    parts = sorted({part for name in names if name for part in re.split(r"[\s,]+", name)
                    if len(part) >= MIN_NAME_PART}, key=len, reverse=True)
    if parts:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in parts) + r")\b", re.IGNORECASE)
        text = pattern.sub(_("[name]"), text)
    return text


def shorten(text, limit=400):
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"
