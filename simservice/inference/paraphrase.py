"""SimBERT's gen_synonyms: sample continuations, drop duplicates and the input, rank by the encoder.

`ParaphraseJob` is one request's parameters; `rank_candidates` is the ranking half, shared by
every decoder that produces the candidates.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from simservice.inference.sampler import SamplingParams


@dataclasses.dataclass(frozen=True)
class ParaphraseJob:
    """One text to paraphrase: sample `n`, return the best `k` as (text, cosine to the input)."""

    text: str
    n: int = 32
    k: int = 8
    top_p: float | None = 0.95
    top_k: int | None = None
    temperature: float = 1.0
    max_length: int = 32
    mask_idxs: tuple[int, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {self.n}")
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.max_length < 1:
            raise ValueError(f"max_length must be >= 1, got {self.max_length}")
        self.sampling  # validates top_k / top_p / temperature

    @property
    def sampling(self) -> SamplingParams:
        return SamplingParams(top_k=self.top_k, top_p=self.top_p, temperature=self.temperature)


def unique_candidates(text: str, candidates: Sequence[str]) -> list[str]:
    """Candidates without duplicates (first occurrence kept), the input itself, or empty strings."""
    seen = {text}
    out = []
    for candidate in candidates:
        if candidate and candidate not in seen:
            seen.add(candidate)
            out.append(candidate)
    return out


def rank_candidates(text: str, candidates: list[str], vectors: np.ndarray, k: int) -> list[tuple[str, float]]:
    """Top `k` candidates by cosine to the input; `vectors` are unit rows, the input's first."""
    if not candidates:
        return []
    scores = vectors[1:] @ vectors[0]
    order = np.argsort(-scores, kind="stable")[:k]
    return [(candidates[i], float(scores[i])) for i in order]
