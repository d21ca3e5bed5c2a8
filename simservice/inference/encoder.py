"""Sentence vectors: texts -> L2-normalised pooler outputs, batched by length with padding masked."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.inference.batching import bucket_length, bucket_rows, length_sorted_batches, pad_right
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer


class Encoder:
    """Encodes texts in length-sorted batches bounded by rows and tokens.

    Batches are padded to a bucketed length and a power-of-two row count, so the compiled
    forward pass is traced once per bucket, not once per request.
    """

    def __init__(self, model: SimModel, tokenizer: Tokenizer, max_batch_rows: int = 32,
                 max_batch_tokens: int = 32 * 64, jit_compile: bool = False):
        self.model = model
        self.tokenizer = tokenizer
        self.max_batch_rows = max_batch_rows
        self.max_batch_tokens = max_batch_tokens
        self.jit_compile = jit_compile
        # One trace for every shape; with XLA, one compiled executable per bucket shape.
        self._forward = tf.function(
            self._pooled,
            jit_compile=jit_compile,
            input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.bool)],
        )

    def _pooled(self, token_ids, padding_mask):
        inputs = {
            "token_ids": token_ids,
            "segment_ids": tf.zeros_like(token_ids),
            "padding_mask": padding_mask,
        }
        return self.model.pooled(self.model(inputs))

    def encode_ids(self, token_ids: Sequence[Sequence[int]], normalize: bool = True) -> np.ndarray:
        """Vectors [N, hidden] float32 for already tokenized inputs, in input order."""
        out = np.zeros((len(token_ids), self.model.config.hidden_size), dtype=np.float32)
        lengths = [len(ids) for ids in token_ids]
        for batch in length_sorted_batches(lengths, self.max_batch_rows, self.max_batch_tokens):
            length = bucket_length(max(lengths[i] for i in batch))
            ids, mask = pad_right([token_ids[i] for i in batch], length, bucket_rows(len(batch)))
            pooled = self._forward(tf.constant(ids), tf.constant(mask)).numpy()
            out[batch] = pooled[: len(batch)]
        if normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def encode(self, texts: Sequence[str], normalize: bool = True, max_length: int | None = None) -> np.ndarray:
        return self.encode_ids(self.tokenizer.encode_batch(texts, max_length), normalize)
