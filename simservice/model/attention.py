"""Multi-head self-attention of BERT / RoFormer, with an optional key/value cache."""

from __future__ import annotations

import math

import keras
from keras import ops

from simservice.model.dense import Dense
from simservice.model.rotary import apply_rotary

# Added to masked scores: exp() of it underflows to exactly 0, and, unlike -inf, a row with
# every key masked (a padding row) stays finite instead of turning into NaN. float16 tops out at
# 65,504, where -1e9 would round to -inf: it gets FLOAT16_MASK_VALUE.
MASK_VALUE = -1e9
FLOAT16_MASK_VALUE = -3e4


class SelfAttention(keras.layers.Layer):
    """q/k/v projections, optional rotary embedding of q and k, scaled dot-product attention,
    output projection.

    Heads are laid out [batch, heads, length, head_size], so the scores are one batched matmul
    with the scale and the mask (as an additive bias) on its output, which oneDNN runs as one
    fused kernel, and the weighted sum is another; the softmax runs in the compute dtype when
    serving in float32 or bfloat16 (oneDNN's bf16 softmax accumulates in float32), in float32 when
    training and under float16 (GPU only, not measured in the compute dtype).

    With `cache`, a (keys, values) pair of [batch, heads, max_length, head_size], and
    `cache_index`, the keys and values of `x` are written into the cache at `cache_index`
    (`slice_update`) and attention runs over the whole cache; the mask decides which cache
    slots are visible. Keys and values are kept apart, and in the layout the matmuls read, so
    no step copies or transposes the cache.
    """

    def __init__(self, num_heads: int, head_size: int, rotary: bool, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.head_size = head_size
        self.rotary = rotary
        self.dropout = dropout
        width = num_heads * head_size
        self.query = Dense(width, name="query")
        self.key = Dense(width, name="key")
        self.value = Dense(width, name="value")
        self.output_dense = Dense(width, name="output")
        self.attention_dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        for dense in (self.query, self.key, self.value):
            dense.build(input_shape)
        self.output_dense.build(input_shape[:-1] + (self.num_heads * self.head_size,))
        self.built = True

    def _split_heads(self, x):
        shape = ops.shape(x)
        return ops.reshape(x, (shape[0], shape[1], self.num_heads, self.head_size))

    def call(self, x, attention_mask, rotary=None, cache=None, cache_index=None, training=False):
        q = self._split_heads(self.query(x))
        k = self._split_heads(self.key(x))
        v = self._split_heads(self.value(x))
        if self.rotary:
            sin, cos = rotary
            q, k = apply_rotary(q, sin, cos), apply_rotary(k, sin, cos)
        q, k, v = (ops.transpose(t, (0, 2, 1, 3)) for t in (q, k, v))  # [batch, heads, length, head_size]
        if cache is not None:
            key_cache, value_cache = cache
            start = (0, 0, cache_index, 0)
            k = ops.slice_update(key_cache, start, ops.cast(k, key_cache.dtype))
            v = ops.slice_update(value_cache, start, ops.cast(v, value_cache.dtype))
            cache = (k, v)
        float16 = keras.backend.standardize_dtype(q.dtype) == "float16"
        bias = ops.cast(ops.where(attention_mask, 0.0, FLOAT16_MASK_VALUE if float16 else MASK_VALUE), q.dtype)
        scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) * ops.cast(1.0 / math.sqrt(self.head_size), q.dtype)
        scores = scores + bias[:, None, :, :]
        if training or float16:
            scores = ops.cast(scores, "float32")
        weights = ops.cast(ops.softmax(scores, axis=-1), v.dtype)
        weights = self.attention_dropout(weights, training=training)
        out = ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3))
        shape = ops.shape(out)
        out = self.output_dense(ops.reshape(out, (shape[0], shape[1], self.num_heads * self.head_size)))
        return out, cache

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "head_size": self.head_size,
            "rotary": self.rotary,
            "dropout": self.dropout,
        }
