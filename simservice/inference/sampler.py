"""Choosing the next token from float32 probabilities: greedy, top-k, top-p, temperature.

Samplers are separate from the model: they only decide how a token is picked. Each row
draws from its own random stream (a seed per row), so a seeded request samples the same
tokens whether it runs alone or in a batch with other requests.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class SamplingParams:
    """top_k=1 is greedy; top_p keeps the smallest set of most likely tokens whose mass is >= top_p."""

    top_k: int | None = None
    top_p: float | None = None
    temperature: float = 1.0

    def __post_init__(self) -> None:
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if not self.temperature > 0.0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")

    @property
    def greedy(self) -> bool:
        return self.top_k == 1


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax in float32 of logits / temperature."""
    z = np.asarray(logits, dtype=np.float32) / np.float32(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _kept_sorted(probs: np.ndarray, params: SamplingParams) -> tuple[np.ndarray, np.ndarray]:
    """Token order (most likely first) and the kept, unnormalised probabilities in that order."""
    order = np.argsort(-probs, axis=-1)
    kept = np.take_along_axis(probs, order, axis=-1).astype(np.float32)
    if params.top_k is not None:
        kept[:, params.top_k:] = 0.0
    if params.top_p is not None and params.top_p < 1.0:
        total = kept.sum(axis=-1, keepdims=True)
        before = (np.cumsum(kept, axis=-1) - kept) / total  # mass ranked above each token
        kept[before >= np.float32(params.top_p)] = 0.0
    return order, kept


def filter_probs(probs: np.ndarray, params: SamplingParams) -> np.ndarray:
    """`probs` with what top-k and then top-p exclude zeroed, renormalised; rows must sum to 1."""
    order, kept = _kept_sorted(np.asarray(probs, dtype=np.float32), params)
    out = np.zeros_like(kept)
    np.put_along_axis(out, order, kept, axis=-1)
    return out / out.sum(axis=-1, keepdims=True)


def sample(probs: np.ndarray, params: SamplingParams, rngs: list[np.random.Generator]) -> np.ndarray:
    """One token id per row; row i uses rngs[i] (one uniform draw per step)."""
    if params.greedy:
        return np.argmax(probs, axis=-1).astype(np.int32)
    order, kept = _kept_sorted(np.asarray(probs, dtype=np.float32), params)
    cdf = np.cumsum(kept, axis=-1, dtype=np.float64)
    u = np.array([rng.random() for rng in rngs]) * cdf[:, -1]
    rank = (cdf <= u[:, None]).sum(axis=-1)
    # Never land on a zero-probability rank at the edge of a float rounding gap.
    rank = np.minimum(rank, (kept > 0).sum(axis=-1) - 1)
    return order[np.arange(len(rank)), rank].astype(np.int32)


def row_generators(seed: int | None, rows: int) -> list[np.random.Generator]:
    """Independent random streams for `rows` samples of one request; reproducible when seeded."""
    root = np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in root.spawn(rows)]
