"""Activation names of BERT configs mapped to Keras functions."""

from keras import activations, backend, ops


def gelu_erf(x):
    """Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): what BERT's and RoFormer's "gelu" means. A bfloat16
    input is computed in float32 and cast back: TensorFlow's bfloat16 erf on CPU took a third of
    the mixed_bfloat16 encoder's time, 5.4x float32's (bench/NOTES.md, "mixed_bfloat16 loses")."""
    if backend.standardize_dtype(x.dtype) == "bfloat16":
        return ops.cast(activations.gelu(ops.cast(x, "float32"), approximate=False), "bfloat16")
    return activations.gelu(x, approximate=False)


def gelu_tanh(x):
    return activations.gelu(x, approximate=True)


_ACTIVATIONS = {
    "gelu": gelu_erf,
    "gelu_erf": gelu_erf,
    "gelu_new": gelu_tanh,
    "gelu_tanh": gelu_tanh,
    "relu": activations.relu,
}


def get_activation(name: str):
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unsupported activation {name!r}; known: {sorted(_ACTIVATIONS)}") from None
