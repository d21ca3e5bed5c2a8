"""Plain data passed in and out of a vector store: items, hits, collection config and info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METRICS = ("cosine", "ip")
INDEX_KINDS = ("exact", "hnsw", "ivf")


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
class IndexSpec:
    """The index of a collection, in words every backend understands.

    kind: "exact" (brute force, the true top-k), "hnsw" (a graph; `m` links per node,
    `ef` candidates per search) or "ivf" (k-means lists; `nlist` lists, `nprobe` searched).
    Each backend maps it to its own index (FAISS `HNSW32`, Milvus `HNSW` {M, efConstruction}).
    Unset numbers take their defaults once validated (`validation.check_index_spec`).
    """

    kind: str = "exact"
    m: int | None = None
    ef: int | None = None
    nlist: int | None = None
    nprobe: int | None = None

    def params(self) -> dict[str, int]:
        """The numbers that are set, by name."""
        return {k: v for k, v in (("m", self.m), ("ef", self.ef), ("nlist", self.nlist),
                                  ("nprobe", self.nprobe)) if v is not None}


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
    """What describe() reports about a collection. `index`, `active_index` and `search_params`
    are in the backend's own terms; `spec` is the backend-neutral index (None for a FAISS
    factory string that has no neutral name)."""

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
    spec: IndexSpec | None = None
    backend: str = ""


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot file of a collection: its name, size in bytes, when it was made (UTC, ISO 8601)
    and its manifest (backend, dim, metric, index, count and the caller's labels, e.g. the model)."""

    name: str
    collection: str
    size: int
    created: str
    manifest: dict[str, Any]
