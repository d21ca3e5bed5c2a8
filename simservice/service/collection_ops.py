"""Collections, their items and their snapshots: create, list, describe, drop; upsert (encoded with
the model's document prompt), delete, get and page items; snapshots carrying the model's name."""

from __future__ import annotations

import dataclasses
from typing import Any, BinaryIO, Sequence

from simservice.index import CollectionInfo, IndexSpec, Item
from simservice.index.types import SnapshotInfo
from simservice.service.base import in_thread
from simservice.service.config import NOBODY, Caller
from simservice.service.model_ops import ModelOperations
from simservice.service.texts import check_count


@dataclasses.dataclass(frozen=True)
class TextItem:
    """An item to store: its vector is made from its text."""

    id: str
    text: str
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)


class CollectionOperations(ModelOperations):
    async def create_collection(self, name: str, *, kind: str = "exact", params: dict[str, Any] | None = None,
                                metric: str = "cosine") -> CollectionInfo:
        """A new empty collection of the model's dimension (CONFLICT if the name is taken)."""
        spec = IndexSpec(kind, **(params or {}))
        store = await in_thread(self.require_index().create, name, self.require_ready().dim, metric, spec)
        return await in_thread(store.info)

    async def ensure_collection(self, name: str) -> None:
        """The collection, created (exact, cosine) when absent; INVALID if it has another dimension."""
        await in_thread(self.require_index().ensure, name, self.require_ready().dim)

    async def check_collection(self, name: str) -> None:
        """NOT_FOUND unless the collection exists: before a long body is read or any model work."""
        await in_thread(self.require_index().get, name)

    async def list_collections(self) -> list[str]:
        return await in_thread(self.require_index().list)

    async def describe_collection(self, name: str) -> CollectionInfo:
        return await in_thread(self.require_index().describe, name)

    async def drop_collection(self, name: str) -> None:
        await in_thread(self.require_index().drop, name)

    async def upsert(self, name: str, items: Sequence[TextItem], *, truncate: bool = False,
                     caller: Caller = NOBODY) -> int:
        """Insert or replace items by id, durable on return; how many were written."""
        store = await in_thread(self.require_index().get, name)  # NOT_FOUND before any model work
        check_count(len(items), self.config.max_client_batch_size, "items")
        names = [f"items[{i}].text" for i in range(len(items))]
        prompt = self.require_ready().tokenizer.prompts.document()
        vectors = (await self._embed([item.text for item in items], prompt, truncate, True, names, caller)).vectors
        await in_thread(store.upsert, [Item(item.id, vector, item.text, item.metadata)
                                       for item, vector in zip(items, vectors)])
        return len(items)

    async def delete_items(self, name: str, *, ids: Sequence[str] | None = None,
                           filter: dict[str, Any] | None = None) -> int:
        """Delete by ids or by a metadata filter, durable on return; how many existed."""
        store = await in_thread(self.require_index().get, name)
        if filter is not None:
            return await in_thread(store.delete_where, filter)
        check_count(len(ids), self.config.max_client_batch_size * 16, "ids")
        return await in_thread(store.delete, ids)

    async def get_item(self, name: str, item_id: str) -> Item:
        store = await in_thread(self.require_index().get, name)
        return await in_thread(store.get, item_id)

    async def page_items(self, name: str, offset: int = 0, limit: int = 100) -> tuple[list[Item], int]:
        """Items ordered by id, and how many the collection holds."""
        store = await in_thread(self.require_index().get, name)
        return await in_thread(store.page, offset, limit), await in_thread(store.count)

    # -- snapshots -------------------------------------------------------------------------

    def index_capabilities(self) -> tuple[str, list[str]]:
        """The index backend's name and what it can do beyond the protocol every backend has
        ("snapshots": snapshots, restores and swaps)."""
        index = self.require_index()
        return index.backend, ["snapshots"] if index.snapshots else []

    async def create_snapshot(self, name: str) -> SnapshotInfo:
        """A consistent copy of the collection while writes continue, labelled with the model's name."""
        return await in_thread(self.require_index().create_snapshot, name, {"model": self.config.model_label})

    async def list_snapshots(self, name: str) -> list[SnapshotInfo]:
        return await in_thread(self.require_index().list_snapshots, name)

    async def add_snapshot(self, name: str, source: BinaryIO) -> SnapshotInfo:
        """Keep a snapshot file (an upload) among the collection's, checked, to restore it."""
        return await in_thread(self.require_index().add_snapshot, name, source)

    async def snapshot_file(self, name: str, snapshot: str) -> str:
        return await in_thread(self.require_index().snapshot_file, name, snapshot)

    async def delete_snapshot(self, name: str, snapshot: str) -> None:
        await in_thread(self.require_index().delete_snapshot, name, snapshot)

    async def restore_snapshot(self, name: str, snapshot: str, *, replace: bool = False,
                               allow_other_model: bool = False, source: str | None = None) -> CollectionInfo:
        """Make the collection the snapshot's state; refused for another dimension, and for another
        model unless `allow_other_model` (then reindex); CONFLICT over an existing one unless `replace`.
        `source` names the collection the snapshot belongs to when it is another's: the file is
        copied among this collection's snapshots first (and removed again when the restore fails)."""
        index, dim = self.require_index(), self.require_ready().dim
        labels = {} if allow_other_model else {"model": self.config.model_label}

        def restore() -> CollectionInfo:
            copied = None
            if source is not None and source != name:
                with open(index.snapshot_file(source, snapshot), "rb") as file:
                    copied = index.add_snapshot(name, file).name
            try:
                return index.restore_snapshot(name, copied or snapshot, dim=dim, labels=labels, replace=replace)
            except Exception:
                if copied is not None:
                    index.delete_snapshot(name, copied)
                raise

        return await in_thread(restore)
