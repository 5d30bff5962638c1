"""Suggest the standard a concern is about, from its text.

Each standard is represented by its title and requirement and by a handful of example phrasings of
concerns about it (``liaison/themes/data/standard_phrasings.json``). A text's similarity to a
standard is the mean of its similarity to the standard's centroid and to the closest example. The
similarities become a confidence with a softmax whose temperature is fitted, leave-one-out, on the
example phrasings themselves: over many texts, a confidence of 0.8 should be right about 8 times in 10.
"""

from dataclasses import dataclass

import numpy as np

from .model import normalise_rows

TEMPERATURES = np.geomspace(0.005, 1.0, 60)
# A suggestion is never certain: confidences are capped so that none reads as 1.00.
MAX_CONFIDENCE = 0.99
# The softmax only says which standard is likeliest, not whether any fits. A text whose best raw
# similarity is below RELEVANT_FROM (about the 5th percentile of real concerns) has its confidences
# scaled down linearly, to nothing at IRRELEVANT_BELOW ("Lovely weather today" scores about 0.17).
RELEVANT_FROM = 0.2
IRRELEVANT_BELOW = 0.1


@dataclass(frozen=True)
class StandardText:
    code: str
    title: str
    wording: str
    phrasings: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        return [f"{self.title}. {self.wording}", *self.phrasings]


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


class StandardSuggester:
    """Ranks standards for texts, with calibrated confidences."""

    def __init__(self, model, standards: list[StandardText]):
        if not standards:
            raise ValueError("There are no standards to suggest from.")
        self.codes = [standard.code for standard in standards]
        texts, labels, is_phrasing = [], [], []
        for index, standard in enumerate(standards):
            for position, text in enumerate(standard.texts()):
                texts.append(text)
                labels.append(index)
                is_phrasing.append(position > 0)
        self.space = model.fitted(texts)
        self.examples = self.space.encode(texts)
        self.labels = np.array(labels)
        self.one_hot = np.eye(len(standards), dtype=np.float32)[self.labels]
        self.centroid_sums = self.one_hot.T @ self.examples
        self.centroids = normalise_rows(self.centroid_sums)
        self.temperature = self._fit_temperature(np.array(is_phrasing))

    def _scores(self, vectors: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
        example_similarity = vectors @ self.examples.T
        if exclude is None:
            centroid_similarity = vectors @ self.centroids.T
        else:
            # Leave each example out of its own standard's centroid and nearest example.
            rows = np.arange(len(vectors))
            example_similarity[rows, exclude] = -np.inf
            centroid_sums = np.repeat(self.centroid_sums[None], len(vectors), axis=0)
            centroid_sums[rows, self.labels[exclude]] -= self.examples[exclude]
            centroids = centroid_sums / np.maximum(
                np.linalg.norm(centroid_sums, axis=2, keepdims=True), 1e-12
            )
            centroid_similarity = np.einsum("nd,nsd->ns", vectors, centroids)
        nearest = np.full((len(vectors), len(self.codes)), -1.0, dtype=np.float32)
        for index in range(len(self.codes)):
            columns = self.labels == index
            nearest[:, index] = example_similarity[:, columns].max(axis=1)
        nearest = np.maximum(nearest, -1.0)
        return (centroid_similarity + nearest) / 2.0

    def _fit_temperature(self, is_phrasing: np.ndarray) -> float:
        held_out = np.flatnonzero(is_phrasing)
        if len(held_out) < len(self.codes):
            return 0.05
        scores = self._scores(self.examples[held_out], exclude=held_out)
        truth = self.labels[held_out]
        losses = [
            -np.log(np.maximum(_softmax(scores, t)[np.arange(len(truth)), truth], 1e-9)).mean()
            for t in TEMPERATURES
        ]
        return float(TEMPERATURES[int(np.argmin(losses))])

    def suggest(self, texts: list[str], limit: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, up to ``limit`` (code, confidence) pairs, best first; none for an empty text."""
        vectors = self.space.encode(texts)
        has_content = np.linalg.norm(vectors, axis=1) > 0
        scores = self._scores(vectors)
        relevance = np.clip(
            (scores.max(axis=1) - IRRELEVANT_BELOW) / (RELEVANT_FROM - IRRELEVANT_BELOW), 0.0, 1.0
        )
        probabilities = _softmax(scores, self.temperature) * relevance[:, None]
        results = []
        for row, present in zip(probabilities, has_content, strict=True):
            if not present:
                results.append([])
                continue
            order = np.argsort(-row)[:limit]
            results.append([(self.codes[i], round(min(float(row[i]), MAX_CONFIDENCE), 3)) for i in order])
        return results
