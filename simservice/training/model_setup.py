"""Build the model to train: from scratch (BERT-style init) or from a checkpoint, with precision and recomputation.

Precision is decided when layers are built: `build_model` sets the Keras dtype policy only
around the construction instead of leaving it as a global switch.
"""

from __future__ import annotations

import keras
import numpy as np

from simservice.model.config import ModelConfig
from simservice.model.loader import build_model, load_checkpoint
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer
from simservice.training.recompute import recompute_blocks


def _build(config: ModelConfig, precision: str, recompute: bool) -> SimModel:
    model = build_model(config, precision, name="sim_model")
    if recompute:
        recompute_blocks(model)
    return model


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
    model = _build(config, precision, recompute)
    bert_init(model, seed)
    return model


def model_from_checkpoint(path, max_length: int, precision: str = "float32", recompute: bool = False,
                          dropout: float | None = None, seed: int = 0) -> tuple[SimModel, Tokenizer]:
    """Load an official or HF checkpoint, then rebuild it under our precision / recomputation settings."""
    loaded, tokenizer = load_checkpoint(path, max_length=max_length)
    config = loaded.config if dropout is None else loaded.config.replace(dropout=dropout)
    keras.utils.set_random_seed(seed)
    model = _build(config, precision, recompute)
    for target, source in zip(model.trainable_variables, loaded.trainable_variables, strict=True):
        target.assign(source.numpy())
    return model, tokenizer
