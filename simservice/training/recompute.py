"""Gradient checkpointing of transformer blocks: activations recomputed in the backward pass, not stored.

Keras' `RematScope` cannot be used here: on TensorFlow it hands keyword arguments to
`tf.recompute_grad`, which refuses them in graph mode, and the blocks take `rotary=` and
`training=`. So each block's `call` is wrapped to recompute a closure of the hidden states
alone. With dropout, the recomputed pass draws new masks (as Keras' own remat would), so the
gradients are exact only with dropout 0.
"""

from __future__ import annotations

import tensorflow as tf


def recompute_blocks(model) -> None:
    """Wrap every transformer block of `model.backbone` (in place); cached decoding is left as it was."""
    for block in model.backbone.blocks:
        block.call = _recomputed(block.call)


def _recomputed(call):
    def wrapped(x, attention_mask, rotary=None, cache=None, cache_index=None, training=False):
        if cache is not None:
            return call(x, attention_mask, rotary=rotary, cache=cache, cache_index=cache_index, training=training)

        def hidden_only(h):
            return call(h, attention_mask, rotary=rotary, training=training)[0]

        return tf.recompute_grad(hidden_only)(x), None

    return wrapped
