"""Loading the two corpora that the corpus and property tests share."""

import re
from pathlib import Path

from liaison.privacy import Kind

HERE = Path(__file__).resolve().parent
LABEL = re.compile(r"\[\[(\w+):(.*?)\]\]")


def corpus_lines(name: str) -> list[str]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def parse_labelled(line: str) -> tuple[str, list[tuple[Kind, int, int]]]:
    """The sentence without its marks, and the labelled spans as (kind, start, end)."""
    text, spans, position = "", [], 0
    for match in LABEL.finditer(line):
        text += line[position : match.start()]
        start = len(text)
        text += match.group(2)
        spans.append((Kind(match.group(1)), start, len(text)))
        position = match.end()
    return text + line[position:], spans


HARD_NEGATIVES = corpus_lines("clinical_corpus.txt")
POSITIVES = [parse_labelled(line) for line in corpus_lines("positive_corpus.txt")]
