"""Sentence vectors: token ids -> pooler outputs, one compiled forward pass per padded batch."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.inference.batching import (BatchLimits, bucket_length, bucket_rows, length_sorted_batches,
                                           pad_right)
from simservice.model.layer_norm import fused_kernels
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer


class Encoder:
    """Runs batches within `limits`: `forward` runs exactly one, `encode_ids` splits longer work.

    Batches are padded to a bucketed length and a power-of-two row count, so the compiled
    forward pass is traced once and, with XLA, compiled once per bucket shape.
    """

    def __init__(self, model: SimModel, tokenizer: Tokenizer, limits: BatchLimits = BatchLimits(),
                 jit_compile: bool = False):
        self.model = model
        self.tokenizer = tokenizer
        self.limits = limits
        self._fused_kernels = not jit_compile
        self._forward = tf.function(
            self._pooled,
            jit_compile=jit_compile,
            input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.bool)],
        )

    @property
    def traces(self) -> int:
        """How many times the forward pass has been traced (1 once used: one trace serves every shape)."""
        return self._forward.experimental_get_tracing_count()

    def _pooled(self, token_ids, padding_mask):
        inputs = {
            "token_ids": token_ids,
            "segment_ids": tf.zeros_like(token_ids),
            "padding_mask": padding_mask,
        }
        with fused_kernels(self._fused_kernels):  # TensorFlow's own oneDNN kernels, not under XLA
            return self.model.pooled(self.model(inputs), padding_mask)

    def forward(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooler outputs [N, hidden] float32 (not normalised) of one batch that fits the limits."""
        longest = max(len(ids) for ids in token_ids)
        if not self.limits.fits(len(token_ids), longest):
            raise ValueError(f"a batch of {len(token_ids)} rows up to {longest} tokens exceeds {self.limits}")
        ids, mask = pad_right(token_ids, bucket_length(longest), bucket_rows(len(token_ids)))
        return self._forward(tf.constant(ids), tf.constant(mask)).numpy()[: len(token_ids)]

    def encode_ids(self, token_ids: Sequence[Sequence[int]], normalize: bool = True) -> np.ndarray:
        """Vectors [N, hidden] float32 for already tokenized inputs, in input order."""
        out = np.zeros((len(token_ids), self.model.config.hidden_size), dtype=np.float32)
        lengths = [len(ids) for ids in token_ids]
        for batch in length_sorted_batches(lengths, self.limits):
            out[batch] = self.forward([token_ids[i] for i in batch])
        if normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def encode(self, texts: Sequence[str], normalize: bool = True, prompt: str = "") -> np.ndarray:
        """Vectors of `texts`, each tokenized after `prompt` (see `Tokenizer.prompts`)."""
        return self.encode_ids(self.tokenizer.encode_batch(texts, prompt=prompt), normalize)
