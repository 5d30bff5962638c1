"""Text to vectors: the static sentence model when it has been built, TF-IDF when it has not.

The static model is a table with one vector per WordPiece token (see ``build.py``); a text's vector
is the mean of its tokens' rows, normalised. Loading is lazy and never raises: if the table is
missing or unreadable Liaison logs why, reports it in ``text_model_status()`` and answers with
TF-IDF over the texts at hand instead.
"""

import json
import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tokenizer import WordPieceTokenizer
from .words import content_words

logger = logging.getLogger("liaison.themes")

MODEL_FORMAT = 1
VECTORS_FILE = "vectors.npy"
VOCABULARY_FILE = "vocab.txt"
METADATA_FILE = "model.json"


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class StaticModel:
    """Token-table sentence embeddings: mean of the tokens' vectors, L2-normalised."""

    kind = "static"
    is_fallback = False

    def __init__(self, tokenizer: WordPieceTokenizer, vectors: np.ndarray, metadata: dict):
        self.tokenizer = tokenizer
        self.vectors = vectors
        self.metadata = metadata
        self.dimensions = vectors.shape[1]

    def fitted(self, corpus: list[str]) -> "StaticModel":
        """The static model needs no fitting: the same space serves every corpus."""
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text; a text with no known token gets a zero row."""
        token_lists = [self.tokenizer.encode(text) for text in texts]
        lengths = np.fromiter((len(ids) for ids in token_lists), dtype=np.int64, count=len(token_lists))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not lengths.sum():
            return out
        flat = np.fromiter((i for ids in token_lists for i in ids), dtype=np.int64, count=int(lengths.sum()))
        present = lengths > 0
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))[present]
        out[present] = np.add.reduceat(self.vectors[flat], offsets, axis=0) / lengths[present, None]
        return normalise_rows(out)


class TfidfModel:
    """TF-IDF (sublinear term frequency, smoothed IDF, unigrams and bigrams) fitted to a corpus.

    Used when the static model is not available. It only knows the words of the corpus it was fitted
    on, so it is fitted afresh for each question (the standards' phrasings, or the texts clustered).
    """

    kind = "tfidf"
    is_fallback = True

    def __init__(self, vocabulary: dict[str, int] | None = None, idf: np.ndarray | None = None):
        self.vocabulary = vocabulary or {}
        self.idf = idf if idf is not None else np.zeros(0, dtype=np.float32)
        self._idf = self.idf.tolist()  # plain floats: indexing numpy one value at a time is slow

    @staticmethod
    def terms(text: str) -> list[str]:
        tokens = content_words(text)
        return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]

    def fitted(self, corpus: list[str], recentre: bool = False, max_terms: int = 8192) -> "TfidfModel":
        document_frequency: Counter[str] = Counter()
        for text in corpus:
            document_frequency.update(set(self.terms(text)))
        kept = [term for term, _ in document_frequency.most_common(max_terms)]
        vocabulary = {term: index for index, term in enumerate(kept)}
        count = len(corpus)
        idf = np.array(
            [math.log((1 + count) / (1 + document_frequency[term])) + 1.0 for term in kept], dtype=np.float32
        )
        return TfidfModel(vocabulary, idf)

    @property
    def dimensions(self) -> int:
        return len(self.vocabulary)

    def sparse(self, texts: list[str]) -> tuple[list[int], list[int], list[float]]:
        """(rows, columns, weights) of the texts' normalised TF-IDF vectors, without building them."""
        rows: list[int] = []
        columns: list[int] = []
        weights: list[float] = []
        vocabulary, idf = self.vocabulary, self._idf
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            for term in self.terms(text):
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if counts:
                entry_weights = [(1.0 + math.log(count)) * idf[column] for column, count in counts.items()]
                norm = math.sqrt(sum(weight * weight for weight in entry_weights))
                rows.extend([row] * len(counts))
                columns.extend(counts)
                weights.extend(weight / norm for weight in entry_weights)
        return rows, columns, weights

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), max(self.dimensions, 1)), dtype=np.float32)
        rows, columns, weights = self.sparse(texts)
        out[rows, columns] = weights
        return out

    def similarities(self, texts: list[str], matrix: np.ndarray) -> np.ndarray:
        """``encode(texts) @ matrix.T`` without the dense vectors: fast enough for one text at a time."""
        return self.sparse_similarities(self.sparse(texts), len(texts), matrix)

    @staticmethod
    def sparse_similarities(sparse: tuple[list, list, list], count: int, matrix: np.ndarray) -> np.ndarray:
        rows, columns, weights = sparse
        out = np.zeros((count, matrix.shape[0]), dtype=np.float32)
        if columns:
            np.add.at(out, rows, matrix[:, columns].T * np.asarray(weights, dtype=np.float32)[:, None])
        return out


