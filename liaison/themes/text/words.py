"""Words for TF-IDF and key phrases: lower-case word tokens, and the stop words neither counts."""

import re
from importlib import resources

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def _stop_words() -> frozenset[str]:
    text = resources.files("liaison.themes").joinpath("data/stop_words.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


STOP_WORDS = _stop_words()


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, with an apostrophe suffix kept: "patient's")."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """``words`` without stop words."""
    return [word for word in words(text) if word not in STOP_WORDS]
