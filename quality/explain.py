"""Each signal explained in plain words (Swedish and English through gettext): what the chart
shows, why it is unlikely to be chance, and what the SAS is asked to look into."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lib import spc
from lib.table import format_number


def _month(day):
    return date_format(day, "F Y")


def explain(analysis):
    """The plain-language explanation of a ``SignalAnalysis``."""
    series = analysis.series or {}
    first, last = analysis.first_month, analysis.last_month
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    values = {
        "months": months,
        "first": _month(analysis.first_month),
        "last": _month(analysis.last_month),
        "median": format_number(float(series.get("median") or 0), decimals=1),
        "upper": format_number(float(series.get("upper") or 0), decimals=1),
        "lower": format_number(float(series.get("lower") or 0), decimals=1),
    }
    up = analysis.direction == spc.UP
    if analysis.rule == spc.RUN:
        text = (
            _(
                "From %(first)s to %(last)s the number of reports was above the usual level (the median, "
                "%(median)s a month) every month: %(months)s months in a row. By chance alone that happens "
                "less than once in a hundred series, so something has probably changed."
            )
            if up
            else _(
                "From %(first)s to %(last)s the number of reports was below the usual level (the median, "
                "%(median)s a month) every month: %(months)s months in a row. Fewer reports can mean fewer "
                "events, or that events are no longer reported: find out which."
            )
        )
    elif analysis.rule == spc.TREND:
        text = (
            _(
                "From %(first)s to %(last)s the number of reports rose every month, %(months)s months in a "
                "row. A steady rise like that is seldom chance: look for what has been changing."
            )
            if up
            else _(
                "From %(first)s to %(last)s the number of reports fell every month, %(months)s months in a "
                "row. Check whether events have become fewer or reporting has slackened."
            )
        )
    elif analysis.rule == spc.BEYOND:
        text = (
            _(
                "In %(last)s there were more reports than the chart's upper limit (%(upper)s). The limit is "
                "set so that ordinary month-to-month variation stays below it: this month stands out."
            )
            if up
            else _(
                "In %(last)s there were fewer reports than the chart's lower limit (%(lower)s). Check "
                "whether events were not reported."
            )
        )
    else:
        text = _(
            "From %(first)s to %(last)s the unit had reports of several different kinds (deviations, "
            "complaints, lex Sarah, personal data breaches). Reports of different kinds about one unit "
            "at the same time can point to a common cause, such as staffing or leadership."
        )
    return text % values
