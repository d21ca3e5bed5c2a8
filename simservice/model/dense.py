"""The model's Dense layer: Keras's Dense, multiplied as one [tokens, features] matrix.

Keras's Dense multiplies a [batch, length, features] input as a batched matmul and adds the
bias after a reshape, so TensorFlow's oneDNN graph rewrite cannot fuse them: the bias, the
GELU (and, for bfloat16, the casts around it) ran as separate ops over the whole activation.
Flattened to two dimensions, matmul + bias + activation become one oneDNN fused matmul whose
bias and GELU are computed in float32 on the accumulator and rounded once (bench/NOTES.md,
"the Dense layers fused"). Weights, names and int8 quantization are Keras's own.
"""

from __future__ import annotations

import functools

import keras
from keras import activations, ops

from simservice.model.activations import gelu_erf


@functools.cache
def onednn_fuses() -> bool:
    """Whether TensorFlow's oneDNN rewrites run in this process (TF_ENABLE_ONEDNN_OPTS, the CPU)."""
    if keras.backend.backend() != "tensorflow":
        return False
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return False
    return bool(_pywrap_util_port.IsMklEnabled())


class Dense(keras.layers.Dense):
    """keras.layers.Dense whose float matmul runs on the input flattened to [tokens, features].

    Where oneDNN fuses, the exact GELU is written in the input's own dtype, the form the rewrite
    matches; elsewhere the activation is the configured one (`gelu_erf` casts a bfloat16 input
    to float32, as TensorFlow's bfloat16 erf is slow and inexact unfused). Quantized layers keep
    Keras's int8 call (`Layer.__call__` sends them to `quantized_call`, never here).
    """

    def call(self, inputs, training=None):
        if len(inputs.shape) == 2:
            return self._project(inputs)
        shape = ops.shape(inputs)
        out = self._project(ops.reshape(inputs, (-1, shape[-1])))
        return ops.reshape(out, (*shape[:-1], self.units))

    def _project(self, x):
        x = ops.matmul(x, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is gelu_erf and onednn_fuses():
            return activations.gelu(x, approximate=False)
        return self.activation(x)

    def quantize(self, mode=None, type_check=True, config=None):
        # Keras refuses to quantize a subclass of Dense unless told; this one differs only in
        # `call`, which a quantized layer never runs.
        super().quantize(mode, type_check=False, config=config)
