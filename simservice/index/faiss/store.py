"""FaissStore: a durable collection, SQLite as the source of truth and FAISS as its index.

Durability: a batch is committed to SQLite (WAL, synchronous=FULL) before it touches the
FAISS index, and upsert/delete return only after that commit; a crash loses nothing that was
acknowledged. The FAISS index in memory is a cache of the table. From time to time (and on
close) it is written to `index.snap` with a checksum and the point of the item log it covers
(the highest fid and the last logged deletion). On open the snapshot is verified and the
changes since are replayed from SQLite (fids above the snapshot's, deletions logged after it);
a missing, damaged or foreign snapshot is rebuilt from the table, with a log line (recovery.py).

Concurrency: a readers-writer lock; searches (search.py) share it, writes and index swaps hold it
exclusively, so a search never sees half a batch. One process per collection (dir_lock.py).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import faiss
import numpy as np

from .. import filters
from .. import validation as check
from ..errors import CollectionNotFound, CorruptSnapshot, IndexStoreError, ItemNotFound
from ..rwlock import ReadWriteLock
from ..types import CollectionConfig, CollectionInfo, Hit, Item
from . import index_types, recovery, search
from .dir_lock import lock_directory, unlock
from .item_table import ItemTable

log = logging.getLogger(__name__)

ITEMS_FILE = "items.sqlite"
SNAPSHOT_FILE = "index.snap"


class FaissStore:
    """One collection on disk: items in SQLite, vectors in a FAISS index, snapshots."""

    def __init__(
        self,
        directory: str,
        config: CollectionConfig | None = None,
        *,
        snapshot_fraction: float = 0.5,
        snapshot_min_changes: int = 10_000,
        tombstone_fraction: float = 0.2,
        tombstone_min: int = 1000,
    ) -> None:
        """Open the collection in `directory`, creating it with `config` if it holds none.

        A snapshot is written once the changes since the last one reach
        max(snapshot_min_changes, snapshot_fraction * count); an index that cannot delete is
        rebuilt once tombstones exceed max(tombstone_min, tombstone_fraction * its vectors).
        """
        if config is not None:
            check.check_name(config.name)
            check.check_dim(config.dim)
            check.check_metric(config.metric)
            index_types.check_spec(config.index, config.dim)
            config = replace(config, search_params=index_types.check_search_params(config.search_params))
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self._lock_fd = lock_directory(directory)
        self._table: ItemTable | None = None
        try:
            self._open(config, snapshot_fraction, snapshot_min_changes, tombstone_fraction, tombstone_min)
        except BaseException:  # a collection that cannot be opened leaves no file open or locked
            if self._table is not None:
                self._table.close()
            unlock(self._lock_fd)
            raise

    def _open(self, config, snapshot_fraction, snapshot_min_changes, tombstone_fraction, tombstone_min) -> None:
        try:
            self._table = ItemTable(os.path.join(self.directory, ITEMS_FILE), config)
        except FileNotFoundError:
            raise CollectionNotFound(f"{self.directory} holds no collection") from None
        self.config = self._table.config
        if config is None:  # a stored config is checked before FAISS sees it, as a new one is
            index_types.check_factory(self.config.index, self.config.dim)
            index_types.check_search_params(self.config.search_params)
        self._snapshot_path = os.path.join(self.directory, SNAPSHOT_FILE)
        self._snapshot_fraction = snapshot_fraction
        self._snapshot_min_changes = snapshot_min_changes
        self._tombstone_fraction = tombstone_fraction
        self._tombstone_min = tombstone_min
        self._lock = ReadWriteLock()
        self._snapshot_mutex = threading.Lock()  # snapshots share the read lock with searches
        self._closed = False
        self._changes = 0  # changes not yet in a snapshot
        self._count = self._table.count()
        for leftover in glob.glob(self._snapshot_path + ".tmp-*"):
            os.remove(leftover)  # a snapshot interrupted by a crash; the old one stands
        self._open_index()

    # -- public API ----------------------------------------------------------------------

    def upsert(self, items: Sequence[Item]) -> None:
        """Insert or replace items by id in one atomic, durable batch."""
        ids, texts, _, meta_texts, vectors = check.check_items(
            items, self.config.dim, normalize=self.config.metric == "cosine"
        )
        if not ids:
            return
        with self._lock.write():
            self._check_open()
            fids, replaced = self._table.upsert(ids, texts, meta_texts, vectors)
            self._count += len(fids) - len(replaced)
            self._apply(lambda: (self._remove(replaced), self._index.add_with_ids(vectors, fids)))
            self._changes += len(fids) + len(replaced)
            due = self._after_write()
        if due:
            self._snapshot_quietly()

    def delete(self, ids: Sequence[str]) -> int:
        """Delete items by id (unknown ids are ignored); returns how many were deleted."""
        ids = list(dict.fromkeys(check.check_ids(ids, unique=False)))
        if not ids:
            return 0
        return self._delete_rows(lambda table: table.delete(ids))

    def get(self, item_id: str) -> Item:
        """The item with that id (vector as stored: unit length for cosine); ItemNotFound."""
        check.check_id(item_id)
        with self._lock.read():
            self._check_open()
            row = self._table.get(item_id)
        if row is None:
            raise ItemNotFound(f"no item with id {item_id!r} in collection {self.config.name!r}")
        return _item(row)

    def get_many(self, ids: Sequence[str]) -> list[Item]:
        """The items of those ids that exist (one read), each once, in the order asked."""
        ids = check.check_ids(ids, unique=False)
        with self._lock.read():
            self._check_open()
            rows = self._table.get_many(json.dumps(ids))
        return check.in_order_asked(ids, [_item(row) for row in rows])

    def page(self, offset: int = 0, limit: int = 100) -> list[Item]:
        """Items ordered by id: skip `offset`, return at most `limit`."""
        offset, limit = check.check_page(offset, limit)
        with self._lock.read():
            self._check_open()
            return [_item(row) for row in self._table.page(offset, limit)]

    def count(self) -> int:
        return self._count

    def delete_where(self, filter: dict[str, Any]) -> int:
        """Delete every item whose metadata passes `filter` (not empty) in one durable batch;
        returns how many were deleted."""
        node = check.parse_delete_filter(filter)
        where, params = filters.to_sql(node)
        return self._delete_rows(
            lambda table: table.delete_where(where, params, lambda metadata: filters.matches(metadata, node)))

    def _delete_rows(self, delete_in_table) -> int:
        """Commit `delete_in_table(table)` (one transaction, returning the fids it removed), then
        drop their vectors from the index; returns how many were deleted."""
        with self._lock.write():
            self._check_open()
            fids = delete_in_table(self._table)
            self._count -= len(fids)
            self._apply(lambda: self._remove(fids))
            self._changes += len(fids)
            due = self._after_write()
        if due:
            self._snapshot_quietly()
        return len(fids)

    def search(
        self,
        queries: np.ndarray,
        k: int = 10,
        filter: dict[str, Any] | None = None,
        min_score: float | None = None,
        search_params: dict[str, int] | None = None,
    ) -> list[list[Hit]]:
        """Top-k hits per query row (see VectorStore.search and search.py)."""
        queries, k, node, min_score = check.check_search(queries, k, filter, min_score, self.config)
        knobs = check.check_search_params(search_params, index_types.tunable_spec(self.config.index))
        with self._lock.read():
            self._check_open()
            return search.search(self._index, self._table, self._count, queries, k, min_score, knobs, node)

    def info(self) -> CollectionInfo:
        with self._lock.read():
            self._check_open()
            tombstones = self._index.ntotal - self._count
            note = ""
            if self._active != self.config.index:
                note = (f"exact search until {self._train_need} items are stored to train "
                        f"{self.config.index!r} ({self._count} now)")
            elif tombstones:
                note = (f"{tombstones} deleted vectors are kept as tombstones, filtered out at "
                        f"search time; rebuilt away past {self._tombstone_fraction:.0%}")
            size = self._table.disk_bytes()
            if os.path.exists(self._snapshot_path):
                size += os.path.getsize(self._snapshot_path)
            return CollectionInfo(
                name=self.config.name, dim=self.config.dim, metric=self.config.metric,
                index=self.config.index, active_index=self._active,
                search_params=dict(self.config.search_params), count=self._count,
                tombstones=tombstones, disk_bytes=size, note=note,
                spec=index_types.spec_of(self.config.index, self.config.search_params), backend="faiss",
            )

    def rebuild(self, index: str | None = None, search_params: dict[str, int] | None = None) -> None:
        """Rebuild the FAISS index from SQLite, optionally as another index type; then snapshot.

        Use it to switch index type, to train an approximate index, or to drop tombstones.
        """
        with self._lock.write():
            self._check_open()
            config = self.config
            if index is not None:
                config = replace(config, index=index_types.check_spec(index, config.dim))
            if search_params is not None:
                config = replace(config, search_params=index_types.check_search_params(search_params))
            if config != self.config:
                self._table.set_config(config)
                self.config = config
            self._install(*self._build())
            self._changes = max(self._changes, 1)
        self.snapshot()

    def set_search_params(self, search_params: dict[str, int]) -> None:
        """Change nprobe / efSearch without rebuilding (persisted with the config)."""
        params = index_types.check_search_params(search_params)
        with self._lock.write():
            self._check_open()
            self.config = replace(self.config, search_params=params)
            self._table.set_config(self.config)
            index_types.apply_search_params(self._index, params)

    def snapshot(self) -> None:
        """Write the index to disk atomically and forget the deletion log it covers."""
        with self._snapshot_mutex, self._lock.read():
            self._check_open()
            self._write_snapshot()

    def _snapshot_quietly(self) -> None:
        """A snapshot due after a write: the write is durable already, so a failure here
        (disk full, store closed meanwhile) is logged, not raised."""
        try:
            self.snapshot()
        except (OSError, IndexStoreError) as exc:
            log.warning("%s: snapshot skipped: %s", self.directory, exc)

    def close(self, snapshot: bool = True) -> None:
        """Snapshot if anything changed (unless told not to), then release the files.
        Later calls raise CollectionNotFound."""
        with self._lock.write():
            if self._closed:
                return
            try:
                if self._changes and snapshot:
                    self._write_snapshot()
            finally:
                self._closed = True
                self._table.close()
                unlock(self._lock_fd)
                self._index = None

    def __enter__(self) -> FaissStore:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # -- index maintenance ---------------------------------------------------------------

    def _open_index(self) -> None:
        """Load the snapshot and replay the log after it, or rebuild from SQLite (recovery.py)."""
        reason = "no snapshot" if self._count else ""
        loaded = False
        try:
            index, footer = recovery.load_snapshot(self._snapshot_path, self._table, self.config)
        except FileNotFoundError:
            pass
        except CorruptSnapshot as exc:
            reason = str(exc)
        else:
            self._install(index, footer["spec"])
            added, deleted = recovery.replay(self._index, self._table, footer, self._remove)
            self._changes += added + deleted
            if added or deleted:
                log.info("%s: replayed %d additions and %d deletions after the snapshot", self.directory, added, deleted)
            tombstones = self._index.ntotal - self._count
            loaded = tombstones >= 0 and not (tombstones and self._removable)
            reason = "" if loaded else (
                f"snapshot plus log give {self._index.ntotal} vectors for {self._count} items")
        if not loaded:
            if reason:
                log.warning("%s: %s; rebuilding the index from SQLite", self.directory, reason)
            self._install(*self._build())
            self._changes = 1 if self._count else 0
        if self._after_write() or (not loaded and self._count):
            self._write_snapshot()

    def _build(self) -> tuple[faiss.Index, str]:
        return recovery.build(self._table, self.config, self._count, self.directory)

    def _install(self, index: faiss.Index, spec: str) -> None:
        """Make `index` (built as `spec`) the one searches use; write lock held."""
        index_types.apply_search_params(index, self.config.search_params)
        self._index, self._active = index, spec
        self._removable = index_types.can_remove(index)
        wanted = index_types.build(self.config.index, self.config.dim)
        self._train_need = index_types.train_size(wanted)

    def _remove(self, fids: np.ndarray) -> None:
        """Remove vectors from the index, or leave them as tombstones if it cannot."""
        if len(fids) and self._removable:
            self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(fids, dtype=np.int64)))

    def _apply(self, change) -> None:
        """Apply a committed change to the index; if FAISS fails, rebuild it from SQLite."""
        try:
            change()
        except Exception:
            log.exception("%s: FAISS update failed after the commit; rebuilding from SQLite",
                          self.directory)
            self._install(*self._build())

    def _after_write(self) -> bool:
        """Train or compact when due (write lock held); True if a snapshot is due."""
        tombstones = self._index.ntotal - self._count
        if self._active != self.config.index:
            if self._count >= self._train_need:
                self._install(*self._build())
                return True
        elif tombstones > max(self._tombstone_min, self._tombstone_fraction * self._index.ntotal):
            log.info("%s: %d tombstones, rebuilding the index", self.directory, tombstones)
            self._install(*self._build())
            return True
        return self._changes >= max(self._snapshot_min_changes,
                                    self._snapshot_fraction * self._count)

    def _write_snapshot(self) -> None:
        """Caller holds the lock (read or write): no writer can run meanwhile."""
        recovery.write_snapshot(self._snapshot_path, self._index, self._active, self._table)
        self._changes = 0

    def _check_open(self) -> None:
        if self._closed:
            raise CollectionNotFound(f"collection {self.config.name!r} was closed or dropped")


def _item(row: tuple) -> Item:
    item_id, text, metadata, vector = row
    return Item(item_id, np.frombuffer(vector, dtype=np.float32).copy(), text, json.loads(metadata))
