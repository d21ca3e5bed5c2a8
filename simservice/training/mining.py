"""Paraphrase pairs mined from plain sentences with an encoder, as SimBERT mined its similar questions:
each sentence's nearest neighbours above a cosine threshold, deduplicated, written as a labelled pair
file (label 1) that `train --positives` reads like any other."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

HEADER = ("sentence1", "sentence2", "label", "cosine", "source")


@dataclasses.dataclass(frozen=True)
class MinedPair:
    first: str
    second: str
    cosine: float


def letters(text: str) -> str:
    """The text without punctuation, spaces, control characters and case (NFKC): what two copies of a
    sentence share."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower()
                   if not unicodedata.category(c).startswith(("P", "Z", "C")))


def distinct(texts: Sequence[str]) -> list[str]:
    """Non-empty texts, the first of each group that differ only in punctuation, spaces or case."""
    seen: dict[str, str] = {}
    for text in texts:
        key = letters(text)
        if key and key not in seen:
            seen[key] = text.strip()
    return list(seen.values())


def mine(texts: Sequence[str], vectors: np.ndarray, *, threshold: float = 0.95, neighbours: int = 5,
         min_edit: int = 2) -> list[MinedPair]:
    """Pairs (i, j) where j is among i's `neighbours` nearest (cosine of unit `vectors`) at >= `threshold`,
    each unordered pair once, whose letters differ by at least `min_edit` edits; best first."""
    import faiss

    if len(texts) != len(vectors):
        raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
    if len(texts) < 2:
        return []
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    scores, ids = index.search(x, min(neighbours + 1, len(texts)))
    keys = [letters(t) for t in texts]
    found: dict[tuple[int, int], float] = {}
    for i, (row_scores, row_ids) in enumerate(zip(scores, ids)):
        for score, j in zip(row_scores, row_ids):
            if j < 0 or j == i or score < threshold:
                continue
            pair = (min(i, int(j)), max(i, int(j)))
            if pair not in found and Levenshtein.distance(keys[i], keys[j]) >= min_edit:
                found[pair] = float(score)
    ordered = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return [MinedPair(texts[i], texts[j], score) for (i, j), score in ordered]


def write_pairs(pairs: Sequence[MinedPair], path: str | Path, source: str = "mined") -> Path:
    def clean(text: str) -> str:  # the pair file is plain TSV: no tabs or line breaks inside a field
        return " ".join(text.split())

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\t".join(HEADER) + "\n")
        for p in pairs:
            f.write(f"{clean(p.first)}\t{clean(p.second)}\t1\t{p.cosine:.4f}\t{source}\n")
    tmp.replace(path)
    return path


def encode_all(encode: Callable[[list[str]], np.ndarray], texts: Sequence[str], chunk: int = 256) -> np.ndarray:
    """Unit vectors of every text, `chunk` at a time, with a progress bar."""
    from tqdm import tqdm

    parts = []
    with tqdm(total=len(texts), desc="encode", unit="sentence", mininterval=5.0) as bar:
        for start in range(0, len(texts), chunk):
            parts.append(np.asarray(encode(list(texts[start:start + chunk])), np.float32))
            bar.update(len(parts[-1]))
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
