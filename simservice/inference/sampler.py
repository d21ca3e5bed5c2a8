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


# Sorting a whole vocabulary per step costs more than a small model's forward pass; a trained
# model's nucleus is usually a handful of tokens, so rows first try the most likely few.
_SHORTLIST = 64


def _nucleus(probs: np.ndarray, params: SamplingParams) -> tuple[np.ndarray, np.ndarray]:
    """Token order (most likely first) and the kept, unnormalised probabilities in that order,
    for rows whose kept tokens all rank within the columns returned."""
    order = np.argsort(-probs, axis=-1)
    kept = np.take_along_axis(probs, order, axis=-1)
    if params.top_k is not None:
        kept[:, params.top_k:] = 0.0
    if params.top_p is not None and params.top_p < 1.0:
        total = kept.sum(axis=-1, keepdims=True)
        before = (np.cumsum(kept, axis=-1) - kept) / total  # mass ranked above each token
        kept[before >= np.float32(params.top_p)] = 0.0
    return order, kept


def _candidates(probs: np.ndarray, params: SamplingParams):
    """(rows, order, kept) groups covering every row: a shortlist where it holds the nucleus
    (decided per row, so a row's tokens never depend on the other rows), else the full sort."""
    vocab = probs.shape[-1]
    if params.top_k is None and (params.top_p is None or params.top_p >= 1.0):  # plain sampling
        return [(np.arange(len(probs)), np.broadcast_to(np.arange(vocab), probs.shape), probs)]
    width = min(vocab, params.top_k if params.top_k is not None else _SHORTLIST)
    if width >= vocab:
        return [(np.arange(len(probs)), *_nucleus(probs, params))]
    top = np.argpartition(-probs, width - 1, axis=-1)[:, :width]
    order, kept = _nucleus(np.take_along_axis(probs, top, axis=-1), params)
    order = np.take_along_axis(top, order, axis=-1)
    if params.top_k is not None:
        return [(np.arange(len(probs)), order, kept)]
    # Shortlist mass relative to the whole row: enough when it reaches top_p.
    enough = np.take_along_axis(probs, order, axis=-1).sum(axis=-1) >= params.top_p * probs.sum(axis=-1)
    groups = [(np.flatnonzero(enough), order[enough], kept[enough])]
    if not enough.all():
        slow = np.flatnonzero(~enough)
        groups.append((slow, *_nucleus(probs[slow], params)))
    return groups


def filter_probs(probs: np.ndarray, params: SamplingParams) -> np.ndarray:
    """`probs` with what top-k and then top-p exclude zeroed, renormalised; rows must sum to 1."""
    probs = np.asarray(probs, dtype=np.float32)
    out = np.zeros_like(probs)
    for rows, order, kept in _candidates(probs, params):
        block = np.zeros((len(rows), probs.shape[-1]), np.float32)
        np.put_along_axis(block, order, kept, axis=-1)
        out[rows] = block
    return out / out.sum(axis=-1, keepdims=True)


def sample(probs: np.ndarray, params: SamplingParams, rngs: list[np.random.Generator]) -> np.ndarray:
    """One token id per row; row i uses rngs[i] (one uniform draw per step)."""
    probs = np.asarray(probs, dtype=np.float32)
    if params.greedy:
        return np.argmax(probs, axis=-1).astype(np.int32)
    u = np.array([rng.random() for rng in rngs])
    out = np.zeros(len(probs), np.int32)
    for rows, order, kept in _candidates(probs, params):
        cdf = np.cumsum(kept, axis=-1, dtype=np.float64)
        rank = (cdf <= (u[rows] * cdf[:, -1])[:, None]).sum(axis=-1)
        # Never land on a zero-probability rank at the edge of a float rounding gap.
        rank = np.minimum(rank, (kept > 0).sum(axis=-1) - 1)
        out[rows] = order[np.arange(len(rows)), rank]
    return out


def row_generators(seed: int | None, rows: int) -> list[np.random.Generator]:
    """Independent random streams for `rows` samples of one request; reproducible when seeded."""
    root = np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in root.spawn(rows)]
