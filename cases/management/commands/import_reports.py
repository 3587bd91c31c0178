"""python manage.py import_reports FILE.csv [--user USERNAME]

Imports historical reports (format: docs/import.md), all or nothing. Every error is printed
with its line and column, and then nothing is imported."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.services import ImportRejected, do_import_reports


class Command(BaseCommand):
    help = "Import historical reports from a CSV file (docs/import.md); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", help="The administrator the import is recorded as (default: the system)."
        )

    def handle(self, *args, file, user=None, **options):
        acting_user = None
        if user:
            acting_user = get_user_model().objects.filter(username=user, is_active=True).first()
            if acting_user is None:
                raise CommandError(f"No active user {user!r}.")
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        try:
            reports = do_import_reports(raw, acting_user=acting_user, filename=file.name)
        except ImportRejected as exc:
            for error in exc.rows:
                self.stderr.write(
                    f"line {error['line']}, column {error['column'] or '-'}: {error['message']}"
                )
            raise CommandError(f"Nothing imported: {len(exc.rows)} error(s).") from None
        except PermissionDenied as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        self.stdout.write(f"Imported {len(reports)} report(s).")
