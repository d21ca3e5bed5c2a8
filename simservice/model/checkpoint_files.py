"""Find the files of a checkpoint directory and read its tensors by name.

Two layouts are understood:
- official TF1 releases: `bert_config.json`, `bert_model.ckpt.{index,data-*}`, `vocab.txt`;
- Hugging Face checkpoints: `config.json`, `model.safetensors` or `pytorch_model.bin`, and
  `vocab.txt` or `tokenizer.json` (which tokenizer a model needs is its family's call).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from simservice.model.errors import CheckpointError
from simservice.model.int8_storage import SCALE_SUFFIX, dequantize_rows

Layout = Literal["tf1", "hf"]


@dataclasses.dataclass(frozen=True)
class CheckpointFiles:
    layout: Layout
    directory: Path
    config: Path
    vocab: Path  # may not exist (a model with only tokenizer.json)
    weights: Path  # TF1: the checkpoint prefix; HF: the weights file

    @property
    def tokenizer_json(self) -> Path:
        return self.directory / "tokenizer.json"

    def require_vocab(self) -> Path:
        if not self.vocab.exists():
            raise CheckpointError(f"{self.vocab}: missing (the checkpoint's vocabulary)")
        return self.vocab


class TensorSource(Protocol):
    """Named arrays of a checkpoint file, read lazily."""

    path: Path

    def names(self) -> set[str]: ...

    def shape(self, name: str) -> tuple[int, ...]: ...

    def get(self, name: str) -> np.ndarray: ...


def find_checkpoint(path: str | Path) -> CheckpointFiles:
    """Which layout `path` holds, and its files; a clear error naming what is missing."""
    directory = Path(path)
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: not a directory (expected a checkpoint directory)")
    vocab = directory / "vocab.txt"
    if (directory / "bert_config.json").exists():
        indexes = sorted(directory.glob("*.ckpt*.index"))
        if not indexes:
            raise CheckpointError(
                f"{directory}: has bert_config.json but no TF1 checkpoint (bert_model.ckpt.index and .data-*)"
            )
        preferred = directory / "bert_model.ckpt.index"
        index = preferred if preferred in indexes else indexes[0]
        prefix = Path(str(index)[: -len(".index")])
        if not list(directory.glob(prefix.name + ".data-*")):
            raise CheckpointError(f"{prefix}.data-*: missing (the checkpoint's data file next to {index.name})")
        files = CheckpointFiles("tf1", directory, directory / "bert_config.json", vocab, prefix)
    elif (directory / "config.json").exists():
        for name in ("model.safetensors", "pytorch_model.bin"):
            if (directory / name).exists():
                files = CheckpointFiles("hf", directory, directory / "config.json", vocab, directory / name)
                break
        else:
            raise CheckpointError(f"{directory}: has config.json but neither model.safetensors nor pytorch_model.bin")
    else:
        raise CheckpointError(
            f"{directory}: no bert_config.json (official TF1 release) or config.json (Hugging Face port)"
        )
    if files.layout == "tf1":
        files.require_vocab()
    elif not vocab.exists() and not files.tokenizer_json.exists():
        raise CheckpointError(f"{vocab}: missing, and no tokenizer.json either (the checkpoint's tokenizer)")
    return files


class TF1Source:
    """A TF1 name-based checkpoint (`tf.train.load_checkpoint`)."""

    def __init__(self, prefix: Path):
        import tensorflow as tf

        self.path = prefix
        try:
            self._reader = tf.train.load_checkpoint(str(prefix))
        except Exception as e:  # TF raises several error types for unreadable files
            raise CheckpointError(f"{prefix}: cannot read TF1 checkpoint ({type(e).__name__}: {e})") from e
        self._shapes = {k: tuple(v) for k, v in self._reader.get_variable_to_shape_map().items()}

    def names(self) -> set[str]:
        return set(self._shapes)

    def shape(self, name: str) -> tuple[int, ...]:
        return self._shapes[name]

    def get(self, name: str) -> np.ndarray:
        return np.asarray(self._reader.get_tensor(name))


class SafetensorsSource:
    """A safetensors file; matrices stored in int8 with block scales (`int8_storage`) are read as float32."""

    def __init__(self, path: Path):
        from safetensors import SafetensorError, safe_open

        self.path = path
        try:
            self._file = safe_open(str(path), framework="numpy")
            keys = set(self._file.keys())
        except (SafetensorError, OSError) as e:
            raise CheckpointError(f"{path}: cannot read safetensors file ({e})") from e
        self._scaled = {k[: -len(SCALE_SUFFIX)] for k in keys if k.endswith(SCALE_SUFFIX)}
        self._names = keys - {k + SCALE_SUFFIX for k in self._scaled}

    def names(self) -> set[str]:
        return self._names

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._file.get_slice(name).get_shape())

    def get(self, name: str) -> np.ndarray:
        if name not in self._scaled:
            return self._file.get_tensor(name)
        try:
            return dequantize_rows(self._file.get_tensor(name), self._file.get_tensor(name + SCALE_SUFFIX))
        except ValueError as e:
            raise CheckpointError(f"{self.path}: {name}: {e}") from e


class TorchBinSource:
    """`pytorch_model.bin`; needs torch, which simservice does not otherwise require."""

    def __init__(self, path: Path):
        try:
            import torch
        except ImportError:
            raise CheckpointError(
                f"{path}: reading pytorch_model.bin needs PyTorch (pip install torch), "
                "or convert the port to model.safetensors"
            ) from None
        self.path = path
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as e:  # torch raises many error types for unreadable files
            raise CheckpointError(f"{path}: cannot read PyTorch checkpoint ({e})") from e
        self._arrays = {k: v.float().numpy() for k, v in state.items() if hasattr(v, "numpy")}

    def names(self) -> set[str]:
        return set(self._arrays)

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._arrays[name].shape)

    def get(self, name: str) -> np.ndarray:
        return self._arrays[name]


def open_tensors(files: CheckpointFiles) -> TensorSource:
    if files.layout == "tf1":
        return TF1Source(files.weights)
    if files.weights.suffix == ".safetensors":
        return SafetensorsSource(files.weights)
    return TorchBinSource(files.weights)
