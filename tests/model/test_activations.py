"""The exact GELU: float32 as Keras computes it, and a bfloat16 input computed in float32 and
rounded once (TensorFlow's bfloat16 erf is slow on CPU and off by up to 0.016 at |x| <= 6)."""

from __future__ import annotations

import numpy as np
import pytest
from keras import activations, ops

from simservice.model.activations import get_activation

X = np.linspace(-6, 6, 4001, dtype="float32")


def as_numpy(tensor) -> np.ndarray:
    return ops.convert_to_numpy(ops.cast(tensor, "float32"))


@pytest.mark.parametrize("name", ["gelu", "gelu_erf"])
def test_exact_gelu_of_bfloat16_is_the_float32_value_rounded_once(name):
    gelu = get_activation(name)
    low = ops.cast(X, "bfloat16")
    expected = as_numpy(ops.cast(activations.gelu(ops.cast(low, "float32"), approximate=False), "bfloat16"))
    out = gelu(low)
    assert ops.dtype(out) == "bfloat16"
    np.testing.assert_array_equal(as_numpy(out), expected)


def test_exact_gelu_of_float32_is_keras_own():
    np.testing.assert_array_equal(as_numpy(get_activation("gelu")(X)),
                                  as_numpy(activations.gelu(X, approximate=False)))
