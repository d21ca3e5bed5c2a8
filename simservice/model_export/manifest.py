"""model.json: what a client of an exported model needs to know to tokenize and call it the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simservice.model.sim_model import SimModel
from simservice.model.tokenizer import Tokenizer
from simservice.model_export.signatures import INPUT_NAMES, LOGITS_OUTPUT, VECTOR_OUTPUT

MANIFEST = "model.json"
POOLING = {
    "linear": "[CLS] of the last layer through the linear pooler, then L2",
    "cls": "[CLS] of the last layer, then L2",
    "mean": "mean of the last layer over real tokens (padding excluded), then L2",
}


def model_facts(model: SimModel, tokenizer: Tokenizer, fmt: str, functions: dict[str, str],
                exporter: dict[str, Any]) -> dict[str, Any]:
    """The facts of `model` and of the exported functions (`functions`: signature names or file names)."""
    c = model.config
    inputs = {name: "int32 [batch, length]" for name in INPUT_NAMES}
    facts = {
        "format": fmt,
        "family": c.family,
        "architecture": c.architecture,
        "dim": c.hidden_size,
        "vocab_size": c.vocab_size,
        "num_layers": c.num_layers,
        "num_heads": c.num_heads,
        "max_position": c.max_position if c.absolute_positions else None,
        "tokenizer": {
            "vocab": tokenizer.FILE,
            "kind": tokenizer.KIND,
            "max_length": tokenizer.max_length,
            "prompts": dict(tokenizer.prompts.by_name),
            "default_prompt_name": tokenizer.prompts.default_name,
            "truncation": "keep [CLS] and [SEP], drop tokens from the end of the text",
            "special_ids": {"pad": tokenizer.pad_id, "unk": tokenizer.unk_id, "cls": tokenizer.cls_id,
                            "sep": tokenizer.sep_id, "mask": tokenizer.mask_id},
        },
        "encoder": {
            "name": functions["encoder"],
            "inputs": inputs,
            "output": {VECTOR_OUTPUT: f"float32 [batch, {c.hidden_size}], L2-normalised"},
            "pooling": POOLING[c.pooling],
            "segment_ids": "all 0",
            "padding_mask": "1 on real tokens, 0 on padding",
        },
        "exporter": exporter,
    }
    if not model.can_generate:
        return facts
    return facts | {
        "next_token": {
            "name": functions["next_token"],
            "inputs": inputs,
            "output": {LOGITS_OUTPUT: f"float32 [batch, {c.vocab_size}], after each row's last real token"},
            "segment_ids": "0 on [CLS] source [SEP], 1 on the tokens generated so far (UniLM)",
            "stop": "[SEP] ends a generated sentence",
        },
        "kv_cache_step": "not exported: next_token recomputes the prefix at every step (exact, slower); "
                         "docker/README.md says why",
    }


def write_manifest(directory: Path, facts: dict[str, Any], vocab: Path) -> None:
    """model.json and a byte-for-byte copy of the checkpoint's tokenizer file (vocab.txt or tokenizer.json)."""
    (directory / MANIFEST).write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (directory / vocab.name).write_bytes(vocab.read_bytes())
