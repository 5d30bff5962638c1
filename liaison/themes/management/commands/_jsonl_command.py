"""What the JSON Lines commands share: --jsonl, reading stdin or a file, and clear errors."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.themes.jsonl import Item, JsonLinesError, read_items, write_rows


class JsonLinesCommand(BaseCommand):
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="JSON Lines input (default: standard input).")
        parser.add_argument(
            "--jsonl",
            action="store_true",
            required=True,
            help='Read and write JSON Lines: {"id", "text"} in.',
        )

    def read(self, options) -> list[Item]:
        path = options.get("file")
        try:
            if path and path != "-":
                with open(Path(path), encoding="utf-8") as handle:
                    return read_items(handle, name=path)
            return read_items(self.stdin, name="standard input")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except (JsonLinesError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error

    def execute(self, *args, **options):
        self.stdin = options.pop("stdin", sys.stdin)
        return super().execute(*args, **options)

    def emit(self, rows) -> None:
        write_rows(self.stdout, rows)
