"""SimBERT's gen_synonyms: sample continuations, drop duplicates and the input, rank by the encoder.

`ParaphraseJob` is one request, checked once where it is made (`SimPipeline.paraphrase_job`):
it carries its token ids and `SamplingParams`, so nothing downstream tokenizes or checks it
again. `rank_candidates` is the ranking half, shared by every decoder that produces candidates.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from simservice.inference.sampler import SamplingParams


@dataclasses.dataclass(frozen=True)
class ParaphraseJob:
    """One text to paraphrase: continue `prompt_ids` n times, return the best k by cosine to the input."""

    text: str  # the input as decoded from source_ids' tokens (candidates equal to it are dropped)
    source_ids: tuple[int, ...]  # [CLS] text [SEP]: the input as the ranking encodes it
    prompt_ids: tuple[int, ...]  # source_ids with the mask_idxs tokens replaced by [MASK]: what is continued
    n: int
    k: int
    max_length: int
    sampling: SamplingParams
    seed: int | None = None


@dataclasses.dataclass(frozen=True)
class ParaphraseResult:
    """A job's paraphrases, best first, and how many tokens the decoder generated for it."""

    paraphrases: list[tuple[str, float]]  # (text, cosine to the input)
    generated_tokens: int
    logprobs: dict[str, float] = dataclasses.field(default_factory=dict)  # text -> the generator's mean
    # log-probability per token of the sample that gave it (the first, when several did)


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
