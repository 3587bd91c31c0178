"""Rebuild or check the pre-aggregated monthly counts (``MonthlyCount``) of the cases.

``--rebuild`` replaces every cell by a fresh count from the case tables, one local year at a
time, in one transaction. ``--check`` compares every cell with a fresh count and exits with
status 1 when any differs (naming up to 20 of them), 0 when the table is exact, so that a
timer or a monitoring check can tell the two apart. See docs/compilations.md, "Performance".
"""

from django.core.management.base import BaseCommand, CommandError

from reporting.services import aggregates

SHOWN = 20


class Command(BaseCommand):
    help = "Rebuild (--rebuild) or check (--check, exit 1 on drift) the monthly counts behind statistics and compilations."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--rebuild", action="store_true", help="Replace every cell by a fresh count of the cases."
        )
        group.add_argument(
            "--check",
            action="store_true",
            help="Compare every cell with a fresh count; exit status 1 when any differs.",
        )

    def handle(self, *args, **options):
        if options["rebuild"]:
            written = aggregates.rebuild(
                out=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None
            )
            self.stdout.write(self.style.SUCCESS(f"Monthly counts rebuilt: {written} cells."))
            return
        differences = aggregates.drift()
        if differences:
            for cell, stored, fresh in differences[:SHOWN]:
                self.stderr.write(
                    f"{cell.month:%Y-%m} type={cell.type} unit={cell.unit} namnd={cell.namnd} "
                    f"{cell.dimension}={cell.key!r}/{cell.key2!r}: stored {stored}, counted {fresh}"
                )
            raise CommandError(
                f"Monthly counts drifted: {len(differences)} cells differ from a fresh count; "
                f"run manage.py aggregates --rebuild.",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS("Monthly counts match a fresh count of the cases."))
