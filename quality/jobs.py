"""The scheduler's job of the quality room (``settings.SCHEDULER_JOBS``, called as ``job(now)``).

``signals``: once a month per board, after the month has ended, chart the last whole months
and open an analysis task for each new signal (``quality.services.raise_signals``). A
``SignalRun`` row says the month is done; a signal already raised is never raised again."""

from django.utils import timezone

from quality.selectors import last_whole_month
from quality.services import boards, raise_signals


def signals(now):
    today = timezone.localdate(now)
    month = last_whole_month(today)
    opened = 0
    for board in boards():
        opened += len(raise_signals(board, today, now=now, month=month))
    return opened
