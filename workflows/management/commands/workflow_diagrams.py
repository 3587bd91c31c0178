"""``workflow_diagrams``: write docs/workflows/<type>.bpmn and .svg; ``--check`` only compares."""

import sys

from django.core.management.base import BaseCommand

from workflows.diagrams import DOCS, files


class Command(BaseCommand):
    help = "Write each flow's BPMN 2.0 file and SVG diagram to docs/workflows/ (--check: fail if stale)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Exit 1 if a committed file is not current.")

    def handle(self, *args, check=False, **options):
        stale = []
        for path, content in files().items():
            if path.exists() and path.read_text(encoding="utf-8") == content:
                continue
            stale.append(path)
            if not check:
                DOCS.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
        for path in stale:
            self.stdout.write(f"{'stale' if check else 'wrote'}: {path.relative_to(DOCS.parent.parent)}")
        if check and stale:
            sys.exit(1)
