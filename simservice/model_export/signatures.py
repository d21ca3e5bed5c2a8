"""The two exported functions over one `SimModel`: unit sentence vectors and next-token logits.

Both take int32 `token_ids`, `segment_ids` and `padding_mask` (1 on real tokens, 0 on padding)
of shape [batch, length], batch and length dynamic. The encoder is what `SimPipeline.encode`
serves (linear pooler on [CLS], then L2); the next-token function is the UniLM head at the
last real token of each row, so a client can run gen_synonyms one token at a time.
"""

from __future__ import annotations

import tensorflow as tf
from keras import ops

from simservice.model.sim_model import SimModel

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")
VECTOR_OUTPUT = "sentence_vector"
LOGITS_OUTPUT = "logits"


def input_signature() -> list[tf.TensorSpec]:
    return [tf.TensorSpec([None, None], tf.int32, name=name) for name in INPUT_NAMES]


def _hidden(model: SimModel, token_ids, segment_ids, padding_mask):
    inputs = {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": ops.cast(padding_mask, "bool")}
    return model(inputs)


def encoder_fn(model: SimModel):
    """(token_ids, segment_ids, padding_mask) -> {"sentence_vector": [batch, hidden] float32, rows of norm 1}."""

    def encode(token_ids, segment_ids, padding_mask):
        hidden = _hidden(model, token_ids, segment_ids, padding_mask)
        vectors = ops.cast(model.pooled(hidden, padding_mask), "float32")
        norms = ops.maximum(ops.sqrt(ops.sum(ops.square(vectors), axis=-1, keepdims=True)), 1e-12)
        return {VECTOR_OUTPUT: vectors / norms}

    return encode


def next_token_fn(model: SimModel):
    """(token_ids, segment_ids, padding_mask) -> {"logits": [batch, vocab] float32} after each row's
    last real token (right or left padding both work)."""

    def next_token(token_ids, segment_ids, padding_mask):
        hidden = _hidden(model, token_ids, segment_ids, padding_mask)
        positions = ops.arange(ops.shape(token_ids)[1], dtype="int32")[None, :]
        last = ops.max(positions * ops.cast(padding_mask, "int32"), axis=1)
        return {LOGITS_OUTPUT: model.logits(ops.take_along_axis(hidden, last[:, None, None], axis=1)[:, 0])}

    return next_token
