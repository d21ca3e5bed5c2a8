"""A model's default sampling: what a paraphrase call that names no sampler, top_k or top_p samples with.

It is the sampling keys of the checkpoint's `generation_config.json` (Hugging Face's file: `do_sample`
false is greedy; `top_k`, `top_p`, `min_p`, `temperature`, `repetition_penalty` as named), else
RoFormer-Sim's gen_synonyms sampler, top_p 0.95 (`sampler.DEFAULT_SAMPLING`). The shipped demo names
top_k 5, SimBERT's gen_synonyms sampler, which reads better on it (bench/NOTES.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simservice.inference.sampler import DEFAULT_SAMPLING, SHAPING, sampling_params

FILE = "generation_config.json"
KEYS = ("top_k", "top_p", "min_p", "temperature", "repetition_penalty")


def read(checkpoint: str | Path) -> dict[str, Any]:
    """The default sampling knobs of the checkpoint at `checkpoint` (its directory, or a file in it); a
    file that cannot be read or names values out of bounds is a ValueError naming it."""
    folder = Path(checkpoint)
    path = (folder if folder.is_dir() else folder.parent) / FILE
    if not path.is_file():
        return dict(DEFAULT_SAMPLING)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    if data.get("do_sample") is False:
        return {"top_k": 1}
    knobs = {key: data[key] for key in KEYS if data.get(key) is not None}
    if not any(key in knobs for key in SHAPING):
        knobs = {**DEFAULT_SAMPLING, **knobs}
    try:
        sampling_params(None, knobs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return knobs


def write(folder: str | Path, knobs: dict[str, Any]) -> None:
    """`knobs` as `folder`/generation_config.json, where they differ from the fallback (an export keeps
    its model's default sampling)."""
    if knobs != DEFAULT_SAMPLING:
        data = {"do_sample": knobs.get("top_k") != 1, **{k: v for k, v in knobs.items() if k in KEYS}}
        (Path(folder) / FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
