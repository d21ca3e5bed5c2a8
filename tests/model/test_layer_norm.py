"""The model's LayerNorm: Keras's values, oneDNN's one-pass kernel only inside `fused_kernels()` with
enough rows, and never in a graph traced outside it (XLA, export)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from simservice.inference.encoder import Encoder
from simservice.model import ModelConfig, SimModel
from simservice.model.layer_norm import FUSED_MIN_ROWS, OP, LayerNorm, fused_kernels, kernel_available

RNG = np.random.default_rng(0)
needs_kernel = pytest.mark.skipif(not kernel_available(), reason="no oneDNN layer-norm kernel in this process")


def pair(dtype: str = "float32") -> tuple[keras.layers.LayerNormalization, LayerNorm]:
    """Keras's LayerNormalization and ours, with the same (non-trivial) scale and offset."""
    theirs = keras.layers.LayerNormalization(epsilon=1e-12, dtype=dtype)
    ours = LayerNorm(epsilon=1e-12, dtype=dtype)
    for layer in (theirs, ours):
        layer.build((None, None, 64))
    ours.set_weights([RNG.standard_normal(64).astype("float32") * 0.2 + 1, RNG.standard_normal(64).astype("float32")])
    theirs.set_weights(ours.get_weights())
    return theirs, ours


def traced(layer, fused: bool, x):
    """`layer` on `x` in a tf.function, traced inside or outside `fused_kernels()`; the output and the
    op types of the whole graph (the branches of a tf.cond included)."""

    def run(t):
        with fused_kernels(fused):
            return layer(t)

    fn = tf.function(run, input_signature=[tf.TensorSpec([None, None, 64], x.dtype)])
    graph = fn.get_concrete_function().graph.as_graph_def()
    ops = {node.op for node in graph.node} | {node.op for f in graph.library.function for node in f.node_def}
    return np.asarray(tf.cast(fn(x), tf.float32)), ops


def as_input(rows: int, dtype: str):
    x = RNG.standard_normal((rows // 8, 8, 64)).astype("float32") * 3 + 1
    return tf.cast(x, keras.DTypePolicy(dtype).compute_dtype)


@needs_kernel
def test_float32_fused_is_keras_layer_norm():
    theirs, ours = pair()
    x = as_input(2 * FUSED_MIN_ROWS, "float32")
    out, ops = traced(ours, True, x)
    assert OP in ops
    np.testing.assert_allclose(out, traced(theirs, False, x)[0], rtol=1e-5, atol=1e-5)


@needs_kernel
def test_bfloat16_fused_is_within_one_step_of_keras():
    """Weights in bfloat16, as bf16 models are served. Both compute in float32 and round once to
    bfloat16 (8 significant bits): at most one step apart."""
    theirs, ours = pair("bfloat16")
    x = as_input(2 * FUSED_MIN_ROWS, "bfloat16")
    out, ops = traced(ours, True, x)
    assert OP in ops
    reference = traced(theirs, False, x)[0]
    assert np.all(np.abs(out - reference) <= 2.0 ** -7 * np.abs(reference) + 1e-6)
    assert np.mean(out != reference) < 0.1  # most values are the same bfloat16 number


@needs_kernel
def test_small_batches_run_keras_exactly():
    """Below FUSED_MIN_ROWS the tf.cond takes Keras's branch: bit for bit Keras's value, traced."""
    theirs, ours = pair()
    x = as_input(FUSED_MIN_ROWS // 2, "float32")
    out, _ = traced(ours, True, x)
    np.testing.assert_array_equal(out, traced(theirs, False, x)[0])


@needs_kernel
def test_float32_scale_under_mixed_precision_is_not_rounded():
    """mixed_bfloat16 keeps float32 weights; the kernel would take them rounded to bfloat16, so that
    layer stays Keras's."""
    _, ours = pair("mixed_bfloat16")
    assert OP not in traced(ours, True, as_input(2 * FUSED_MIN_ROWS, "mixed_bfloat16"))[1]


def test_outside_fused_kernels_the_graph_has_no_internal_op():
    """What XLA compiles and what export writes is traced outside the block: Keras's ops only."""
    theirs, ours = pair()
    x = as_input(2 * FUSED_MIN_ROWS, "float32")
    out, ops = traced(ours, False, x)
    assert OP not in ops
    np.testing.assert_array_equal(out, traced(theirs, False, x)[0])


@needs_kernel
def test_encoder_vectors_with_the_fused_kernel():
    """A batch past FUSED_MIN_ROWS tokens through the encoder's traced forward (which enters
    `fused_kernels`) gives the eager model's vectors; the XLA encoder never traces the op in."""
    model = SimModel(ModelConfig(vocab_size=50, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))
    ids = RNG.integers(1, 50, (8, 32)).tolist()  # 256 tokens
    mask = np.ones((8, 32), bool)
    inputs = {"token_ids": np.array(ids, np.int32), "segment_ids": np.zeros((8, 32), np.int32), "padding_mask": mask}
    expected = np.asarray(model.pooled(model(inputs), mask))
    encoder = Encoder(model, tokenizer=None)
    np.testing.assert_allclose(encoder.forward(ids), expected, rtol=1e-4, atol=1e-5)
    graph = encoder._forward.get_concrete_function().graph.as_graph_def()
    assert OP in {node.op for f in graph.library.function for node in f.node_def}
    xla = Encoder(model, tokenizer=None, jit_compile=True)
    graph = xla._forward.get_concrete_function().graph.as_graph_def()
    assert OP not in {node.op for node in graph.node} | {node.op for f in graph.library.function for node in f.node_def}
