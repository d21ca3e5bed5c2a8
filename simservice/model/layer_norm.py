"""The model's LayerNorm: Keras's, or oneDNN's one-pass layer-norm kernel where the caller allows it.

Keras's LayerNormalization on TensorFlow is a chain of ops (mean, squared difference, mean,
rsqrt, multiplies and adds, and casts around a bfloat16 input), each a pass over the
activation. TensorFlow's CPU build carries oneDNN's layer-norm kernel (`_MklLayerNorm`; its graph
rewrite only reaches it from tf.keras's old FusedBatchNorm form), which does it in one pass with
the statistics in float32 and the output rounded once. That op is internal to TensorFlow: XLA
cannot compile it, it has no GPU kernel and an exported graph must not carry it; and it builds
its oneDNN primitive on every call, which costs more than it saves on small batches. So it runs
only inside `fused_kernels()` (the encoder's traced forward enters it), with oneDNN on, no GPU,
the scale and offset stored in the input's dtype (float32, or bfloat16 as bf16 models are
served: the kernel takes them in that dtype, so a float32 scale would be rounded), and at least
`FUSED_MIN_ROWS` rows, picked per batch by a `tf.cond`; everywhere else this is Keras's layer,
whose weights and names it keeps.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import keras
from keras import ops

from simservice.model.dense import onednn_fuses

# Rows (tokens of the batch) from which the fused kernel is faster: below, its per-call set-up
# costs more than Keras's chain (bench/NOTES.md, "Attention as fused batched matmuls, LayerNorm as
# one oneDNN kernel").
FUSED_MIN_ROWS = 160
OP = "_MklLayerNorm"

_allowed = threading.local()


@contextlib.contextmanager
def fused_kernels(enabled: bool = True):
    """Within this block (on this thread), model code being traced may use TensorFlow's internal
    oneDNN kernels. Enter it only around a graph that is neither XLA-compiled nor exported."""
    previous = getattr(_allowed, "on", False)
    _allowed.on = enabled
    try:
        yield
    finally:
        _allowed.on = previous


@functools.cache
def kernel_available() -> bool:
    """oneDNN is on, the op is registered, and no GPU would be asked to run it."""
    if not onednn_fuses():
        return False
    import tensorflow as tf
    from tensorflow.python.framework import op_def_registry

    return op_def_registry.get(OP) is not None and not tf.config.list_logical_devices("GPU")


class LayerNorm(keras.layers.LayerNormalization):
    """keras.layers.LayerNormalization (last axis, scale and offset) that runs oneDNN's kernel
    inside `fused_kernels()` when the batch is big enough (see the module's docstring)."""

    def call(self, inputs):
        if not self._fusable(inputs):
            return super().call(inputs)
        import tensorflow as tf

        rows = tf.reduce_prod(tf.shape(inputs)[:-1])
        keras_chain = super().call
        return tf.cond(rows >= FUSED_MIN_ROWS, lambda: self._fused(inputs), lambda: keras_chain(inputs))

    def _fusable(self, inputs) -> bool:
        import tensorflow as tf

        return (getattr(_allowed, "on", False) and kernel_available() and not tf.executing_eagerly()
                and len(inputs.shape) in (2, 3) and self.axis in ([-1], [len(inputs.shape) - 1])
                and self.center and self.scale and not self.rms_scaling
                and keras.backend.standardize_dtype(inputs.dtype) in ("float32", "bfloat16")
                and keras.backend.standardize_dtype(self.gamma.dtype) == keras.backend.standardize_dtype(inputs.dtype))

    def _fused(self, x):
        from tensorflow.python.framework import op_def_library

        _, _, op, _ = op_def_library._apply_op_helper(
            OP, name="layer_norm", x=x, scale=self.gamma, offset=self.beta, epsilon=float(self.epsilon))
        return ops.cast(op.outputs[0], self.compute_dtype)
