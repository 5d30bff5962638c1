"""Scanning many texts at once: JSON lines from another system, or a column of a CSV export.

Used by ``liaison scan_pid``. Both read their input one record at a time, so an input of any size
is scanned in constant memory, and neither ever puts the scanned text into an error or a report:
only kinds, offsets and masked forms.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .detection import scan_text
from .findings import Finding, ScanResult

__all__ = ["CsvFinding", "MalformedInput", "finding_record", "scan_csv", "scan_json_lines"]


class MalformedInput(ValueError):
    """A line or row that cannot be scanned. The message names where and why, never the content."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def finding_record(finding: Finding) -> dict:
    """One finding as JSON: offsets count Unicode code points (Python string indexes)."""
    return {
        "kind": finding.kind.value,
        "start": finding.start,
        "end": finding.end,
        "action": finding.severity.value,
    }


def _parse_line(line: str, number: int) -> tuple[object, str]:
    where = f"line {number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        # The decoder's message gives the position only ("Expecting ',' delimiter: line 1 column 12").
        raise MalformedInput(where, f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise MalformedInput(
            where, f'expected an object {{"id": …, "text": …}}, found a JSON {_json_type(record)}'
        )
    missing = [key for key in ("id", "text") if key not in record]
    if missing:
        raise MalformedInput(where, f"missing {' and '.join(repr(key) for key in missing)}")
    if not isinstance(record["text"], str):
        raise MalformedInput(where, f'"text" must be a string, found a JSON {_json_type(record["text"])}')
    if isinstance(record["id"], dict | list):
        raise MalformedInput(where, '"id" must be a string or a number')
    return record["id"], record["text"]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}.get(
        type(value), "object"
    )


def scan_json_lines(lines: Iterable[str]) -> Iterator[str]:
    """For each input line ``{"id": …, "text": …}``, one output line ``{"id": …, "findings": […]}``.

    Blank lines are skipped. The first malformed line raises ``MalformedInput`` after every line
    before it has been yielded.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record_id, text = _parse_line(line, number)
        findings = [finding_record(finding) for finding in scan_text(text).findings]
        yield json.dumps({"id": record_id, "findings": findings}, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class CsvFinding:
    """What was found in one cell: ``row`` counts as a spreadsheet does (the header is row 1)."""

    row: int
    column: str
    result: ScanResult


def scan_csv(handle: Iterable[str], columns: list[str]) -> Iterator[CsvFinding]:
    """Scan the named columns of a CSV export, row by row; yield only the cells with findings."""
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    unknown = [column for column in columns if column not in header]
    if unknown:
        known = ", ".join(repr(name) for name in header) or "none"
        raise MalformedInput("header", f"no column {', '.join(map(repr, unknown))} (the columns are {known})")
    rows = enumerate(reader, start=2)
    while True:
        try:
            row_number, row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            raise MalformedInput(f"line {reader.line_num}", f"not valid CSV ({error})") from None
        for column in columns:
            value = row[column]
            result = scan_text(value) if value else ScanResult([])
            if result.findings:
                yield CsvFinding(row_number, column, result)