class HybridModel:
    """The sentence model and TF-IDF side by side: meaning from one, exact words from the other.

    Sentence vectors are centred on ``centre``, the mean vector of typical interface-concern text
    (common-component removal: every sentence vector shares a direction that says nothing about its
    topic), so similarities are comparable however few texts are at hand. TF-IDF is fitted to the
    texts at hand. Each half is normalised, then the two are concatenated and normalised again.
    """

    kind = "static"
    is_fallback = False

    def __init__(self, static: StaticModel, centre: np.ndarray, tfidf: TfidfModel | None = None):
        self.static = static
        self.centre = centre.astype(np.float32)
        self.tfidf = tfidf

    def fitted(self, corpus: list[str], recentre: bool = False) -> "HybridModel":
        """Fit TF-IDF to ``corpus``; with ``recentre``, centre on the corpus's own mean (for clustering a
        large corpus, where its mean is the better common component)."""
        centre = self.static.encode(corpus).mean(axis=0) if recentre and corpus else self.centre
        return HybridModel(self.static, centre, TfidfModel().fitted(corpus))

    def _sentences(self, texts: list[str]) -> np.ndarray:
        if self.tfidf is None:
            raise ValueError("Fit the model to a corpus first.")
        sentence = self.static.encode(texts)
        present = np.linalg.norm(sentence, axis=1, keepdims=True) > 0
        return normalise_rows((sentence - self.centre) * present)

    def encode(self, texts: list[str]) -> np.ndarray:
        return normalise_rows(np.hstack([self._sentences(texts), self.tfidf.encode(texts)]))

    def similarities(self, texts: list[str], matrix: np.ndarray) -> np.ndarray:
        """``encode(texts) @ matrix.T`` computed half by half, without building the long vectors."""
        sentences = self._sentences(texts)
        split = self.static.dimensions
        sparse = self.tfidf.sparse(texts)
        keywords = TfidfModel.sparse_similarities(sparse, len(texts), matrix[:, split:])
        has_keywords = np.zeros(len(texts), dtype=np.float32)
        has_keywords[sparse[0]] = 1.0
        # Each half of an encoded vector is a unit vector or zero, so its length is sqrt(halves present).
        halves = (np.linalg.norm(sentences, axis=1) > 0) + has_keywords
        return (sentences @ matrix[:, :split].T + keywords) / np.sqrt(np.maximum(halves, 1.0))[:, None]


@dataclass(frozen=True)
class TextModelStatus:
    """What analysts see about text understanding: which model answers, and why."""

    kind: str  # "static" or "tfidf"
    directory: str
    reason: str = ""
    metadata: dict | None = None

    @property
    def is_fallback(self) -> bool:
        return self.kind != "static"

    @property
    def summary(self) -> str:
        if not self.is_fallback:
            meta = self.metadata or {}
            return (
                f"Sentence model built from {meta.get('source', 'all-MiniLM-L6-v2')} "
                f"({meta.get('dimensions')} dimensions, {meta.get('vocabulary_size')} tokens)."
            )
        return f"Keyword matching (TF-IDF) is in use: {self.reason}"


_lock = threading.Lock()
# Directory → (metadata file's modification time, model, status): a rebuilt model is re-read.
_loaded: dict[str, tuple[int | None, StaticModel | None, TextModelStatus]] = {}


def _read(directory: Path) -> StaticModel:
    metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    if metadata.get("format") != MODEL_FORMAT:
        raise ValueError(f"model format {metadata.get('format')!r}, expected {MODEL_FORMAT}")
    tokenizer = WordPieceTokenizer.from_file(directory / VOCABULARY_FILE)
    vectors = np.load(directory / VECTORS_FILE)
    if vectors.ndim != 2 or vectors.shape[0] != len(tokenizer.vocabulary):
        raise ValueError(f"vectors of shape {vectors.shape} do not match {len(tokenizer.vocabulary)} tokens")
    return StaticModel(tokenizer, np.ascontiguousarray(vectors, dtype=np.float32), metadata)


def load_static_model(directory: Path) -> tuple[StaticModel | None, TextModelStatus]:
    """The static model in ``directory`` (re-read when it has been rebuilt), or None and the reason."""
    try:
        modified = (directory / METADATA_FILE).stat().st_mtime_ns
    except OSError:
        modified = None
    with _lock:
        cached = _loaded.get(str(directory))
        if cached is not None and cached[0] == modified:
            return cached[1], cached[2]
        model = None
        if modified is None:
            reason = "the sentence model has not been built (run liaison build_text_model)."
            status = TextModelStatus(kind="tfidf", directory=str(directory), reason=reason)
        else:
            try:
                model = _read(directory)
            except (OSError, ValueError, KeyError) as error:
                reason = f"the sentence model could not be read ({error}); rebuild it with liaison build_text_model."
                status = TextModelStatus(kind="tfidf", directory=str(directory), reason=reason)
            else:
                status = TextModelStatus(kind="static", directory=str(directory), metadata=model.metadata)
        if status.is_fallback:
            logger.warning("Text understanding falls back to TF-IDF: %s", status.reason)
        else:
            logger.info("Text understanding uses the sentence model in %s", directory)
        _loaded[str(directory)] = (modified, model, status)
        return model, status
