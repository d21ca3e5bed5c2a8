"""The typed seam between the service core and inference: what the core and its engine ask of a loaded model.

`SimPipeline` implements it; tests may wrap it. The engine forms batches within `limits` and
hands them over whole: `embed` runs one encoder batch, `paraphrase_batch` one batch of jobs.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

from simservice.inference.batching import BatchLimits
from simservice.inference.paraphrase import ParaphraseJob, ParaphraseResult
from simservice.inference.sampler import SamplingParams
from simservice.model.config import ModelConfig
from simservice.model.tokenizer import Tokenizer


class LoadedModel(Protocol):
    tokenizer: Tokenizer  # the door tokenizes with it, once
    precision: str  # what it computes in (/info)
    decoder_precision: str | None  # what the paraphrase decoder computes in, where it differs (/info)
    default_sampling: dict[str, Any]  # knobs of a paraphrase call that names no sampler (/info)

    @property
    def config(self) -> ModelConfig: ...

    @property
    def dim(self) -> int: ...

    @property
    def can_generate(self) -> bool:
        """False for an embedding model: paraphrase_job then raises NoGenerator."""

    @property
    def limits(self) -> BatchLimits: ...

    def embed(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooler outputs [N, dim] of one batch within `limits`."""

    def paraphrase_job(self, text: str, source_ids: Sequence[int] | None = None, *, n: int, k: int,
                       sampling: SamplingParams, max_length: int, mask_idxs: Sequence[int],
                       seed: int | None) -> ParaphraseJob:
        """A checked job; ValueError says what is wrong."""

    def paraphrase_batch(self, jobs: Sequence[ParaphraseJob]) -> list[ParaphraseResult]:
        """Paraphrases of checked jobs, decoded together."""

    def warm_up(self, max_tokens: int) -> None:
        """Run each shape serving runs once."""

    def pending_compiles(self) -> int:
        """Decode shapes queued for XLA compilation and not compiled yet (0 without XLA)."""
