"""``outbox``: the domain events not delivered yet, and why; ``--deliver`` delivers them now.

The scheduler's job ``cases.outbox.dispatch_due`` retries them on its own; this is for looking
(after a database outage, say) and for not waiting for the next retry."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cases import outbox


class Command(BaseCommand):
    help = "Show the domain events waiting in the outbox, or deliver them all now with --deliver."

    def add_arguments(self, parser):
        parser.add_argument("--deliver", action="store_true", help="Deliver every waiting event now.")
        parser.add_argument(
            "--limit", type=int, default=20, help="How many waiting events to list (default 20)."
        )

    def handle(self, *args, **options):
        if options["deliver"]:
            delivered = outbox.deliver_all()
            self.stdout.write(f"Delivered: {delivered}")
        waiting = outbox.pending()
        now = timezone.now()
        count = waiting.count()
        failed = waiting.filter(attempts__gt=0).count()
        self.stdout.write(f"Waiting: {count} ({failed} after a failed attempt)")
        for event in waiting.order_by("id")[: options["limit"]]:
            age = int((now - event.created_at).total_seconds())
            self.stdout.write(
                f"#{event.pk} {event.name} case {event.report_id}: {age} s old, {event.attempts} failed attempt(s), "
                f"next {event.next_attempt_at.isoformat(timespec='seconds')}"
                + (f", last error: {event.last_error}" if event.last_error else "")
            )
        if options["deliver"] and count:
            raise SystemExit(1)  # still waiting after an attempt: a receiver keeps failing
