"""Unit sentence vectors straight from a model in training, for evaluation at checkpoints."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.training.batches import sentence_rows
from simservice.training.tasks.specs import MODEL_INPUTS


class ModelEncoder:
    """`encode(texts) -> [N, hidden]` unit rows, in input order; batches sorted by length."""

    def __init__(self, model, tokenizer, max_length: int = 64, batch_rows: int = 128):
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_rows = batch_rows
        self._pooled = tf.function(lambda inputs: model.pooled(model(inputs, training=False),
                                                                inputs["padding_mask"]),
                                   input_signature=[dict(MODEL_INPUTS)])

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        ids = self.tokenizer.encode_batch(list(texts), self.max_length)
        order = np.argsort([len(x) for x in ids], kind="stable")
        out = np.zeros((len(ids), self.model.config.hidden_size), dtype=np.float32)
        for start in range(0, len(order), self.batch_rows):
            rows = order[start:start + self.batch_rows]
            out[rows] = np.asarray(self._pooled(sentence_rows([ids[i] for i in rows])), dtype=np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
