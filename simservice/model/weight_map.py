"""One table from the Keras variables of `SimModel` to checkpoint names, plus small transforms.

Google-BERT TF1 names (`bert/encoder/layer_0/attention/self/query/kernel`, ...) are the
table; Hugging Face names (`roformer.encoder.layer.0.attention.self.query.weight`, ...) are
derived from them by one rule, with PyTorch's [out, in] Linear weights transposed.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from simservice.model.sim_model import SimModel

Transform = Callable[[np.ndarray], np.ndarray]

# Keras variable path inside a layer -> checkpoint sub-name, for one transformer block.
_BLOCK = {
    "attention/query": "attention/self/query",
    "attention/key": "attention/self/key",
    "attention/value": "attention/self/value",
    "attention/output": "attention/output/dense",
    "attention_norm": "attention/output/LayerNorm",
    "intermediate": "intermediate/dense",
    "ffn_output": "output/dense",
    "ffn_norm": "output/LayerNorm",
}

_TOP = {
    "backbone/token_embedding/embeddings": "{p}/embeddings/word_embeddings",
    "backbone/segment_embedding/embeddings": "{p}/embeddings/token_type_embeddings",
    "backbone/position_embedding/embeddings": "{p}/embeddings/position_embeddings",
    "backbone/embedding_norm": "{p}/embeddings/LayerNorm",
    "backbone/embedding_mapping": "{p}/encoder/embedding_hidden_mapping_in",
    "pooler/dense": "{p}/pooler/dense",
    "mlm_head/dense": "cls/predictions/transform/dense",
    "mlm_head/norm": "cls/predictions/transform/LayerNorm",
    "mlm_head/bias": "cls/predictions/output_bias",
}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One model variable, the checkpoint name it comes from, and how to turn the stored array into it."""

    variable: object  # keras.Variable
    name: str
    transform: Transform | None = None
    aliases: tuple[str, ...] = ()


def tf1_name(path: str, prefix: str = "bert") -> str:
    """The Google-BERT checkpoint name of a Keras variable path of `SimModel`."""
    head, _, leaf = path.rpartition("/")
    if path in _TOP:
        return _TOP[path].format(p=prefix)
    if head in _TOP:
        return _TOP[head].format(p=prefix) + "/" + leaf
    parts = path.split("/")
    if parts[0] == "backbone" and parts[1].startswith("layer_"):
        block = "/".join(parts[2:-1])
        if block in _BLOCK:
            return f"{prefix}/encoder/{parts[1]}/{_BLOCK[block]}/{parts[-1]}"
    raise KeyError(f"no checkpoint name for model variable {path}")


def hf_name(tf1: str, prefix: str) -> str:
    """Hugging Face name of a Google-BERT checkpoint name; `prefix` is e.g. 'roformer.' or ''."""
    parts = tf1.split("/")
    if parts[0] in ("bert", "roformer"):
        parts = parts[1:]
        if parts[:2] == ["encoder", "embedding_hidden_mapping_in"]:
            parts = ["embeddings_project"] + parts[2:]
        parts = [prefix.rstrip(".")] + parts if prefix else parts
    if parts[-1] == "output_bias":
        parts[-1] = "bias"
    elif parts[-1] in ("kernel", "gamma"):
        parts[-1] = "weight"
    elif parts[-1] == "beta":
        parts[-1] = "bias"
    elif parts[-1] in ("word_embeddings", "token_type_embeddings", "position_embeddings"):
        parts.append("weight")
    out = []
    for part in parts:
        if part.startswith("layer_") and part[6:].isdigit():
            out += ["layer", part[6:]]
        else:
            out.append(part)
    return ".".join(out)


def _transpose(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.T)


def tf1_table(model: SimModel, prefix: str = "bert") -> list[Entry]:
    return [Entry(v, tf1_name(v.path, prefix)) for v in model.weights]


def hf_table(model: SimModel, prefix: str) -> list[Entry]:
    entries = []
    for v in model.weights:
        name = hf_name(tf1_name(v.path), prefix)
        is_kernel = v.path.endswith("/kernel")
        aliases = ()
        if name.endswith("LayerNorm.weight"):
            aliases = (name[: -len("weight")] + "gamma",)
        elif name.endswith("LayerNorm.bias"):
            aliases = (name[: -len("bias")] + "beta",)
        entries.append(Entry(v, name, _transpose if is_kernel else None, aliases))
    return entries
