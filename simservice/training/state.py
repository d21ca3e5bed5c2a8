"""Training state on disk: model and optimizer variables plus the step, in one file written atomically.

Variables are stored in order with their paths; restoring checks the count, every shape, and
the path of every model weight, so a state never lands silently in a different model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

STATE_FILE = "state.npz"


def _stable_path(variable) -> str:
    # Seed-generator states are numbered per process ("seed_generator_7/..."); weights are not.
    path = variable.path
    return "seed_generator" if path.startswith("seed_generator") else path


def save_state(directory: str | Path, model, optimizer, step: int, meta: dict | None = None) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for prefix, variables in (("model", model.variables), ("optimizer", optimizer.variables)):
        for i, v in enumerate(variables):
            arrays[f"{prefix}/{i:05d}"] = np.asarray(v.numpy())
    info = {
        "step": int(step),
        "model_paths": [_stable_path(v) for v in model.variables],
        "optimizer_count": len(optimizer.variables),
        "meta": meta or {},
    }
    arrays["info"] = np.frombuffer(json.dumps(info).encode("utf-8"), dtype=np.uint8)
    target = directory / STATE_FILE
    tmp = directory / (STATE_FILE + ".tmp.npz")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return target


def has_state(directory: str | Path) -> bool:
    return (Path(directory) / STATE_FILE).is_file()


def load_state(directory: str | Path, model, optimizer) -> dict:
    """Assign the saved variables (the optimizer must be built); return the saved info (`step`, `meta`)."""
    path = Path(directory) / STATE_FILE
    with np.load(path) as data:
        info = json.loads(bytes(data["info"]).decode("utf-8"))
        paths = [_stable_path(v) for v in model.variables]
        if paths != info["model_paths"]:
            raise ValueError(f"{path}: saved model variables {info['model_paths'][:3]}... do not match "
                             f"this model's {paths[:3]}... ({len(info['model_paths'])} vs {len(paths)})")
        if len(optimizer.variables) != info["optimizer_count"]:
            raise ValueError(f"{path}: {info['optimizer_count']} optimizer variables saved, "
                             f"this optimizer has {len(optimizer.variables)}")
        for prefix, variables in (("model", model.variables), ("optimizer", optimizer.variables)):
            for i, v in enumerate(variables):
                value = data[f"{prefix}/{i:05d}"]
                if tuple(value.shape) != tuple(v.shape):
                    raise ValueError(f"{path}: {v.path} saved with shape {value.shape}, variable is {tuple(v.shape)}")
                v.assign(value)
    return info
