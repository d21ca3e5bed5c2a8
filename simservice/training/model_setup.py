"""Build the model to train: from scratch (BERT-style init) or from a checkpoint, with precision and recomputation.

Precision and recomputation are decided when layers are built, so both are scoped to the
construction here instead of being left as global Keras switches.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np

from simservice.model.config import ModelConfig
from simservice.model.loader import load_checkpoint
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@contextlib.contextmanager
def construction_scope(config: ModelConfig, precision: str = "float32", recompute: bool = False):
    """Layers built inside use `precision`; with `recompute`, each transformer block recomputes its
    activations in the backward pass instead of storing them (gradient checkpointing)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        if recompute:
            names = [f"layer_{i}" for i in range(config.num_layers)]
            with keras.RematScope(mode="list_of_layers", layer_names=names):
                yield
        else:
            yield
    finally:
        keras.config.set_dtype_policy(previous)


def bert_init(model: SimModel, seed: int, std: float = 0.02) -> None:
    """Google BERT's initialisation: kernels and embeddings ~ truncated normal(std), biases 0, LayerNorm 1/0."""
    rng = np.random.default_rng(seed)
    for variable in model.trainable_variables:
        name = variable.path.rsplit("/", 1)[-1]
        if name in ("kernel", "embeddings"):
            shape = tuple(variable.shape)
            values = rng.standard_normal(shape)
            while (bad := np.abs(values) > 2).any():
                values[bad] = rng.standard_normal(int(bad.sum()))
            variable.assign((values * std).astype(np.float32))


def new_model(config: ModelConfig, seed: int, precision: str = "float32", recompute: bool = False) -> SimModel:
    keras.utils.set_random_seed(seed)
    with construction_scope(config, precision, recompute):
        model = SimModel(config, name="sim_model")
    bert_init(model, seed)
    return model


def model_from_checkpoint(path, max_length: int, precision: str = "float32", recompute: bool = False,
                          dropout: float | None = None, seed: int = 0) -> tuple[SimModel, Tokenizer]:
    """Load an official or HF checkpoint, then rebuild it under our precision / recomputation settings."""
    loaded, tokenizer = load_checkpoint(path, max_length=max_length)
    config = loaded.config if dropout is None else loaded.config.replace(dropout=dropout)
    keras.utils.set_random_seed(seed)
    with construction_scope(config, precision, recompute):
        model = SimModel(config, name="sim_model")
    for target, source in zip(model.trainable_variables, loaded.trainable_variables, strict=True):
        target.assign(source.numpy())
    return model, tokenizer
