"""Suggested standards: quality on held-out labelled text, calibration, Codes of Conduct, the fallback."""

import numpy as np
import pytest

from liaison.standards.selectors import CodeOfConductInForce
from liaison.themes import services

from .conftest import labelled_corpus

# Floors for the labelled synthetic corpus (bench/data/themes_corpus.jsonl), none of which the
# suggester learns from: it knows only the standards' wording and the example phrasings in
# liaison/themes/data. The bench measures 0.91 top-1 and 0.97 top-3 with the full model.
TOP1_FLOOR = 0.8
TOP3_FLOOR = 0.92
FALLBACK_TOP3_FLOOR = 0.85


def _accuracy():
    rows = labelled_corpus()
    ranked = services.suggest_standards_many([row["text"] for row in rows], limit=3)
    top1 = np.mean([r[0][0] == row["standard"] for r, row in zip(ranked, rows, strict=True)])
    top3 = np.mean([row["standard"] in [code for code, _ in r] for r, row in zip(ranked, rows, strict=True)])
    confidence = np.mean([r[0][1] for r in ranked])
    return top1, top3, confidence


def test_suggestions_meet_the_quality_floor_on_held_out_labelled_text(static_model):
    top1, top3, confidence = _accuracy()
    assert top1 >= TOP1_FLOOR
    assert top3 >= TOP3_FLOOR
    # Calibrated: the mean confidence is within 0.15 of how often the first suggestion is right.
    assert abs(confidence - top1) <= 0.15


def test_the_tfidf_fallback_still_suggests_well_enough(no_text_model):
    _, top3, _ = _accuracy()
    assert top3 >= FALLBACK_TOP3_FLOOR


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("No discharge summary received a week after the patient left the ward.", "S02"),
        ("The hospital asked us to chase the MRI result they ordered.", "S05"),
        ("Patient asked to get a fit note from the GP after surgery.", "S07"),
        ("Hospital asked the GP to take over prescribing methotrexate without shared care.", "S09"),
    ],
)
def test_clear_texts_get_the_right_standard_first(static_model, text, code):
    ranked = services.suggest_standards(text)
    assert ranked[0][0] == code
    assert 0 < ranked[0][1] <= 1
    assert len(ranked) == 3
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)


def test_an_empty_text_gets_no_suggestion(static_model):
    assert services.suggest_standards("") == []
    assert services.suggest_standards("   ") == []
    assert services.suggest_standards_many(["!!!"])[0] == []


def test_suggestions_come_from_the_icbs_code_of_conduct_in_force(static_model):
    class Entry:
        def __init__(self, code, title, wording):
            self.code, self.title, self.wording = code, title, wording

    code = CodeOfConductInForce(
        day=None,
        standards=[
            Entry("S02", "Discharge summaries", "Send the discharge summary to the GP within 24 hours."),
            Entry("L-QYG-01", "Fit notes locally", "The trust issues every fit note the patient needs."),
        ],
    )
    ranked = services.suggest_standards(
        "Patient asked to get a fit note from the GP after surgery.", code_of_conduct=code
    )
    assert [c for c, _ in ranked] == ["L-QYG-01", "S02"]
