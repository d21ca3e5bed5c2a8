"""Strict loading of a checkpoint directory into `SimModel`: every variable mapped, every shape checked."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from simservice.model.checkpoint_files import TensorSource, find_checkpoint, open_tensors
from simservice.model.config import POOLINGS, Architecture, ModelConfig, Pooling
from simservice.model.errors import CheckpointError
from simservice.model.families import Checkpoint, detect, family_named
from simservice.model.quantization import quantize_int8
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer
from simservice.model.weight_map import Entry
from simservice.precision import DTYPE_POLICIES, PRECISIONS, DtypePolicy, Precision

log = logging.getLogger(__name__)

# The Keras policy a model is loaded under for each precision it serves in. mixed_bfloat16 keeps
# the weights themselves in bfloat16: Keras's mixed_bfloat16 computes with every float32 kernel
# cast to bfloat16 on each call, so the matmuls see the same values, without the casts (a
# single text 1.3x faster on e5-small, bench/NOTES.md "weights in bfloat16") and in half the
# memory; LayerNorm's scale and offset are rounded to bfloat16 too (it still computes in float32).
LOAD_POLICIES = {"float32": "float32", "int8": "float32", "mixed_bfloat16": "bfloat16",
                 "mixed_float16": "mixed_float16"}



def load_checkpoint(
    path: str | Path,
    architecture: Architecture | None = None,
    max_length: int | None = None,
    precision: Precision = "float32",
    family: str | None = None,
    pooling: Pooling | None = None,
) -> tuple[SimModel, Tokenizer]:
    """Build the model described by a checkpoint directory and load all of its weights.

    The checkpoint's family (model/families/) is detected, or forced by `family`; it reads the
    config and the tokenizer and names the tensor of every variable. `architecture` forces
    "roformer" or "bert" (by default BERT is recognised by its absolute position embeddings);
    `pooling` overrides the family's or the checkpoint's pooling; `max_length` the tokenizer's
    length (default: the family's). `precision` is what the model serves in (`LOAD_POLICIES`):
    "float32"; "mixed_bfloat16" (weights and compute in bfloat16) or "mixed_float16" (float32
    weights, float16 compute, the attention softmax in float32), LayerNorm statistics in float32
    in both; "int8" loads the float32 weights, then quantizes the transformer blocks' Dense
    kernels (`quantize_int8`).
    Training builds its models with `build_model` (mixed precision keeps float32 weights there).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if pooling is not None and pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
    files = find_checkpoint(path)
    checkpoint = Checkpoint(files, open_tensors(files))
    chosen = family_named(family) if family else detect(checkpoint)
    plan = chosen.plan(checkpoint, architecture=architecture, pooling=pooling, max_length=max_length)
    config = plan.config.replace(family=chosen.name)

    model = _built_under(LOAD_POLICIES[precision], config)
    assign_weights(chosen.table(model, checkpoint), checkpoint.tensors)
    if precision == "int8":
        quantize_int8(model)
    log.info("loaded %s (%s) %s checkpoint from %s (%d layers, hidden %d, vocab %d, %s pooling)", chosen.name,
             config.architecture, files.layout, files.directory, config.num_layers, config.hidden_size,
             config.vocab_size, config.pooling)
    return model, plan.tokenizer


def build_model(config: ModelConfig, precision: DtypePolicy = "float32", **kwargs) -> SimModel:
    """`SimModel(config, **kwargs)` with every layer under the dtype policy `precision`, leaving the
    global policy as it was."""
    if precision not in DTYPE_POLICIES:
        raise ValueError(f"precision must be one of {DTYPE_POLICIES} to build a model, not {precision!r}")
    return _built_under(precision, config, **kwargs)


def _built_under(policy: str, config: ModelConfig, **kwargs) -> SimModel:
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        return SimModel(config, **kwargs)
    finally:
        keras.config.set_dtype_policy(previous)


def assign_weights(table: list[Entry], tensors: TensorSource) -> None:
    """Assign every table entry from `tensors`, or raise naming the file, variable and shapes."""
    names = tensors.names()
    arrays = []
    for entry in table:
        name = next((n for n in (entry.name, *entry.aliases) if n in names), None)
        expected = tuple(entry.variable.shape)
        if name is None:
            raise CheckpointError(
                f"{tensors.path}: variable {entry.name} is missing "
                f"(needed for {entry.variable.path}, shape {expected})"
            )
        array = tensors.get(name)
        if entry.transform is not None:
            array = entry.transform(array)
        if tuple(array.shape) != expected:
            raise CheckpointError(
                f"{tensors.path}: variable {name} has shape {tuple(tensors.shape(name))}, "
                f"but {entry.variable.path} needs {expected}"
                + (" (after transposing the PyTorch weight)" if entry.transform is not None else "")
            )
        if not np.all(np.isfinite(array)):
            raise CheckpointError(f"{tensors.path}: variable {name} holds NaN or infinite values")
        arrays.append((entry, array))
    for entry, array in arrays:  # nothing assigned unless everything checked out
        entry.variable.assign(array.astype(np.float32))
    used = {n for entry in table for n in (entry.name, *entry.aliases)}
    extra = sorted(names - used)
    if extra:
        log.info("ignored %d checkpoint variables the model does not use (e.g. %s)",
                 len(extra), ", ".join(extra[:3]))
