from django.core.management.base import BaseCommand

from cases.lifecycle_doc import render


class Command(BaseCommand):
    help = "Print the lifecycles of the four report types as Markdown (docs/lifecycles.md)."

    def handle(self, *args, **options):
        self.stdout.write(render())
