"""BERT's uncased WordPiece tokenizer in pure Python, reading the vocabulary the model ships.

It reproduces ``BertTokenizer`` with ``do_lower_case=True`` (the settings all-MiniLM-L6-v2 was
trained with): control characters dropped, Chinese characters and punctuation split off, text
lower-cased and accents stripped, then each word split greedily into the longest pieces in the
vocabulary (``##`` marks a piece that continues a word). A word of more than 100 characters, or one
that cannot be split, becomes ``[UNK]``.

Speed: concern text repeats the same words, so the pieces of each whitespace-separated chunk are
cached; a warm cache tokenizes tens of thousands of short texts a second.
"""

import re
import unicodedata
from pathlib import Path

UNKNOWN = "[UNK]"
CLS = "[CLS]"
SEP = "[SEP]"
MAX_WORD_CHARACTERS = 100
_CACHE_LIMIT = 200_000

# ASCII control characters that BERT drops; tab, newline and carriage return are whitespace.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_PUNCTUATION = frozenset(
    chr(c) for c in [*range(33, 48), *range(58, 65), *range(91, 97), *range(123, 127)]
)


def _is_cjk(codepoint: int) -> bool:
    return (
        0x4E00 <= codepoint <= 0x9FFF
        or 0x3400 <= codepoint <= 0x4DBF
        or 0x20000 <= codepoint <= 0x2A6DF
        or 0x2A700 <= codepoint <= 0x2B73F
        or 0x2B740 <= codepoint <= 0x2B81F
        or 0x2B820 <= codepoint <= 0x2CEAF
        or 0xF900 <= codepoint <= 0xFAFF
        or 0x2F800 <= codepoint <= 0x2FA1F
    )


def _is_punctuation(character: str) -> bool:
    return character in _ASCII_PUNCTUATION or unicodedata.category(character).startswith("P")


def _clean_unicode(text: str) -> str:
    """BERT's text cleaning for non-ASCII text: drop control and format characters, unify whitespace."""
    out = []
    for character in text:
        codepoint = ord(character)
        if codepoint == 0 or codepoint == 0xFFFD:
            continue
        category = unicodedata.category(character)
        if character in "\t\n\r" or category == "Zs":
            out.append(" ")
        elif category in ("Cc", "Cf"):
            continue
        elif _is_cjk(codepoint):
            out.append(f" {character} ")
        else:
            out.append(character)
    return "".join(out)


def basic_words(chunk: str) -> list[str]:
    """One whitespace-free chunk, lower-cased, accents stripped, punctuation split off."""
    chunk = chunk.lower()
    if not chunk.isascii():
        chunk = "".join(c for c in unicodedata.normalize("NFD", chunk) if unicodedata.category(c) != "Mn")
    words: list[str] = []
    current: list[str] = []
    for character in chunk:
        if _is_punctuation(character):
            if current:
                words.append("".join(current))
                current = []
            words.append(character)
        else:
            current.append(character)
    if current:
        words.append("".join(current))
    return words


class WordPieceTokenizer:
    """Text to WordPiece token ids with the model's vocabulary (one token a line, the line number is the id)."""

    def __init__(self, vocabulary: list[str]):
        self.vocabulary = vocabulary
        self.ids = {token: index for index, token in enumerate(vocabulary)}
        self.unknown_id = self.ids[UNKNOWN]
        self.cls_id = self.ids[CLS]
        self.sep_id = self.ids[SEP]
        self._chunks: dict[str, tuple[int, ...]] = {}

    @classmethod
    def from_file(cls, path: Path) -> "WordPieceTokenizer":
        with open(path, encoding="utf-8") as handle:
            return cls([line.rstrip("\n") for line in handle])

    def _word_pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARACTERS:
            return [self.unknown_id]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.ids.get(candidate)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unknown_id]
            pieces.append(found)
            start = end
        return pieces

    def _chunk_ids(self, chunk: str) -> tuple[int, ...]:
        cached = self._chunks.get(chunk)
        if cached is None:
            ids: list[int] = []
            for word in basic_words(chunk):
                ids.extend(self._word_pieces(word))
            cached = tuple(ids)
            if len(self._chunks) >= _CACHE_LIMIT:
                self._chunks.clear()
            self._chunks[chunk] = cached
        return cached

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, without [CLS] and [SEP]."""
        text = _ASCII_CONTROL.sub("", text)
        if not text.isascii():
            text = _clean_unicode(text)
        ids: list[int] = []
        for chunk in text.split():
            ids.extend(self._chunk_ids(chunk))
        return ids

    def tokenize(self, text: str) -> list[str]:
        """The WordPiece tokens of ``text`` (for tests and for reading)."""
        return [self.vocabulary[i] for i in self.encode(text)]
