"""What every CollectionManager shares: `ensure` and `describe` in terms of create and get."""

from __future__ import annotations

from typing import Any, BinaryIO

from .errors import CollectionExists, CollectionNotFound, DimensionMismatch, InvalidArgument, Unsupported
from .protocol import VectorStore
from .types import CollectionInfo, IndexSpec, SnapshotInfo

DEFAULT = "default"
# The tools of backends that cannot declare their own snapshot_tool yet (milvus_* move into index/milvus/ next).
TOOLS = {"milvus": "Milvus's own tool, milvus-backup (github.com/zilliztech/milvus-backup)"}


class CollectionsBase:
    """Base class of the backends' managers; subclasses give create, get, list, drop, close."""

    backend = ""
    snapshots = False  # capability: collection snapshots, restores and swaps (create_snapshot... below)
    snapshot_tool = ""  # what to use instead, named when they are refused

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None) -> VectorStore:
        raise NotImplementedError

    def get(self, name: str) -> VectorStore:
        raise NotImplementedError

    def ensure(self, name: str, dim: int, metric: str = "cosine") -> VectorStore:
        try:
            store = self.get(name)
        except CollectionNotFound:
            try:
                return self.create(name, dim, metric)
            except CollectionExists:  # created meanwhile by another thread or replica
                store = self.get(name)
        if store.config.dim != dim:
            raise DimensionMismatch(
                f"collection {name!r} has dimension {store.config.dim}, not {dim}: the model "
                "changed; use another collection or drop this one"
            )
        if store.config.metric != metric:
            raise InvalidArgument(f"collection {name!r} uses metric {store.config.metric!r}, not {metric!r}")
        return store

    def describe(self, name: str) -> CollectionInfo:
        return self.get(name).info()

    def check(self) -> None:
        """An embedded backend is always there."""

    def failed(self) -> dict[str, str]:
        """Collections that could not be opened, by name, with the reason (none by default)."""
        return {}

    # -- snapshots and swaps: backends that can override these ------------------------------

    def _unsupported(self, what: str) -> Unsupported:
        tool = self.snapshot_tool or TOOLS.get(self.backend)
        if tool:
            return Unsupported(f"{what} is not done by simservice on the {self.backend} backend: back collections up "
                               f"and restore them with {tool}, or export and import them with `simservice export` / "
                               "`simservice import`")
        return Unsupported(f"{what} is not supported by the {self.backend or 'this'} backend: use the faiss backend, "
                           "or `simservice export` / `simservice import`")

    def create_snapshot(self, name: str, labels: dict[str, Any]) -> SnapshotInfo:
        raise self._unsupported("a collection snapshot")

    def list_snapshots(self, name: str) -> list[SnapshotInfo]:
        raise self._unsupported("a collection snapshot")

    def snapshot_file(self, name: str, snapshot: str) -> str:
        raise self._unsupported("a collection snapshot")

    def delete_snapshot(self, name: str, snapshot: str) -> None:
        raise self._unsupported("a collection snapshot")

    def add_snapshot(self, name: str, source: BinaryIO) -> SnapshotInfo:
        raise self._unsupported("a collection snapshot")

    def restore_snapshot(self, name: str, snapshot: str, *, dim: int, labels: dict[str, Any],
                         replace: bool = False) -> CollectionInfo:
        raise self._unsupported("restoring a snapshot")

    def replace_collection(self, name: str, source: str) -> None:
        raise self._unsupported("swapping collections")

    def _missing(self, name: str) -> CollectionNotFound:
        return CollectionNotFound(
            f"collection {name!r} does not exist: create it first (collections: "
            f"{', '.join(self.list()) or 'none'})"
        )
