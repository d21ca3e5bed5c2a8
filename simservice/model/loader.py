"""Strict loading of a checkpoint directory into `SimModel`: every variable mapped, every shape checked."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from simservice.model.checkpoint_files import TensorSource, find_checkpoint, open_tensors
from simservice.model.config import Architecture, ModelConfig
from simservice.model.errors import CheckpointError
from simservice.model.quantization import quantize_int8
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer, load_vocab
from simservice.model.weight_map import Entry, hf_table, tf1_table
from simservice.precision import DTYPE_POLICIES, PRECISIONS, DtypePolicy, Precision

log = logging.getLogger(__name__)



def load_checkpoint(
    path: str | Path,
    architecture: Architecture | None = None,
    max_length: int = 64,
    precision: Precision = "float32",
) -> tuple[SimModel, Tokenizer]:
    """Build the model described by a checkpoint directory and load all of its weights.

    `architecture` forces "roformer" or "bert"; by default BERT is recognised by its
    absolute position embeddings, which RoFormer does not have. `precision` is a Keras dtype
    policy ("float32", "mixed_bfloat16", "mixed_float16"): weights stay float32, compute
    runs in the lower precision; softmax and LayerNorm statistics stay in float32. "int8"
    loads the float32 weights, then quantizes the transformer blocks' Dense kernels
    (`quantize_int8`).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    files = find_checkpoint(path)
    tensors = open_tensors(files)
    names = tensors.names()
    if files.layout == "tf1":
        prefix = _tf1_prefix(names, tensors.path)
        detected: Architecture = "bert" if f"{prefix}/embeddings/position_embeddings" in names else "roformer"
    else:
        prefix = _hf_prefix(names, tensors.path)
        detected = "bert" if f"{prefix}embeddings.position_embeddings.weight" in names else "roformer"
    arch = architecture or detected
    try:
        if files.layout == "tf1":
            config = ModelConfig.from_bert_config(files.config, arch)
        else:
            config = ModelConfig.from_hf_config(files.config, arch)
    except (ValueError, OSError) as e:
        raise CheckpointError(f"{files.config}: {e}") from e

    vocab = load_vocab(files.vocab)
    vocab_lines = max(vocab.values()) + 1 if vocab else 0
    if vocab_lines != config.vocab_size:
        raise CheckpointError(
            f"{files.vocab}: {vocab_lines} tokens, but {files.config.name} says vocab_size={config.vocab_size}"
        )
    try:
        tokenizer = Tokenizer(vocab, max_length=max_length)
    except ValueError as e:
        raise CheckpointError(f"{files.vocab}: {e}") from e

    model = build_model(config, "float32" if precision == "int8" else precision)
    table = tf1_table(model, prefix) if files.layout == "tf1" else hf_table(model, prefix)
    assign_weights(table, tensors)
    if precision == "int8":
        quantize_int8(model)
    log.info("loaded %s %s checkpoint from %s (%d layers, hidden %d, vocab %d)",
             arch, files.layout, files.directory, config.num_layers, config.hidden_size, config.vocab_size)
    return model, tokenizer


def build_model(config: ModelConfig, precision: DtypePolicy = "float32", **kwargs) -> SimModel:
    """`SimModel(config, **kwargs)` with every layer under the dtype policy `precision`, leaving the
    global policy as it was."""
    import keras

    if precision not in DTYPE_POLICIES:
        raise ValueError(f"precision must be one of {DTYPE_POLICIES} to build a model, not {precision!r}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
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


def _tf1_prefix(names: set[str], path: Path) -> str:
    for prefix in ("bert", "roformer"):
        if f"{prefix}/embeddings/word_embeddings" in names:
            return prefix
    raise CheckpointError(
        f"{path}: variable bert/embeddings/word_embeddings is missing "
        f"(not a BERT / RoFormer checkpoint? it has {len(names)} variables, e.g. {sorted(names)[:3]})"
    )


def _hf_prefix(names: set[str], path: Path) -> str:
    for prefix in ("roformer.", "bert.", ""):
        if f"{prefix}embeddings.word_embeddings.weight" in names:
            return prefix
    raise CheckpointError(
        f"{path}: variable roformer.embeddings.word_embeddings.weight is missing "
        f"(not a RoFormer / BERT port? e.g. {sorted(names)[:3]})"
    )
