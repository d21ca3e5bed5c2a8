"""Plain data passed in and out of a vector store: items, hits, collection config and info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

METRICS = ("cosine", "ip")


@dataclass
class Item:
    """One stored item: the caller's id, its text, a JSON metadata object and its vector."""

    id: str
    vector: Any  # sequence of floats or a 1-D numpy array of length dim
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One search result: the item's id, its score (higher is closer), text and metadata."""

    id: str
    score: float
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class CollectionConfig:
    """What a collection is created with and keeps for life (index may be changed by rebuild).

    metric: "cosine" (vectors are L2-normalised on the way in, score = cosine) or "ip"
    (raw inner product). index: a FAISS factory string, "Flat" for exact search.
    search_params: e.g. {"nprobe": 16} for IVF, {"efSearch": 64} for HNSW.
    """

    name: str
    dim: int
    metric: str = "cosine"
    index: str = "Flat"
    search_params: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectionInfo:
    """What describe() reports about a collection."""

    name: str
    dim: int
    metric: str
    index: str  # the index asked for
    active_index: str  # the index answering searches now (exact fallback until trained)
    search_params: dict[str, int]
    count: int
    tombstones: int  # deleted vectors still inside an index that cannot delete (HNSW)
    disk_bytes: int
    note: str = ""


def as_matrix(vectors: Any) -> np.ndarray:
    """Vectors as a C-contiguous float32 matrix [n, dim] (a single 1-D vector becomes n=1)."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    return np.ascontiguousarray(array)
