"""Similar texts for "this happened to us too", and the speed of the calls the concern form makes."""

import sys

import pytest

from liaison.themes import services

from .conftest import labelled_corpus

CANDIDATES = [
    (101, "Discharge summary still not received after the patient went home from the surgical ward."),
    (102, "Patient asked to get a fit note from the GP after surgery."),
    (103, "Hospital asked the GP to take over prescribing methotrexate without shared care."),
]


@pytest.mark.parametrize("fixture", ["static_model", "no_text_model"])
def test_the_most_similar_candidate_comes_first_and_unrelated_ones_are_left_out(request, fixture):
    request.getfixturevalue(fixture)
    found = services.similar_texts(
        "No discharge summary received a week after the patient left the ward.", CANDIDATES
    )
    assert found and found[0][0] == 101
    assert services.SIMILAR_MIN_SCORE[services.text_model_status().kind] <= found[0][1] <= 1
    assert 103 not in [identifier for identifier, _ in found]


def test_limit_and_floor_are_respected(static_model):
    candidates = [(row["id"], row["text"]) for row in labelled_corpus()[:60]]
    query = "No discharge summary received a week after the patient left the ward."
    assert len(services.similar_texts(query, candidates, limit=2, min_score=0.0)) == 2
    found = services.similar_texts(query, candidates, limit=50)
    assert all(score >= services.SIMILAR_MIN_SCORE["static"] for _, score in found)
    assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)


def test_nothing_to_compare_gives_nothing(static_model):
    assert services.similar_texts("", CANDIDATES) == []
    assert services.similar_texts("discharge summary", []) == []
    assert services.similar_texts("!!!", CANDIDATES) == []


def test_similar_concerns_on_the_labelled_corpus_are_mostly_about_the_same_theme(static_model):
    rows = labelled_corpus()
    candidates = [(index, row["text"]) for index, row in enumerate(rows[:200])]
    same = total = 0
    for row in rows[200:260]:
        for index, _ in services.similar_texts(row["text"], candidates, limit=3):
            total += 1
            same += rows[index]["theme"] == row["theme"]
    assert total >= 30
    assert same / total >= 0.9


def test_suggesting_never_imports_torch(static_model):
    services.suggest_standards("Discharge summary not received")
    services.similar_texts("Discharge summary not received", CANDIDATES)
    assert "torch" not in sys.modules
