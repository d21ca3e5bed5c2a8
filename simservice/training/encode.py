"""Unit sentence vectors straight from a model in training, for evaluation at checkpoints: the inference
Encoder (the same pooling, batching and normalisation the service uses), called on texts."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from simservice.inference.batching import BatchLimits
from simservice.inference.encoder import Encoder


class ModelEncoder(Encoder):
    """`encoder(texts) -> [N, hidden]` unit rows, in input order; each text cut to `max_length` tokens."""

    def __init__(self, model, tokenizer, max_length: int = 64, limits: BatchLimits = BatchLimits(128, 8192)):
        super().__init__(model, tokenizer, limits)
        self.max_length = max_length

    def __call__(self, texts: Sequence[str], prompt: str = "") -> np.ndarray:
        return self.encode_ids(self.tokenizer.encode_batch(list(texts), self.max_length, prompt))
