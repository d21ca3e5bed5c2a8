"""The index's two protocols: `CollectionManager` (the named collections of one backend) and
`VectorStore` (one collection). Every backend (FAISS, numpy, Milvus, pgvector) implements both and passes
the conformance suite in tests/index/test_conformance.py; the service sees nothing else.

A store is one collection: items with caller-chosen string ids, a text, a JSON metadata object
and a vector of fixed dimension. Writes are batches applied whole or not at all; a search never
sees half a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO, Protocol, runtime_checkable

import numpy as np

from .types import CollectionConfig, CollectionInfo, Hit, IndexSpec, Item, SnapshotInfo


@runtime_checkable
class VectorStore(Protocol):
    config: CollectionConfig

    def upsert(self, items: Sequence[Item]) -> None:
        """Insert or replace items by id, all in one atomic batch; returns once durable."""

    def delete(self, ids: Sequence[str]) -> int:
        """Delete items by id (unknown ids are ignored); returns how many were deleted."""

    def delete_where(self, filter: dict[str, Any]) -> int:
        """Delete every item whose metadata passes `filter` (see filters.py, or its tree from
        `filters.parse`; an empty filter is refused: drop the collection instead); returns how many
        were deleted, once durable."""

    def get(self, item_id: str) -> Item:
        """The item with that id; raises ItemNotFound."""

    def get_many(self, ids: Sequence[str]) -> list[Item]:
        """The items of those ids that exist, each once, in the order of their first mention."""

    def page(self, offset: int = 0, limit: int = 100) -> list[Item]:
        """Items ordered by id, skipping `offset` and returning at most `limit`."""

    def count(self) -> int:
        """How many items the collection holds."""

    def search(
        self,
        queries: np.ndarray,
        k: int = 10,
        filter: dict[str, Any] | None = None,
        min_score: float | None = None,
        search_params: dict[str, int] | None = None,
    ) -> list[list[Hit]]:
        """For each query row, at most k hits by descending score, only items whose metadata
        passes `filter` (the language of filters.py, or its tree from `filters.parse`) and whose
        score is at least `min_score`.
        `search_params` tune this one search of an approximate index: {"ef": n} (hnsw) or
        {"nprobe": n} (ivf, at most nlist); InvalidArgument for another index kind."""

    def info(self) -> CollectionInfo:
        """Count, dimension, metric, index type and size on disk."""

    def close(self) -> None:
        """Release resources (the FAISS store also writes a final snapshot)."""


@runtime_checkable
class CollectionManager(Protocol):
    """The named collections of one backend. Names: 1-64 letters, digits, '_' or '-'."""

    backend: str  # "faiss", "numpy", "milvus", "pgvector"
    snapshots: bool  # whether the snapshot and swap calls below work; if not they raise Unsupported (HTTP 422)

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None) -> VectorStore:
        """A new empty collection; CollectionExists if the name is taken."""

    def ensure(self, name: str, dim: int, metric: str = "cosine") -> VectorStore:
        """The collection, created (exact index) if absent; DimensionMismatch if it exists with
        another dimension, InvalidArgument if with another metric."""

    def get(self, name: str) -> VectorStore:
        """The collection; CollectionNotFound if absent."""

    def list(self) -> list[str]:
        """Names of all collections, sorted."""

    def describe(self, name: str) -> CollectionInfo:
        """The collection's info; CollectionNotFound if absent."""

    def drop(self, name: str) -> None:
        """Delete the collection and its data; CollectionNotFound if absent."""

    def check(self) -> None:
        """Raise BackendUnavailable when the backend cannot serve (an embedded one always can)."""

    def failed(self) -> dict[str, str]:
        """Collections set aside because they could not be opened, by name, with the reason."""

    def close(self) -> None:
        """Release every collection."""

    # Snapshots and swaps, an optional capability (`snapshots`): FAISS has them; CollectionsBase refuses
    # them with Unsupported naming the backend and its own tool (Milvus: milvus-backup; Postgres: pg_dump).

    def create_snapshot(self, name: str, labels: dict[str, Any]) -> SnapshotInfo:
        """A consistent copy of the collection while writes continue, with a manifest holding the
        dimension, metric, index, count and the caller's `labels` (the serving layer's model)."""

    def list_snapshots(self, name: str) -> list[SnapshotInfo]:
        """The collection's snapshots, oldest first (kept after the collection is dropped)."""

    def snapshot_file(self, name: str, snapshot: str) -> str:
        """The path of a snapshot file, to download; SnapshotNotFound if absent."""

    def delete_snapshot(self, name: str, snapshot: str) -> None:
        """Delete a snapshot file; SnapshotNotFound if absent."""

    def add_snapshot(self, name: str, source: BinaryIO) -> SnapshotInfo:
        """Store an uploaded snapshot file among the collection's, checked; SnapshotMismatch if it is not one."""

    def restore_snapshot(self, name: str, snapshot: str, *, dim: int, labels: dict[str, Any],
                         replace: bool = False) -> CollectionInfo:
        """Make collection `name` the snapshot's state. Refused (DimensionMismatch, SnapshotMismatch) when
        its dimension is not `dim` or its labels differ from `labels`; CollectionExists unless `replace`."""

    def replace_collection(self, name: str, source: str) -> None:
        """Move collection `source` over `name` in one step (reindex: build beside, then swap)."""
