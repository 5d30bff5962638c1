"""Group texts into themes without being told how many, label each group, and place new texts.

Clustering is average-linkage agglomeration on cosine distance, cut at a distance threshold (so the
number of groups follows from the data), computed with the nearest-neighbour-chain algorithm in
O(n²) time and memory. Groups smaller than ``min_size`` join the closest larger group when they are
close enough, and otherwise stay apart as "unclustered" (-1). Beyond ``sample_limit`` texts a random
sample is clustered and the rest are assigned to the nearest group, as new concerns are.

Labels are key phrases by class-based TF-IDF (c-TF-IDF): words and two-word phrases frequent in the
group and rare across groups.
"""

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .model import normalise_rows
from .words import STOP_WORDS, words

UNCLUSTERED = -1
DEFAULT_THRESHOLD = 0.9
DEFAULT_MIN_SIZE = 5
SAMPLE_LIMIT = 6000


def average_linkage(vectors: np.ndarray) -> list[tuple[int, int, float]]:
    """Every merge (a, b, distance) of average-linkage clustering on cosine distance.

    Nearest-neighbour chain: follow nearest neighbours until two clusters are each other's nearest,
    merge them (the merged cluster keeps index ``a``), and update distances by Lance–Williams.
    """
    n = len(vectors)
    if n < 2:
        return []
    distance = 1.0 - (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(distance, np.inf)
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    merges: list[tuple[int, int, float]] = []
    chain: list[int] = []
    remaining = n
    while remaining > 1:
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        a = chain[-1]
        row = distance[a]
        b = int(np.argmin(row))
        if len(chain) > 1 and row[chain[-2]] <= row[b]:
            b = chain[-2]
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            merges.append((a, b, float(row[b])))
            merged = (sizes[a] * distance[a] + sizes[b] * distance[b]) / (sizes[a] + sizes[b])
            merged[~active] = np.inf
            merged[a] = np.inf
            distance[a, :] = merged
            distance[:, a] = merged
            distance[b, :] = np.inf
            distance[:, b] = np.inf
            sizes[a] += sizes[b]
            active[b] = False
            remaining -= 1
        else:
            chain.append(b)
    return merges


def cut(merges: list[tuple[int, int, float]], n: int, threshold: float) -> np.ndarray:
    """Flat labels 0..k-1 from the merges at or below ``threshold`` (union–find)."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, height in merges:
        if height <= threshold:
            parent[find(b)] = find(a)
    roots = [find(i) for i in range(n)]
    _, labels = np.unique(roots, return_inverse=True)
    return labels


def centroids_of(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The clusters' ids (ignoring unclustered) and their normalised centroids."""
    ids = np.array(sorted(set(labels.tolist()) - {UNCLUSTERED}), dtype=np.int64)
    if not len(ids):
        return ids, np.zeros((0, vectors.shape[1]), dtype=np.float32)
    sums = np.stack([vectors[labels == i].sum(axis=0) for i in ids])
    return ids, normalise_rows(sums).astype(np.float32)


def assign(
    vectors: np.ndarray, cluster_ids: np.ndarray, centroids: np.ndarray, threshold: float
) -> np.ndarray:
    """The nearest cluster of each vector, or UNCLUSTERED if none is within ``threshold`` (cosine distance)."""
    if not len(cluster_ids):
        return np.full(len(vectors), UNCLUSTERED, dtype=np.int64)
    return assign_by_similarity(vectors @ centroids.T, cluster_ids, threshold)


def assign_by_similarity(similarity: np.ndarray, cluster_ids: np.ndarray, threshold: float) -> np.ndarray:
    """``assign`` from each text's cosine similarity to each centroid (rows: texts, columns: clusters).

    A text with no content is 0 from every centroid, and joins none while the threshold is below 1."""
    if not len(cluster_ids):
        return np.full(len(similarity), UNCLUSTERED, dtype=np.int64)
    best = similarity.argmax(axis=1)
    close = similarity[np.arange(len(similarity)), best] >= 1.0 - threshold
    close &= np.abs(similarity).max(axis=1) > 0
    return np.where(close, cluster_ids[best], UNCLUSTERED)


def cluster_vectors(
    vectors: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    min_size: int = DEFAULT_MIN_SIZE,
    sample_limit: int = SAMPLE_LIMIT,
    seed: int = 0,
) -> np.ndarray:
    """Cluster labels 0..k-1 (largest first) or UNCLUSTERED, for normalised row vectors."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n > sample_limit:
        sample = np.random.default_rng(seed).choice(n, sample_limit, replace=False)
        sample_labels = cluster_vectors(vectors[sample], threshold, min_size, sample_limit, seed)
        ids, centroids = centroids_of(vectors[sample], sample_labels)
        return assign(vectors, ids, centroids, threshold)
    labels = cut(average_linkage(vectors), n, threshold)
    counts = np.bincount(labels)
    large = np.flatnonzero(counts >= min_size)
    small_members = np.isin(labels, large, invert=True)
    if len(large):
        centroids = normalise_rows(np.stack([vectors[labels == i].sum(axis=0) for i in large]))
        # Loose members join the nearest real group if they are no further than the cut allows.
        labels = np.where(small_members, UNCLUSTERED, labels)
        labels[small_members] = assign(vectors[small_members], large, centroids, threshold)
    else:
        labels = np.full(n, UNCLUSTERED, dtype=np.int64)
    return _renumber_by_size(labels)


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    counts = Counter(int(label) for label in labels if label != UNCLUSTERED)
    order = {label: rank for rank, (label, _) in enumerate(counts.most_common())}
    return np.array([order.get(int(label), UNCLUSTERED) for label in labels], dtype=np.int64)


def _phrases(text: str) -> list[str]:
    tokens = words(text)
    unigrams = [t for t in tokens if t not in STOP_WORDS and not t.isdigit() and len(t) > 2]
    bigrams = [
        f"{a} {b}"
        for a, b in zip(tokens, tokens[1:], strict=False)
        if a not in STOP_WORDS and b not in STOP_WORDS and not a.isdigit() and not b.isdigit()
    ]
    return unigrams + bigrams


def key_phrases(texts: list[str], labels: np.ndarray, top: int = 3) -> dict[int, list[str]]:
    """c-TF-IDF key phrases per cluster: tf(phrase, cluster) × log(1 + mean words per cluster / tf(phrase))."""
    per_cluster: dict[int, Counter[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        if label != UNCLUSTERED:
            per_cluster.setdefault(int(label), Counter()).update(_phrases(text))
    if not per_cluster:
        return {}
    overall: Counter[str] = Counter()
    for counts in per_cluster.values():
        overall.update(counts)
    average = sum(overall.values()) / len(per_cluster)
    result = {}
    for label, counts in per_cluster.items():
        total = sum(counts.values()) or 1
        scored = sorted(
            (
                # A two-word phrase as frequent as its words says more: it wins a tie.
                (round(count / total * math.log(1 + average / overall[phrase]), 9), phrase.count(" "), phrase)
                for phrase, count in counts.items()
            ),
            reverse=True,
        )
        chosen: list[str] = []
        for _, _, phrase in scored:
            # Prefer a two-word phrase to the words inside it.
            phrase_words = set(phrase.split())
            if any(phrase_words <= set(kept.split()) or set(kept.split()) <= phrase_words for kept in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == top:
                break
        result[label] = chosen
    return result


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray
    names: dict[int, str]
    cluster_ids: np.ndarray
    centroids: np.ndarray
    threshold: float

    def assign(self, vectors: np.ndarray) -> np.ndarray:
        return assign(vectors, self.cluster_ids, self.centroids, self.threshold)


def cluster_texts(
    texts: list[str],
    vectors: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    min_size: int = DEFAULT_MIN_SIZE,
) -> Clustering:
    """Cluster, label, and keep the centroids for assigning new texts later."""
    labels = cluster_vectors(vectors, threshold, min_size)
    phrases = key_phrases(texts, labels)
    names = {label: ", ".join(found) or f"Theme {label + 1}" for label, found in phrases.items()}
    names[UNCLUSTERED] = "Unclustered"
    ids, centroids = centroids_of(vectors, labels)
    return Clustering(labels=labels, names=names, cluster_ids=ids, centroids=centroids, threshold=threshold)
