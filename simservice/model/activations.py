"""Activation names of BERT configs mapped to Keras functions."""

from keras import activations


def gelu_erf(x):
    """Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): what BERT's and RoFormer's "gelu" means."""
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
