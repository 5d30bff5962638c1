"""Reading and writing the JSON Lines the themes commands take and give.

Input is one JSON object a line with an ``id`` (string or number) and a ``text`` (string); blank
lines are skipped. Every line is checked before anything is processed, so a malformed file gives one
clear error (line number and what is wrong) and no output at all.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO


class JsonLinesError(ValueError):
    """A line of input is not a JSON object with an id and a text."""


@dataclass(frozen=True)
class Item:
    id: str | int
    text: str


def read_items(stream: TextIO, name: str = "input") -> list[Item]:
    """Every item in ``stream``, or JsonLinesError naming the first bad line."""
    items: list[Item] = []
    seen: set = set()
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise JsonLinesError(f"{name}, line {number}: not valid JSON ({error.msg}).") from error
        if not isinstance(value, dict):
            raise JsonLinesError(f'{name}, line {number}: expected an object like {{"id": …, "text": …}}.')
        missing = [key for key in ("id", "text") if key not in value]
        if missing:
            raise JsonLinesError(f"{name}, line {number}: missing {' and '.join(repr(k) for k in missing)}.")
        identifier, text = value["id"], value["text"]
        if isinstance(identifier, bool) or not isinstance(identifier, str | int):
            raise JsonLinesError(f'{name}, line {number}: "id" must be a string or a whole number.')
        if not isinstance(text, str):
            raise JsonLinesError(f'{name}, line {number}: "text" must be a string.')
        if identifier in seen:
            raise JsonLinesError(f"{name}, line {number}: id {identifier!r} appears more than once.")
        seen.add(identifier)
        items.append(Item(id=identifier, text=text))
    return items


def write_rows(stream: TextIO, rows: Iterable[dict]) -> None:
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
