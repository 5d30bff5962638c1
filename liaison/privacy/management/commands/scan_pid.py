"""``liaison scan_pid``: run the PID guard over JSON lines or a CSV export."""

import io
import sys
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.privacy.batch import MalformedInput, scan_csv, scan_json_lines
from liaison.privacy.findings import Kind

# Exit statuses: 0 nothing to remove, 1 something blocks (CSV), 2 the input could not be read.
BLOCKED = 1
BAD_INPUT = 2

_KIND_NAMES = {
    Kind.NHS_NUMBER: "NHS number",
    Kind.POSTCODE: "postcode",
    Kind.EMAIL: "email address",
    Kind.PHONE: "phone number",
    Kind.DATE_OF_BIRTH: "date of birth",
    Kind.PERSONAL_NAME: "possible name",
    Kind.FULL_DATE: "full date",
}


class Command(BaseCommand):
    help = (
        "Check text for patient-identifiable data with the PID guard. "
        '--jsonl reads lines {"id": …, "text": …} (from FILE, or standard input) and writes one line '
        '{"id": …, "findings": [{"kind", "start", "end", "action"}]} for each. '
        "--csv FILE --column NAME checks a column of an export before it is shared, prints what it found "
        "(masked), and exits with status 1 when anything must be removed."
    )

    # A text filter that touches no database, URL or template: the project's system checks add only
    # start-up time, and a pipeline should not fail because of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--jsonl",
            nargs="?",
            const="-",
            metavar="FILE",
            help="JSON lines to scan; standard input when FILE is left out or is -.",
        )
        source.add_argument("--csv", metavar="FILE", help="A CSV export (UTF-8, with a header row).")
        parser.add_argument(
            "--column",
            action="append",
            metavar="NAME",
            help="With --csv: a column to check. Repeat it to check several.",
        )

    def handle(self, *args, jsonl=None, csv=None, column=None, **options):
        if csv is None and column:
            raise CommandError("--column only goes with --csv.", returncode=BAD_INPUT)
        if csv is not None and not column:
            raise CommandError("Say which column to check: --csv FILE --column NAME.", returncode=BAD_INPUT)
        if jsonl is not None:
            self._scan_json_lines(jsonl)
        else:
            self._scan_csv(csv, column)

    def _scan_json_lines(self, source: str) -> None:
        with _open_binary(source) as stream:
            try:
                for output in scan_json_lines(_decoded_lines(stream)):
                    self.stdout.write(output)
            except MalformedInput as error:
                raise CommandError(f"{error}. Scanning stopped there.", returncode=BAD_INPUT) from None

    def _scan_csv(self, source: str, columns: list[str]) -> None:
        rows_with_blocks, rows_with_warnings = set(), set()
        with _open_binary(source) as stream:
            handle = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            try:
                for found in scan_csv(handle, columns):
                    described = "; ".join(
                        f"{_KIND_NAMES[finding.kind]} {finding.masked} ({finding.severity.value})"
                        for finding in found.result.findings
                    )
                    self.stdout.write(f"row {found.row}, column {found.column!r}: {described}")
                    if found.result.blocked:
                        rows_with_blocks.add(found.row)
                    if found.result.warnings:
                        rows_with_warnings.add(found.row)
            except MalformedInput as error:
                stopped = "" if error.where == "header" else " Scanning stopped there."
                raise CommandError(f"{error}.{stopped}", returncode=BAD_INPUT) from None
            except UnicodeDecodeError:
                raise CommandError(
                    f"{source} is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in Excel) and try again.",
                    returncode=BAD_INPUT,
                ) from None
            finally:
                handle.detach()  # leave the underlying stream (perhaps standard input) to its owner
        if rows_with_blocks:
            raise CommandError(
                f"{len(rows_with_blocks)} row(s) hold patient-identifiable data: remove it before sharing the "
                f"export. {len(rows_with_warnings)} row(s) have possible names or dates to check.",
                returncode=BLOCKED,
            )
        if rows_with_warnings:
            self.stdout.write(
                f"Nothing to remove. {len(rows_with_warnings)} row(s) have possible names or dates: check them "
                "before sharing the export."
            )
        else:
            self.stdout.write("Nothing found.")


def _decoded_lines(stream):
    """The stream's lines as text, read one at a time; a line that is not UTF-8 is named by number."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedInput(f"line {number}", "not UTF-8 text") from None
        yield line.removeprefix("\ufeff") if number == 1 else line


@contextmanager
def _open_binary(source: str):
    """FILE opened for reading bytes, or standard input when FILE is "-"."""
    if source == "-":
        yield sys.stdin.buffer
        return
    try:
        # Opened apart from the with block so that only opening errors become "Cannot read".
        handle = Path(source).open("rb")  # noqa: SIM115
    except OSError as error:
        raise CommandError(f"Cannot read {source}: {error.strerror}.", returncode=BAD_INPUT) from None
    with handle:
        yield handle
