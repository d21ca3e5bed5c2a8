"""Helpers of the export tests: the models exported, the inputs a client sends, simservice's own answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.paths import FIXTURES, ROOT

MODELS = {"roformer": FIXTURES / "roformer_tf1", "bert": FIXTURES / "bert_tf1", "demo": ROOT / "models" / "demo"}
TEXTS = ["今天天气怎么样", "明天会下雨吗？我想去公园玩一下", "abc", "花呗如何开通"]


def client_tokenizer(directory: Path):
    """simservice's tokenizer over the file an export names in model.json (vocab.txt or tokenizer.json)."""
    from simservice.model.piece_tokenizer import PieceTokenizer
    from simservice.model.tokenizer import Tokenizer

    name = json.loads((directory / "model.json").read_text(encoding="utf-8"))["tokenizer"]["vocab"]
    return PieceTokenizer(directory / name) if name == PieceTokenizer.FILE else Tokenizer.from_file(directory / name)


def padded(rows: list[list[int]], length: int | None = None) -> dict[str, np.ndarray]:
    """The exported functions' inputs for `rows` right-padded to `length` (default: the longest)."""
    length = length or max(len(r) for r in rows)
    ids = np.zeros((len(rows), length), np.int32)
    mask = np.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask}


def unilm_rows(pipeline, texts: list[str], targets: list[list[int]]) -> dict[str, np.ndarray]:
    """Source + generated prefix per row, segment 1 on the prefix, right-padded (UniLM inputs)."""
    sources = pipeline.tokenizer.encode_batch(texts)
    inputs = padded([s + t for s, t in zip(sources, targets)])
    for i, s in enumerate(sources):
        inputs["segment_ids"][i, len(s): len(s) + len(targets[i])] = 1
    return inputs


def reference_next_logits(pipeline, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """simservice's own MLM logits at each row's last real token, from the loaded Keras model."""
    import tensorflow as tf

    model = pipeline.model
    hidden = model({"token_ids": tf.constant(inputs["token_ids"]), "segment_ids": tf.constant(inputs["segment_ids"]),
                    "padding_mask": tf.constant(inputs["padding_mask"].astype(bool))})
    logits = model.logits(hidden).numpy()
    last = inputs["padding_mask"].sum(axis=1) - 1
    return logits[np.arange(len(last)), last]
