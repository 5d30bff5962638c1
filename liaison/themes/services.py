"""Text understanding for concerns: suggested standards, similar texts, clusters, and the model behind them.

Nothing here stores concern text. Callers pass text that has already been through the PID guard
(the htmx suggestion view does this itself, and refuses blocked text). Every function answers even
when the sentence model has not been built: it falls back to TF-IDF and ``text_model_status()``
says so.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from django.conf import settings

from liaison.standards.baseline import BASELINE

from .text.build import BuildReport, build_static_model
from .text.clustering import (
    DEFAULT_MIN_SIZE,
    DEFAULT_THRESHOLD,
    UNCLUSTERED,
    Clustering,
    assign_by_similarity,
    cluster_texts,
)
from .text.model import HybridModel, StaticModel, TextModelStatus, TfidfModel, load_static_model
from .text.suggest import StandardSuggester, StandardText

MODEL_SUBDIRECTORY = Path("themes") / "text-model"
# Below this similarity a candidate is not offered as similar. On the labelled corpus about 9 in 10
# pairs above the floor are about the same theme (bench/themes.py measures it); TF-IDF scores run lower.
SIMILAR_MIN_SCORE = {"static": 0.45, "tfidf": 0.35}
# One unfitted TF-IDF model, so that cached suggesters are keyed by the same object.
_FALLBACK = TfidfModel()


def text_model_directory() -> Path:
    """Where the static model lives: ``THEMES_TEXT_MODEL_DIR`` if set, else under ``LIAISON_VAR_DIR``."""
    configured = getattr(settings, "THEMES_TEXT_MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / MODEL_SUBDIRECTORY


def text_model() -> tuple[HybridModel | TfidfModel, TextModelStatus]:
    """The model that answers now (the sentence model with keywords, or TF-IDF alone) and its status.

    Either must be ``fitted`` to the texts at hand before it encodes.
    """
    model, status = load_static_model(text_model_directory())
    return (_hybrid(model) if model is not None else _FALLBACK), status


@lru_cache(maxsize=4)
def _hybrid(model: StaticModel) -> HybridModel:
    # The centre is the mean of the standards' wording and example phrasings: interface-concern text.
    reference = [text for standard in _standard_texts(None) for text in standard.texts()]
    return HybridModel(model, centre=model.encode(reference).mean(axis=0))


def text_model_status() -> TextModelStatus:
    """Which model answers, and why: shown to analysts."""
    return text_model()[1]


def text_model_build(
    *,
    directory: str | Path | None = None,
    dimensions: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build the static model from the installed model package into ``directory`` (default: the cache)."""
    return build_static_model(
        target=Path(directory) if directory else text_model_directory(),
        dimensions=dimensions,
        progress=progress,
    )


# --- Standards -------------------------------------------------------------------------------


@cache
def standard_phrasings() -> dict[str, tuple[str, ...]]:
    """Example phrasings of concerns about each national standard, by code."""
    raw = (
        resources.files("liaison.themes").joinpath("data/standard_phrasings.json").read_text(encoding="utf-8")
    )
    return {code: tuple(texts) for code, texts in json.loads(raw).items()}


def _standard_texts(code_of_conduct) -> tuple[StandardText, ...]:
    phrasings = standard_phrasings()
    if code_of_conduct is None:
        items = [(s.code, s.title, s.requirement) for s in BASELINE]
    else:
        items = [(s.code, s.title, s.wording) for s in code_of_conduct.standards]
    return tuple(
        StandardText(code=code, title=title, wording=wording, phrasings=phrasings.get(code, ()))
        for code, title, wording in items
    )


@lru_cache(maxsize=32)
def _suggester(model, standards: tuple[StandardText, ...]) -> StandardSuggester:
    return StandardSuggester(model, list(standards))


def standard_suggester(*, code_of_conduct=None) -> StandardSuggester:
    """The suggester for the national baseline, or for an ICB's Code in force (a ``CodeOfConductInForce``)."""
    model, _ = text_model()
    return _suggester(model, _standard_texts(code_of_conduct))


