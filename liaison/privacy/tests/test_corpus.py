"""The PID guard against two corpora written for Liaison.

``clinical_corpus.txt``: hard negatives, sentences about interface problems with no
patient-identifiable data. None may be blocked; the few that warn are listed below with the reason.

``positive_corpus.txt``: sentences with labelled spans, ``[[kind:text]]``. Precision and recall are
measured per kind: a finding counts when it overlaps a labelled span of the same kind.
"""

from collections import Counter

import pytest

from liaison.privacy import Kind, Severity, scan_text
from liaison.privacy.tests.corpora import HARD_NEGATIVES, POSITIVES

# Hard negatives that warn, and why. Full dates warn by design (a full date may be a date of birth).
EXPECTED_HARD_NEGATIVE_WARNINGS = {
    "The clinic letter dated 14/02/2026 asked the GP to arrange the scan.": [Kind.FULL_DATE],
    "Discharge summary for the admission on 3 March 2026 has still not arrived.": [Kind.FULL_DATE],
    "The referral was rejected on 2026-01-19 with no reason given.": [Kind.FULL_DATE],
}

# Recall per kind on the positive corpus.
EXPECTED_RECALL = {kind: 1.0 for kind in Kind}


def test_corpora_are_big_enough():
    assert len(HARD_NEGATIVES) >= 150
    assert len(POSITIVES) >= 60
    assert len(set(HARD_NEGATIVES)) == len(HARD_NEGATIVES), "a hard negative is listed twice"
    labelled_kinds = Counter(kind for _, spans in POSITIVES for kind, _, _ in spans)
    assert set(labelled_kinds) == set(Kind)
    assert min(labelled_kinds.values()) >= 5


def test_no_hard_negative_is_blocked():
    blocked = {
        line: [(f.kind.value, line[f.start : f.end]) for f in scan_text(line).blocks]
        for line in HARD_NEGATIVES
        if scan_text(line).blocked
    }
    assert blocked == {}


def test_hard_negative_warnings_are_exactly_the_documented_ones():
    warned = {
        line: [finding.kind for finding in scan_text(line).warnings]
        for line in HARD_NEGATIVES
        if scan_text(line).warnings
    }
    assert warned == EXPECTED_HARD_NEGATIVE_WARNINGS
    assert len(warned) == 3


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _scores() -> dict[Kind, dict[str, int]]:
    counts = {kind: Counter() for kind in Kind}
    for text, spans in POSITIVES:
        findings = scan_text(text).findings
        for kind, start, end in spans:
            hit = any(f.kind is kind and _overlaps(f.start, f.end, start, end) for f in findings)
            counts[kind]["true_positive" if hit else "false_negative"] += 1
        for finding in findings:
            labelled = any(
                kind is finding.kind and _overlaps(finding.start, finding.end, start, end)
                for kind, start, end in spans
            )
            if not labelled:
                counts[finding.kind]["false_positive"] += 1
    return counts


@pytest.mark.parametrize("kind", list(Kind), ids=lambda kind: kind.value)
def test_precision_and_recall_per_kind(kind):
    counts = _scores()[kind]
    found = counts["true_positive"] + counts["false_positive"]
    labelled = counts["true_positive"] + counts["false_negative"]
    precision = counts["true_positive"] / found if found else 0.0
    recall = counts["true_positive"] / labelled
    assert precision == 1.0, f"{kind.value}: {counts}"
    assert recall == pytest.approx(EXPECTED_RECALL[kind]), f"{kind.value}: {counts}"


def test_positive_findings_carry_the_right_severity():
    for text, _ in POSITIVES:
        for finding in scan_text(text).findings:
            expected = (
                Severity.WARN if finding.kind in (Kind.PERSONAL_NAME, Kind.FULL_DATE) else Severity.BLOCK
            )
            assert finding.severity is expected


def test_labelled_block_spans_are_found_exactly():
    """For the kinds that block, the finding is the labelled span itself, not just near it."""
    misplaced = []
    for text, spans in POSITIVES:
        findings = {(f.kind, f.start, f.end) for f in scan_text(text).findings}
        for kind, start, end in spans:
            if kind not in (Kind.PERSONAL_NAME, Kind.FULL_DATE) and (kind, start, end) not in findings:
                misplaced.append((kind.value, text[start:end]))
    assert misplaced == []
