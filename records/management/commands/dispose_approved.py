"""``dispose_approved``: dispose of the cases of every approved gallring run, batch after batch,
as each run's approver. Run it as the database's owner role where the application role may not
delete investigation entries (docs/operations.md, docs/records.md)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from records.jobs import dispose_approved
from records.models import DisposalRun


class Command(BaseCommand):
    help = "Dispose of the cases of every approved gallring run."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=None, help="Cases per transaction.")

    def handle(self, *args, **options):
        total = 0
        # Every batch disposes of its cases or holds them back, and a run with none left is done.
        while DisposalRun.objects.filter(status=DisposalRun.Status.APPROVED).exists():
            total += dispose_approved(timezone.now(), options["batch"])
        self.stdout.write(f"{total} case(s) disposed of.")