def suggest_standards(text: str, *, code_of_conduct=None, limit: int = 3) -> list[tuple[str, float]]:
    """Up to ``limit`` (standard code, confidence 0–1) pairs for ``text``, best first.

    ``code_of_conduct`` is the ``CodeOfConductInForce`` for the reporter's ICB (from
    ``liaison.standards.selectors.code_of_conduct_for``); without it, the national baseline. An empty
    or unreadable text gets no suggestions. A suggestion is only ever offered: never apply it for the user.
    """
    if not (text or "").strip():
        return []
    return standard_suggester(code_of_conduct=code_of_conduct).suggest([text], limit=limit)[0]


def suggest_standards_many(texts: list[str], *, limit: int = 1) -> list[list[tuple[str, float]]]:
    """``suggest_standards`` for many texts at once, against the national baseline (for commands and bench)."""
    return standard_suggester().suggest(texts, limit=limit)


# --- Similar texts and clusters --------------------------------------------------------------


def similar_texts(
    text: str, candidates: Iterable[tuple[object, str]], limit: int = 5, min_score: float | None = None
) -> list[tuple[object, float]]:
    """The candidates most like ``text``, as (id, similarity 0–1), best first, above a floor.

    ``candidates`` are (id, text) pairs, for example the open concerns the reporter may see.
    """
    candidates = list(candidates)
    if not (text or "").strip() or not candidates:
        return []
    model, status = text_model()
    texts = [text, *(candidate_text for _, candidate_text in candidates)]
    vectors = model.fitted(texts).encode(texts)
    if not np.linalg.norm(vectors[0]):
        return []
    similarity = vectors[1:] @ vectors[0]
    floor = SIMILAR_MIN_SCORE[status.kind] if min_score is None else min_score
    order = np.argsort(-similarity)[:limit]
    return [
        (candidates[i][0], round(float(np.clip(similarity[i], 0.0, 1.0)), 3))
        for i in order
        if similarity[i] >= floor
    ]


@dataclass(frozen=True)
class TextClusters:
    """Clusters of texts: each text's cluster (-1 for unclustered) and each cluster's label."""

    clustering: Clustering
    model_kind: str
    space: HybridModel | TfidfModel

    @property
    def labels(self) -> list[int]:
        return [int(label) for label in self.clustering.labels]

    def name(self, label: int) -> str:
        return self.clustering.names.get(label, "Unclustered")

    def assign(self, texts: list[str]) -> list[int]:
        """Place new texts in the existing clusters (or -1), without re-clustering; fast one at a time."""
        similarity = self.space.similarities(texts, self.clustering.centroids)
        labels = assign_by_similarity(similarity, self.clustering.cluster_ids, self.clustering.threshold)
        return [int(label) for label in labels]


# Tuned on the synthetic corpus in bench/data (see bench/themes.py): TF-IDF vectors are sparser,
# so the same texts sit further apart and the cut is looser.
CLUSTER_THRESHOLD = {"static": DEFAULT_THRESHOLD, "tfidf": 0.95}
RECENTRE_FROM = 50


def texts_cluster(
    texts: list[str], *, threshold: float | None = None, min_size: int = DEFAULT_MIN_SIZE
) -> TextClusters:
    """Cluster ``texts`` without a number of clusters; see ``liaison.themes.text.clustering``."""
    model, status = text_model()
    # A corpus large enough has its own common component; a handful of texts keeps the reference one.
    space = model.fitted(texts, recentre=len(texts) >= RECENTRE_FROM)
    vectors = space.encode(texts)
    clustering = cluster_texts(
        texts,
        vectors,
        threshold=CLUSTER_THRESHOLD[status.kind] if threshold is None else threshold,
        min_size=min_size,
    )
    return TextClusters(clustering=clustering, model_kind=status.kind, space=space)


__all__ = [
    "UNCLUSTERED",
    "similar_texts",
    "standard_phrasings",
    "suggest_standards",
    "suggest_standards_many",
    "text_model",
    "text_model_build",
    "text_model_directory",
    "text_model_status",
    "texts_cluster",
]
