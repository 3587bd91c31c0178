"""Domain events, written to the outbox in the transaction that caused them and delivered
after it has committed.

Receivers (notifications, workflow bookkeeping) connect to ``case_event``; they never run
inside the change's transaction, so a failing e-mail cannot undo a decision. ``emit`` writes
an ``OutboxEvent`` row beside the change; ``cases.outbox`` hands it to the receivers once the
change has committed (at once, and again from the scheduler until every receiver has
succeeded), so an event is delivered at least once and never dropped. A receiver must
therefore be idempotent: the notifications of one event are keyed by the event.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal

# kwargs: name (e.g. "report.filed", "report.decide"), report_id, actor_id, data (dict), event_id
case_event = Signal()


def emit(name, *, report, actor=None, **data):
    from cases import outbox

    # The data as the stored row gives it back, so that the fast path and a retry send the same.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    event = outbox.write(name, report_id=report.pk, actor_id=getattr(actor, "pk", None), data=data)
    transaction.on_commit(lambda: outbox.deliver_now(event))
