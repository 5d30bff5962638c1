"""Clustering without k: the linkage against brute force, the cut, labels, and assigning new texts."""

import numpy as np
import pytest

from liaison.themes import services
from liaison.themes.text.clustering import (
    UNCLUSTERED,
    average_linkage,
    cluster_vectors,
    cut,
    key_phrases,
)
from liaison.themes.text.model import normalise_rows


def _brute_force_average_linkage(vectors):
    clusters = {i: [i] for i in range(len(vectors))}
    distance = 1 - vectors @ vectors.T
    heights = []
    while len(clusters) > 1:
        best = None
        for a in clusters:
            for b in clusters:
                if a < b:
                    d = distance[np.ix_(clusters[a], clusters[b])].mean()
                    if best is None or d < best[0]:
                        best = (d, a, b)
        d, a, b = best
        clusters[a] += clusters.pop(b)
        heights.append(d)
    return sorted(heights)


def test_nearest_neighbour_chain_gives_the_same_merges_as_brute_force():
    vectors = normalise_rows(np.random.default_rng(7).normal(size=(30, 5)))
    heights = sorted(height for _, _, height in average_linkage(vectors))
    np.testing.assert_allclose(heights, _brute_force_average_linkage(vectors), rtol=1e-9, atol=1e-9)


def test_the_cut_separates_well_separated_groups_without_being_told_how_many():
    rng = np.random.default_rng(3)
    centres = normalise_rows(rng.normal(size=(4, 16)))
    vectors = normalise_rows(np.repeat(centres, 10, axis=0) + rng.normal(scale=0.05, size=(40, 16)))
    labels = cluster_vectors(vectors, threshold=0.5, min_size=3)
    assert len(set(labels)) == 4
    for group in range(4):
        assert len(set(labels[group * 10 : (group + 1) * 10])) == 1


def test_small_groups_far_from_the_rest_are_unclustered():
    rng = np.random.default_rng(5)
    centre = normalise_rows(rng.normal(size=(1, 8)))
    group = normalise_rows(np.repeat(centre, 6, axis=0) + rng.normal(scale=0.02, size=(6, 8)))
    outlier = -centre
    labels = cluster_vectors(np.vstack([group, outlier]), threshold=0.3, min_size=3)
    assert list(labels[:6]) == [0] * 6
    assert labels[6] == UNCLUSTERED


def test_cut_at_zero_keeps_every_item_apart():
    vectors = normalise_rows(np.random.default_rng(1).normal(size=(5, 3)))
    assert sorted(cut(average_linkage(vectors), 5, 0.0)) == [0, 1, 2, 3, 4]


def test_key_phrases_prefer_words_distinctive_of_the_cluster():
    texts = [
        "discharge summary not received",
        "discharge summary late again",
        "no discharge summary sent",
        "fit note not issued",
        "fit note refused by ward",
        "asked GP for fit note",
    ]
    phrases = key_phrases(texts, np.array([0, 0, 0, 1, 1, 1]))
    assert phrases[0][0] == "discharge summary"
    assert phrases[1][0] == "fit note"


@pytest.mark.parametrize("fixture", ["static_model", "no_text_model"])
def test_texts_cluster_by_theme_and_new_texts_join_their_theme(request, fixture):
    request.getfixturevalue(fixture)
    texts = [
        *[f"No discharge summary received {n} days after the patient left the ward." for n in range(2, 8)],
        *[f"Patient asked to get a fit note from the GP after surgery, number {n}." for n in range(6)],
    ]
    clusters = services.texts_cluster(texts, min_size=3)
    labels = clusters.labels
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1
    assert labels[0] != labels[6]
    assert "discharge summary" in clusters.name(labels[0])
    assert "fit note" in clusters.name(labels[6])
    new = clusters.assign(["Discharge summary not received for a week after leaving the ward."])
    assert new == [labels[0]]


@pytest.mark.parametrize("fixture", ["static_model", "no_text_model"])
def test_fast_assignment_agrees_with_encoding_in_full(request, fixture):
    request.getfixturevalue(fixture)
    from .conftest import labelled_corpus

    texts = [row["text"] for row in labelled_corpus()]
    clusters = services.texts_cluster(texts[:200])
    new = [*texts[200:260], "", "!!!"]
    full = clusters.space.encode(new) @ clusters.clustering.centroids.T
    np.testing.assert_allclose(
        clusters.space.similarities(new, clusters.clustering.centroids), full, rtol=1e-4, atol=1e-5
    )
    assert clusters.assign(new) == [
        int(label) for label in clusters.clustering.assign(clusters.space.encode(new))
    ]
    assert clusters.assign(["", "!!!"]) == [UNCLUSTERED, UNCLUSTERED]
