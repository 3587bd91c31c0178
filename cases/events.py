"""Domain events, sent after the transaction that caused them has committed.

Receivers (notifications, workflow bookkeeping) connect to ``case_event``; they never run
inside the change's transaction, so a failing e-mail cannot undo a decision.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: name (e.g. "report.filed", "report.decide"), report_id, actor_id, data (dict)
case_event = Signal()


def emit(name, *, report, actor=None, **data):
    report_id, actor_id = report.pk, getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: case_event.send(sender=None, name=name, report_id=report_id, actor_id=actor_id, data=data),
        robust=True,
    )
