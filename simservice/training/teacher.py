"""Sentence vectors of a teacher model for distillation, computed once and cached in the work directory.

Running the teacher (the whole embedding model the student was cut from) every step would cost
more than the student's own step on a CPU; its vectors of a fixed sample of training sentences
are computed at the start of a run instead and read back when the run resumes.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from simservice.training.encode import ModelEncoder

log = logging.getLogger(__name__)
CACHE_FILE = "teacher.npz"


def sample_sentences(texts: Sequence[str], limit: int, seed: int) -> list[str]:
    """Distinct non-empty texts, at most `limit` of them drawn at random (a pure function of the seed)."""
    unique = sorted({t for t in texts if t})
    if len(unique) <= limit:
        return unique
    rng = np.random.default_rng([seed, 8])
    return [unique[i] for i in sorted(rng.choice(len(unique), size=limit, replace=False))]


def teacher_vectors(work_dir: str | Path, teacher: str | Path, texts: Sequence[str], max_length: int,
                    prompt: str | None = None) -> np.ndarray:
    """The teacher's unit vectors of `texts` (float32), from `work_dir`/teacher.npz when it holds exactly
    these texts from this teacher, else computed and saved there. `prompt`: the teacher's default
    prompt when None (e5: "query: ")."""
    cache = Path(work_dir) / CACHE_FILE
    key = f"{Path(teacher).resolve()}|{max_length}|{prompt}"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            if str(saved["key"]) == key and saved["texts"].tolist() == list(texts):
                return saved["vectors"].astype(np.float32)
        log.info("teacher: %s is for other sentences or another teacher; computing again", cache)
    from simservice.model.loader import load_checkpoint

    model, tokenizer = load_checkpoint(teacher, max_length=max_length)
    text = tokenizer.prompts.text() if prompt is None else prompt
    log.info("teacher: encoding %d sentences with %s (prompt %r)", len(texts), teacher, text)
    start = time.monotonic()
    vectors = ModelEncoder(model, tokenizer, max_length)(texts, text)
    log.info("teacher: %d sentences in %.0f s", len(texts), time.monotonic() - start)
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, key=np.array(key), texts=np.array(list(texts)), vectors=vectors.astype(np.float16))
    tmp.replace(cache)
    return vectors.astype(np.float16).astype(np.float32)
