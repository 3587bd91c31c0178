from django.core.management.base import BaseCommand

from cases.clock_doc import render


class Command(BaseCommand):
    help = "Print the legal clocks, what fires them and the default rules as Markdown (docs/clocks.md)."

    def handle(self, *args, **options):
        self.stdout.write(render())
