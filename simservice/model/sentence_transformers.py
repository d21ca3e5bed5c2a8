"""What a checkpoint's sentence-transformers files say: pooling, prompts and the sequence length.

`modules.json` names the modules (the Pooling one has a `config.json` in its folder, usually
`1_Pooling/`), `config_sentence_transformers.json` holds `prompts` and `default_prompt_name`,
and `sentence_bert_config.json` holds `max_seq_length`. Every file is optional.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from simservice.model.config import Pooling
from simservice.model.errors import CheckpointError
from simservice.model.prompts import Prompts

POOLING_MODULE = "sentence_transformers.models.Pooling"
# The pooling modes of a Pooling config.json that simservice computes, and the one it maps to.
_MODES: dict[str, Pooling] = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean"}
_UNSUPPORTED = ("pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                "pooling_mode_lasttoken")


@dataclasses.dataclass(frozen=True)
class SentenceTransformersFiles:
    pooling: Pooling | None = None  # None: the files do not say
    prompts: Prompts = Prompts()
    max_seq_length: int | None = None


def read_sentence_transformers(directory: Path, pooling: Pooling | None = None) -> SentenceTransformersFiles:
    """The facts of `directory`'s sentence-transformers files (`pooling`, when given, overrides
    theirs); CheckpointError for a file that is there but unreadable, or a pooling mode simservice
    does not compute."""
    settings = _json(directory / "config_sentence_transformers.json") or {}
    try:
        prompts = Prompts(dict(settings.get("prompts") or {}), settings.get("default_prompt_name") or None)
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"{directory / 'config_sentence_transformers.json'}: {e}") from e
    if any(not isinstance(v, str) for v in prompts.by_name.values()):
        raise CheckpointError(f"{directory / 'config_sentence_transformers.json'}: every prompt must be a string")
    length = (_json(directory / "sentence_bert_config.json") or {}).get("max_seq_length")
    return SentenceTransformersFiles(pooling or _pooling(directory), prompts, int(length) if length else None)


def _pooling(directory: Path) -> Pooling | None:
    path = directory / "1_Pooling" / "config.json"
    modules = _json(directory / "modules.json")
    if isinstance(modules, list):
        for module in modules:
            if isinstance(module, dict) and module.get("type") == POOLING_MODULE:
                path = directory / str(module.get("path", "")) / "config.json"
    config = _json(path)
    if config is None:
        return None
    chosen = [mode for mode in (*_MODES, *_UNSUPPORTED) if config.get(mode)]
    if len(chosen) != 1 or chosen[0] not in _MODES:
        raise CheckpointError(f"{path}: pooling {', '.join(chosen) or 'none'} is not one simservice computes "
                              f"(it computes {', '.join(_MODES)}); serve it with --pooling cls or mean")
    return _MODES[chosen[0]]


def _json(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path}: not readable JSON ({e})") from e
