"""Recompute every row of every audit chain and compare each chain's end with its sealed head
and, with ``--checkpoint``, with the heads exported outside the database; meant for a daily
timer that alerts on failure.

Exit status 0 when every chain is intact, 1 at the first broken row (or the first missing
one), 2 when the checkpoint file cannot be read, so that a scheduler or a monitoring check
can tell them apart without parsing the output.
"""

from django.core.management.base import BaseCommand, CommandError

from cases import audit
from cases.audit_anchor import CheckpointFileError, read_checkpoints


class Command(BaseCommand):
    help = "Verify the audit trail's HMAC chains and their sealed heads, and name the first broken row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="PATH",
            help="An exported checkpoint file (audit-checkpoints-YYYY-MM-DD.jsonl) or a directory of them: "
            "each chain must still hold the newest checkpoint exported for it.",
        )

    def handle(self, *args, **options):
        exported = {}
        if options["checkpoint"]:
            try:
                exported = {
                    chain: checkpoint
                    for chain, (checkpoint, _at) in read_checkpoints(options["checkpoint"]).items()
                }
            except CheckpointFileError as error:
                raise CommandError(str(error), returncode=2) from error
            if not exported:
                raise CommandError(
                    f"{options['checkpoint']}: no exported audit checkpoint found.", returncode=2
                )
        verified, broken, reason = audit.verify(checkpoints=exported)
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at {broken}: {reason} ({verified} rows verified before it).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {verified} rows verified."))
        for chain, checkpoint in sorted(exported.items()):
            self.stdout.write(
                f"Chain {chain} holds its exported checkpoint sealed at {checkpoint.sealed_at.isoformat()} "
                f"(seq {checkpoint.seq})."
            )
