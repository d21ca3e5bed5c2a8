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


def filter_probs(probs: np.ndarray, params: SamplingParams) -> np.ndarray:
    """Zero what top-k and top-p exclude and renormalise; rows of `probs` must sum to 1."""
    probs = np.array(probs, dtype=np.float32, copy=True)
    vocab = probs.shape[-1]
    if params.top_k is not None and params.top_k < vocab:
        order = np.argsort(-probs, axis=-1, kind="stable")
        keep = np.zeros_like(probs, dtype=bool)
        np.put_along_axis(keep, order[:, : params.top_k], True, axis=-1)
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum(axis=-1, keepdims=True)
    if params.top_p is not None and params.top_p < 1.0:
        order = np.argsort(-probs, axis=-1, kind="stable")
        sorted_probs = np.take_along_axis(probs, order, axis=-1)
        before = np.cumsum(sorted_probs, axis=-1) - sorted_probs  # mass of the tokens ranked above
        keep_sorted = before < np.float32(params.top_p)
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum(axis=-1, keepdims=True)
    return probs


def sample(probs: np.ndarray, params: SamplingParams, rngs: list[np.random.Generator]) -> np.ndarray:
    """One token id per row; row i uses rngs[i] (one uniform draw per step)."""
    if params.greedy:
        return np.argmax(probs, axis=-1).astype(np.int32)
    filtered = filter_probs(probs, params)
    cdf = np.cumsum(filtered, axis=-1, dtype=np.float64)
    u = np.array([rng.random() for rng in rngs]) * cdf[:, -1]
    ids = np.array([np.searchsorted(cdf[i], u[i], side="right") for i in range(len(u))])
    ids = np.minimum(ids, probs.shape[-1] - 1)
    # Never land on a zero-probability token at the edge of a float rounding gap.
    bad = filtered[np.arange(len(ids)), ids] <= 0
    if bad.any():
        ids[bad] = np.argmax(filtered[bad], axis=-1)
    return ids.astype(np.int32)


def row_generators(seed: int | None, rows: int) -> list[np.random.Generator]:
    """Independent random streams for `rows` samples of one request; reproducible when seeded."""
    root = np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in root.spawn(rows)]
