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


def kept_layers(total: int, keep: int) -> list[int]:
    """`keep` of `total` layers, evenly spaced and ending at the last (6 of 12: 1, 3, 5, 7, 9, 11)."""
    if not 1 <= keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} layers")
    return [round((j + 1) * total / keep) - 1 for j in range(keep)]


def fresh_mlm_head(model: SimModel, seed: int, std: float = 0.02) -> None:
    """A new MLM head: dense ~ truncated normal(std), LayerNorm 1/0, bias 0; its output stays tied
    to the word embeddings."""
    rng = np.random.default_rng([seed, 7])
    kernel = model.mlm_head.dense.kernel
    values = np.clip(rng.standard_normal(tuple(kernel.shape)), -2, 2) * std
    kernel.assign(values.astype(np.float32))
    model.mlm_head.dense.bias.assign(np.zeros(tuple(model.mlm_head.dense.bias.shape), np.float32))
    model.mlm_head.bias.assign(np.zeros(tuple(model.mlm_head.bias.shape), np.float32))


def model_from_checkpoint(path, max_length: int, precision: str = "float32", recompute: bool = False,
                          dropout: float | None = None, seed: int = 0,
                          layers: int | None = None) -> tuple[SimModel, Tokenizer]:
    """Load an official or HF checkpoint, then rebuild it under our precision / recomputation settings.

    The model always generates: a checkpoint without an MLM head (an embedding model) gets a fresh
    one. `layers` keeps that many of its transformer blocks (`kept_layers`)."""
    loaded, tokenizer = load_checkpoint(path, max_length=max_length)
    source_layers = loaded.config.num_layers
    chosen = kept_layers(source_layers, layers or source_layers)
    config = loaded.config.replace(generator=True, num_layers=len(chosen))
    config = config if dropout is None else config.replace(dropout=dropout)
    keras.utils.set_random_seed(seed)
    model = _build(config, precision, recompute)
    rename = {f"/layer_{old}/": f"/layer_{new}/" for new, old in enumerate(chosen)}
    sources = {}
    for variable in loaded.trainable_variables:
        name = variable.path
        if "/layer_" in name:
            old = "/layer_" + name.split("/layer_", 1)[1].split("/", 1)[0] + "/"
            if old not in rename:
                continue
            name = name.replace(old, rename[old])
        sources[name] = variable
    if loaded.mlm_head is None:
        fresh_mlm_head(model, seed)
    for target in model.trainable_variables:
        if target.path in sources:
            target.assign(sources.pop(target.path).numpy())
        elif not (loaded.mlm_head is None and target.path.startswith("mlm_head/")):
            raise ValueError(f"{path}: no weight for {target.path}")
    return model, tokenizer
