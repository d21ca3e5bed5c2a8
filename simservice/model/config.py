"""The shape of a RoFormer / BERT model, read from `bert_config.json` or a Hugging Face `config.json`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Literal

Architecture = Literal["roformer", "bert"]
# How a sentence vector is read from the last hidden states: [CLS] through SimBERT's linear
# pooler Dense, [CLS] as it is (bge), or the mean over real tokens (e5, text2vec).
Pooling = Literal["linear", "cls", "mean"]
POOLINGS: tuple[Pooling, ...] = ("linear", "cls", "mean")

# bert4keras builds RoFormer's embedding and block LayerNorms with Keras' default epsilon
# (1e-7) and every other LayerNorm with 1e-12; we follow it for TF1 checkpoints of RoFormer.
BERT4KERAS_ROFORMER_EPSILON = 1e-7


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the backbone and its heads; mirrors the constructor of `SimModel`."""

    vocab_size: int
    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    intermediate_size: int = 3072
    architecture: Architecture = "roformer"
    embedding_size: int | None = None  # None: same as hidden_size
    max_position: int = 512  # only used by BERT's absolute position embedding
    type_vocab_size: int = 2
    hidden_act: str = "gelu"
    layer_norm_epsilon: float = 1e-12  # the backbone's LayerNorms
    head_layer_norm_epsilon: float = 1e-12  # the MLM head's LayerNorm
    rotary_base: float = 10000.0
    dropout: float = 0.1
    pooling: Pooling = "linear"
    generator: bool = True  # an MLM head for UniLM generation (RoFormer-Sim, SimBERT); embedding models have none
    family: str = "roformer-sim"  # the model family that read the checkpoint (model/families/), for reports

    def __post_init__(self) -> None:
        if self.architecture not in ("roformer", "bert"):
            raise ValueError(f"architecture must be 'roformer' or 'bert', not {self.architecture!r}")
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}"
            )
        if self.architecture == "roformer" and self.head_size % 2:
            raise ValueError(f"rotary embedding needs an even head size, got {self.head_size}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {self.pooling!r}")
        if self.hidden_act not in ("gelu", "gelu_erf", "relu", "gelu_new", "gelu_tanh"):
            raise ValueError(f"unsupported hidden_act {self.hidden_act!r}")

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_heads

    @property
    def absolute_positions(self) -> bool:
        """BERT's learned position table (RoFormer has only the rotary, relative positions)."""
        return self.architecture == "bert"

    @property
    def embedding_dim(self) -> int:
        return self.embedding_size or self.hidden_size

    def replace(self, **changes: Any) -> "ModelConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    # -- official and Hugging Face config files -------------------------------------------

    @classmethod
    def from_bert_config(cls, path: str | Path, architecture: Architecture) -> "ModelConfig":
        """Read Google-BERT's `bert_config.json`, as shipped with the bert4keras-era releases."""
        raw = _read_json(path)
        eps = raw.get("layer_norm_eps")
        if eps is None:
            eps = BERT4KERAS_ROFORMER_EPSILON if architecture == "roformer" else 1e-12
        return cls(**_shape_fields(raw, path), architecture=architecture, layer_norm_epsilon=float(eps))

    @classmethod
    def from_hf_config(cls, path: str | Path, architecture: Architecture) -> "ModelConfig":
        """Read a Hugging Face `config.json` (RoFormer or BERT port)."""
        raw = _read_json(path)
        if raw.get("rotary_value"):
            raise ValueError(f"{path}: rotary_value=true (RoFormer-v1 'rotary on values') is not supported")
        eps = float(raw.get("layer_norm_eps", 1e-12))
        return cls(**_shape_fields(raw, path), architecture=architecture,
                   layer_norm_epsilon=eps, head_layer_norm_epsilon=eps)

    def to_bert_config(self) -> dict[str, Any]:
        """The `bert_config.json` that `from_bert_config` reads back to this config."""
        out: dict[str, Any] = {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_layers,
            "num_attention_heads": self.num_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_act": self.hidden_act,
            "max_position_embeddings": self.max_position,
            "type_vocab_size": self.type_vocab_size,
            "hidden_dropout_prob": self.dropout,
            "attention_probs_dropout_prob": self.dropout,
            "layer_norm_eps": self.layer_norm_epsilon,
        }
        if self.embedding_size and self.embedding_size != self.hidden_size:
            out["embedding_size"] = self.embedding_size
        return out


def _read_json(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a readable JSON config ({e})") from e


def _required(raw: dict[str, Any], key: str, path: str | Path) -> Any:
    if key not in raw:
        raise ValueError(f"{path}: missing required key {key!r}")
    return raw[key]


def _shape_fields(raw: dict[str, Any], path: str | Path) -> dict[str, Any]:
    """The fields that BERT-style config files name the same way."""
    return {
        "vocab_size": _required(raw, "vocab_size", path),
        "hidden_size": _required(raw, "hidden_size", path),
        "num_layers": _required(raw, "num_hidden_layers", path),
        "num_heads": _required(raw, "num_attention_heads", path),
        "intermediate_size": _required(raw, "intermediate_size", path),
        "embedding_size": _embedding_size(raw),
        "max_position": raw.get("max_position_embeddings", 512),
        "type_vocab_size": raw.get("type_vocab_size", 2),
        "hidden_act": raw.get("hidden_act", "gelu"),
    }


def _embedding_size(raw: dict[str, Any]) -> int | None:
    size = raw.get("embedding_size")
    return None if size in (None, raw.get("hidden_size")) else int(size)
