"""Recompute every row of every audit chain; meant for a daily timer that alerts on failure.

Exit status 0 when every chain is intact, 1 at the first broken row, so that a scheduler
or a monitoring check can tell the two apart without parsing the output.
"""

from django.core.management.base import BaseCommand, CommandError

from cases import audit


class Command(BaseCommand):
    help = "Verify the audit trail's HMAC chains and name the first broken row."

    def handle(self, *args, **options):
        verified, broken, reason = audit.verify()
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at chain={broken.chain} seq={broken.seq} id={broken.pk}: {reason} "
                f"({verified} rows verified before it).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {verified} rows verified."))
