"""Write a `SimModel` as an official-format TF1 checkpoint directory that `load_checkpoint` reads back.

The directory holds `bert_config.json`, `bert_model.ckpt.{index,data-00000-of-00001}` with
Google-BERT variable names, and `vocab.txt`, like the released RoFormer-Sim models, so
bert4keras and other BERT tooling can read what simservice trains.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer
from simservice.model.weight_map import tf1_table

CHECKPOINT_NAME = "bert_model.ckpt"


def write_vocab(tokenizer: Tokenizer, path: Path) -> None:
    by_id = sorted(tokenizer.vocab.items(), key=lambda item: item[1])
    with open(path, "w", encoding="utf-8") as f:
        for token, _ in by_id:
            f.write(token + "\n")


def write_tensors(prefix: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """Write named arrays as a TF1 name-based checkpoint (`prefix.index`, `prefix.data-*`)."""
    import tensorflow as tf

    names = sorted(arrays)
    tf.raw_ops.SaveV2(
        prefix=str(prefix),
        tensor_names=names,
        shape_and_slices=[""] * len(names),
        tensors=[tf.convert_to_tensor(arrays[name]) for name in names],
    )


def save_tf1(model: SimModel, tokenizer: Tokenizer, directory: str | Path) -> Path:
    """Write the checkpoint into `directory` (created or replaced whole, atomically by rename)."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a model directory is meant to be shared
    try:
        write_tensors(staging / CHECKPOINT_NAME, {e.name: e.variable.numpy() for e in tf1_table(model)})
        (staging / "checkpoint").write_text(
            f'model_checkpoint_path: "{CHECKPOINT_NAME}"\nall_model_checkpoint_paths: "{CHECKPOINT_NAME}"\n'
        )
        with open(staging / "bert_config.json", "w", encoding="utf-8") as f:
            json.dump(model.config.to_bert_config(), f, indent=2)
        write_vocab(tokenizer, staging / "vocab.txt")
        for file in staging.iterdir():
            with open(file, "rb") as f:
                os.fsync(f.fileno())
        if target.exists():
            old = target.with_name(target.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
