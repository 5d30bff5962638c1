"""Writes bench/data/nhs_feedback.jsonl: real NHS patient feedback, labelled, for bench/themes.py.

The source is the Friends and Family Test comments published, with their labels, by NHS England's
Patient Experience Qualitative Data Categorisation project (``datasets/phase_1/text_data.csv`` in
The-Strategy-Unit/pxtextmining, MIT licence; provenance in nhs_feedback.README.md). Give the path of
that CSV; nothing is downloaded:

    git -C <mirror of pxtextmining> show HEAD:datasets/phase_1/text_data.csv > /tmp/text_data.csv
    .venv/bin/python bench/data/nhs_feedback.py /tmp/text_data.csv

Each output line is {"id", "text", "theme"}: ``id`` is "ffd-" and the source's ``row_index``,
``theme`` is the source's top-level ``label``. Filters, in this order, each counted in the summary:

1. fewer than 6 words: "Nothing.", "All good" say too little to cluster on;
2. repeated texts: kept once when every copy has the same label, dropped when copies disagree;
3. anything Liaison's PID guard (``liaison.privacy.scan_text``) finds, warning or block: Liaison
   would not take such text as a concern, and the corpus must not carry names or dates of birth;
4. any capitalised word on the guard's forename list: the guard lets a lone forename pass ("Lisa was
   lovely") because one name does not identify a patient, but a shipped corpus should not carry
   staff's first names either;
5. any of the names in ``REVIEWED_NAMES``: staff's names and short forms that are not on the guard's
   list, found by reading every capitalised word of the texts left after filter 4 that those texts
   never use in lower case;
6. labels with fewer than 40 texts left, which are too small to be a theme.

Then up to 150 texts per label are drawn with a fixed seed and the lines shuffled with it, so
running this again on the same CSV writes the same file.
"""

import argparse
import csv
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from liaison.privacy import FORENAMES, scan_text  # noqa: E402 (after the path is set)

SEED = 20261129
MIN_WORDS = 6
MIN_PER_LABEL = 40
PER_LABEL = 150
OUTPUT = HERE / "nhs_feedback.jsonl"
REQUIRED_COLUMNS = {"label", "feedback", "row_index"}
# "Vicky" and "VICKY": names typed in capitals are compared in the list's spelling.
_CAPITALISED_WORD = re.compile(r"\b[A-Z](?:[a-z]+|[A-Z]{2,})\b")
# Staff names the guard's forename list does not have, found by reading the capitalised words of the
# screened texts that they never use in lower case (filter 5 in the docstring); "Mr" and "Ms" as in
# "Mr P's team" and "Ms X".
_REVIEWED_NAMES = """
Abbi Alex Amber Andy Angel Anni Ash Becky Calvin Chang Chris Christy Dave Davis Dawn Delia Fay Faye
Fran Gabbitas Gaynor Georgeanna Harb Heidi Isobel Jackleen Jen Jess Jo Josh Juliet Katy Klaudia
Lise Louisa Lu Lynda Mandy Mark Mathew Matt Mr Ms Nicki Nicky Nina Pam Phil Pierzchniak Rob Sam
Sharmar Sheryl Steve Sue Susanne Suzanna Sylvie Tian Tina Trace Tricia Trisa Trisha Vicky Yvonne
Zoey
"""
REVIEWED_NAMES = frozenset(_REVIEWED_NAMES.split())


def normalise(text: str) -> str:
    """One line, single spaces: the comments carry line breaks and doubled spaces from the forms."""
    return " ".join(text.split())


def read_rows(path: Path) -> list[dict]:
    """The CSV's rows, or a clear error when it is not the phase 1 ``text_data.csv``."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(
                f"{path}: not the phase 1 text_data.csv (missing columns: {', '.join(sorted(missing))})"
            )
        return list(reader)


def capitalised_words(text: str) -> set[str]:
    """Words starting with a capital, spelt as a name is listed ("VICKY" → "Vicky")."""
    return {word.capitalize() for word in _CAPITALISED_WORD.findall(text)}


def names_a_forename(text: str) -> bool:
    return not FORENAMES.isdisjoint(capitalised_words(text))


def names_a_reviewed_name(text: str) -> bool:
    return not REVIEWED_NAMES.isdisjoint(capitalised_words(text))


def unique_texts(rows: list[dict], counts: Counter) -> list[dict]:
    """One row per distinct text; a text whose copies carry different labels is left out."""
    by_text = defaultdict(list)
    for row in rows:
        by_text[row["text"]].append(row)
    kept = []
    for copies in by_text.values():
        if len({row["theme"] for row in copies}) > 1:
            counts["repeated with different labels"] += len(copies)
            continue
        counts["repeated (copies dropped)"] += len(copies) - 1
        kept.append(copies[0])
    return kept


def screen(rows: list[dict], counts: Counter) -> list[dict]:
    """The rows left after the length, repeat, PID guard and name filters."""
    candidates = []
    for row in rows:
        text = normalise(row["feedback"])
        if len(text.split()) < MIN_WORDS:
            counts["fewer than 6 words"] += 1
            continue
        candidates.append({"id": f"ffd-{row['row_index']}", "text": text, "theme": row["label"].strip()})
    kept = []
    for row in unique_texts(candidates, counts):
        findings = scan_text(row["text"]).findings
        if findings:
            counts["flagged by the PID guard"] += 1
            counts.update(f"  guard: {finding.kind.value}" for finding in findings)
            continue
        if names_a_forename(row["text"]):
            counts["a forename on the guard's list"] += 1
            continue
        if names_a_reviewed_name(row["text"]):
            counts["a name found by review (REVIEWED_NAMES)"] += 1
            continue
        kept.append(row)
    return kept


def sample(rows: list[dict], counts: Counter) -> list[dict]:
    """Up to PER_LABEL rows of each label with at least MIN_PER_LABEL, drawn and shuffled with SEED."""
    rng = random.Random(SEED)
    by_label = defaultdict(list)
    for row in rows:
        by_label[row["theme"]].append(row)
    chosen = []
    for label in sorted(by_label):
        group = sorted(by_label[label], key=lambda row: int(row["id"].removeprefix("ffd-")))
        if len(group) < MIN_PER_LABEL:
            counts[f"label with under {MIN_PER_LABEL} texts: {label}"] += len(group)
            continue
        chosen.extend(rng.sample(group, min(PER_LABEL, len(group))))
    rng.shuffle(chosen)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="datasets/phase_1/text_data.csv from pxtextmining")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    source = read_rows(args.csv)
    counts = Counter()
    rows = sample(screen(source, counts), counts)
    with open(args.output, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    print(f"read {len(source)} rows from {args.csv}")
    for reason, count in counts.items():
        print(
            f"dropped {count:5d}: {reason}"
            if not reason.startswith("  ")
            else f"      {count:5d} {reason.strip()}"
        )
    for label, count in sorted(Counter(row["theme"] for row in rows).items()):
        print(f"kept {count:5d}: {label}")
    print(f"wrote {len(rows)} texts to {args.output} ({args.output.stat().st_size / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
