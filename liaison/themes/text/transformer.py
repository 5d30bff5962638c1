"""A numpy forward pass of a BERT encoder (all-MiniLM-L6-v2), used only to build the static model.

Liaison never runs this on a request: ``liaison build_text_model`` runs it once over every
vocabulary token and keeps the result as a lookup table. It reads the ``model.safetensors`` weights
the model package ships with the ``safetensors`` numpy loader, so no torch is needed.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class BertConfig:
    hidden_size: int
    layers: int
    heads: int
    layer_norm_eps: float

    @classmethod
    def from_file(cls, path: Path) -> "BertConfig":
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"Unsupported activation {data.get('hidden_act')!r} in {path}")
        return cls(
            hidden_size=data["hidden_size"],
            layers=data["num_hidden_layers"],
            heads=data["num_attention_heads"],
            layer_norm_eps=data.get("layer_norm_eps", 1e-12),
        )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz and Stegun 7.1.26: absolute error below 1.5e-7, finer than float32 needs."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    polynomial = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - polynomial * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU that BERT uses."""
    return 0.5 * x * (1.0 + _erf(x / np.float32(math.sqrt(2.0))))


class BertEncoder:
    """BERT's embeddings and encoder layers over numpy arrays, with mean pooling as the model was trained."""

    def __init__(self, weights: dict[str, np.ndarray], config: BertConfig):
        self.w = {name.removeprefix("bert."): value for name, value in weights.items()}
        self.config = config

    @classmethod
    def from_directory(cls, directory: Path) -> "BertEncoder":
        from safetensors.numpy import load_file

        return cls(
            load_file(str(directory / "model.safetensors")), BertConfig.from_file(directory / "config.json")
        )

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # One 2-D matrix product over every position: numpy runs stacked products one by one.
        flat = x.reshape(-1, x.shape[-1]) @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states for a batch: ``ids`` and ``mask`` are (batch, length) arrays."""
        c = self.config
        batch, length = ids.shape
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], c.layer_norm_eps)
        head_size = c.hidden_size // c.heads
        # Padding positions get a large negative score so that softmax ignores them.
        attention_bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(x.dtype)
        for layer in range(c.layers):
            prefix = f"encoder.layer.{layer}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, c.heads, head_size).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, f"{prefix}.attention.self.query"))
            k = heads(self._linear(x, f"{prefix}.attention.self.key"))
            v = heads(self._linear(x, f"{prefix}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_size) + attention_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probabilities = np.exp(scores)
            probabilities /= probabilities.sum(axis=-1, keepdims=True)
            context = (probabilities @ v).transpose(0, 2, 1, 3).reshape(batch, length, c.hidden_size)
            x = self._residual_norm(context, x, f"{prefix}.attention.output")
            intermediate = _gelu(self._linear(x, f"{prefix}.intermediate.dense"))
            x = self._residual_norm(intermediate, x, f"{prefix}.output")
        return x

    def _residual_norm(self, h: np.ndarray, residual: np.ndarray, name: str) -> np.ndarray:
        """BERT's output block: dense projection, add the residual, layer norm."""
        return _layer_norm(
            self._linear(h, f"{name}.dense") + residual,
            self.w[f"{name}.LayerNorm.weight"],
            self.w[f"{name}.LayerNorm.bias"],
            self.config.layer_norm_eps,
        )

    def sentence_embeddings(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings: what sentence-transformers gives for this model."""
        states = self.hidden_states(ids, mask)
        weights = mask[:, :, None].astype(states.dtype)
        pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
