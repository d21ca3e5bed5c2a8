"""The model's Dense: Keras's values on [batch, length, features] inputs, and, where TensorFlow's
oneDNN rewrite runs, matmul + bias + GELU executed as one fused op (no separate BiasAdd or erf)."""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from simservice.model.activations import get_activation
from simservice.model.dense import Dense, onednn_fuses

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 7, 16)).astype("float32")


def pair(dtype: str = "float32", activation: str | None = "gelu") -> tuple[keras.layers.Dense, Dense]:
    """Keras's Dense and ours, with the same weights."""
    act = get_activation(activation) if activation else None
    theirs = keras.layers.Dense(32, activation=act, dtype=dtype)
    ours = Dense(32, activation=act, dtype=dtype)
    theirs.build((None, None, 16))
    ours.build((None, None, 16))
    ours.set_weights([RNG.standard_normal((16, 32)).astype("float32") * 0.3,
                      RNG.standard_normal(32).astype("float32")])
    theirs.set_weights(ours.get_weights())
    return theirs, ours


def as_numpy(tensor) -> np.ndarray:
    return np.asarray(tf.cast(tensor, tf.float32))


@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh", "relu", None])
@pytest.mark.parametrize("shape", [(3, 7, 16), (5, 16), (2, 3, 4, 16)])
def test_float32_values_are_keras_dense(activation, shape):
    theirs, ours = pair(activation=activation)
    x = RNG.standard_normal(shape).astype("float32")
    out = ours(x)
    assert tuple(out.shape) == shape[:-1] + (32,)
    np.testing.assert_allclose(as_numpy(out), as_numpy(theirs(x)), rtol=1e-5, atol=1e-5)
    compiled = tf.function(lambda t: ours(t), input_signature=[tf.TensorSpec([None] * len(shape), tf.float32)])
    np.testing.assert_allclose(as_numpy(compiled(x)), as_numpy(out), rtol=1e-5, atol=1e-5)


def test_bfloat16_is_the_float32_value_rounded():
    """Compiled, as the encoder runs. Fused, bias and GELU are computed on the float32 accumulator and
    rounded once (half a bfloat16 step: 2**-9 relative); unfused, the matmul and the bias add each
    round to bfloat16 first."""
    _, ours = pair("mixed_bfloat16")
    reference, _ = pair()
    reference.set_weights([np.asarray(tf.cast(tf.cast(w, tf.bfloat16), tf.float32)) for w in ours.get_weights()])
    x = as_numpy(tf.cast(X, tf.bfloat16))
    out = tf.function(ours)(x)
    assert out.dtype == tf.bfloat16
    bound = 2 ** -8 if onednn_fuses() else 2 ** -5
    np.testing.assert_allclose(as_numpy(out), as_numpy(reference(x)), rtol=bound, atol=bound)


def executed_op_types(fn, x) -> set[str]:
    """The TensorFlow op types a call of `fn` executed, from a profiler trace."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    fn(x)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        fn(x)
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        space.ParseFromString(Path(sorted(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))[-1]).read_bytes())
    names = {plane.event_metadata[event.metadata_id].name
             for plane in space.planes if plane.name == "/host:CPU" for line in plane.lines for event in line.events}
    return {name.rsplit(":", 1)[1] for name in names if ":" in name and "::" not in name}


@pytest.mark.skipif(not onednn_fuses(), reason="TensorFlow's oneDNN rewrites are off in this process")
@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_matmul_bias_and_gelu_run_as_one_fused_op(dtype):
    theirs, ours = pair(dtype)
    x = tf.cast(X, keras.DTypePolicy(dtype).compute_dtype)
    fused = executed_op_types(tf.function(ours), x)
    assert any("FusedMatMul" in op for op in fused), fused
    assert not fused & {"BiasAdd", "Erf", "Erfc", "BatchMatMulV2", "_MklBatchMatMulV2"}, fused
    # Keras's own Dense, the same weights and input: the test can tell the two apart.
    unfused = executed_op_types(tf.function(theirs), x)
    assert unfused & {"Erf", "Erfc"}, unfused
