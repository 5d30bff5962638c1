"""``liaison import_activity FILE``: load providers' monthly activity figures for rates per 1,000."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.reports.services import activity_import


class Command(BaseCommand):
    help = (
        "Load activity figures from a CSV file with the columns provider_ods, month (2026-10), measure "
        "and count. Every row is checked first: any error is reported with its line and nothing is "
        "loaded. A figure loaded before for the same provider, month and measure is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        result = activity_import(text=text)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{file}, line {error.line}: {error.message}")
            raise CommandError(f"Nothing was loaded: {len(result.errors)} rows need correcting")
        self.stdout.write(
            f"Loaded {result.created} new and {result.updated} changed activity figures from {file}"
        )
