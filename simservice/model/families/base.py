"""What a model family says about a checkpoint: its config, tokenizer, weight names and abilities."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

from simservice.model.checkpoint_files import CheckpointFiles, TensorSource
from simservice.model.config import Architecture, ModelConfig, Pooling
from simservice.model.errors import CheckpointError
from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer
from simservice.model.weight_map import Entry


@dataclasses.dataclass
class Checkpoint:
    """An opened checkpoint directory: its files, its tensors' names, and its raw config."""

    files: CheckpointFiles
    tensors: TensorSource

    @property
    def names(self) -> set[str]:
        return self.tensors.names()

    @functools.cached_property
    def raw_config(self) -> dict[str, Any]:
        """config.json parsed once, however many families ask while detecting."""
        try:
            raw = json.loads(Path(self.files.config).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise CheckpointError(f"{self.files.config}: not a readable JSON config ({e})") from e
        if not isinstance(raw, dict):
            raise CheckpointError(f"{self.files.config}: not a JSON object")
        return raw


@dataclasses.dataclass(frozen=True)
class LoadPlan:
    """What a family decided for one checkpoint, before any weight is read."""

    config: ModelConfig
    tokenizer: Tokenizer


class Family:
    """One kind of checkpoint. A subclass says when a checkpoint is of its kind (`matches`), how its
    config and tokenizer are read (`plan`) and which tensor each model variable comes from (`table`)."""

    name: str = ""
    summary: str = ""
    can_generate: bool = False

    def matches(self, checkpoint: Checkpoint) -> bool:
        raise NotImplementedError

    def plan(self, checkpoint: Checkpoint, *, architecture: Architecture | None, pooling: Pooling | None,
             max_length: int | None) -> LoadPlan:
        raise NotImplementedError

    def table(self, model: SimModel, checkpoint: Checkpoint) -> list[Entry]:
        raise NotImplementedError


MLM_HEAD = "cls.predictions.transform.dense.weight"


def has_mlm_head(checkpoint: Checkpoint) -> bool:
    """A Hugging Face checkpoint with BERT's masked-LM head tensors (`cls.predictions.*`)."""
    return any(name.endswith(MLM_HEAD) for name in checkpoint.names)


def has_sentence_transformers(checkpoint: Checkpoint) -> bool:
    return (checkpoint.files.directory / "modules.json").exists()


def check_tokenizer_fits(tokenizer: Tokenizer, config: ModelConfig, source: Path) -> None:
    """Every id the tokenizer can give must have a row in the embedding table."""
    if tokenizer.vocab_size > config.vocab_size:
        raise CheckpointError(f"{source}: {tokenizer.vocab_size} tokens, but the config says "
                              f"vocab_size={config.vocab_size}")
