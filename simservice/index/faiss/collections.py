"""FaissCollections: the named FAISS collections of one data directory (the embedded backend).

Each collection lives in `<data_dir>/<name>/` (items.sqlite, index.snap), its snapshot files in
`<data_dir>/.snapshots/<name>/` (snapshots.py; kept when the collection is dropped). A collection is
created under a temporary name and renamed into place, dropped by renaming it away before
deleting it, and replaced (restore, replace) by a planned swap that the next start finishes
(swap.py), so a crash never leaves half a collection, or none, under a real name. A collection
that cannot be opened (a corrupt file, an index outside the whitelist) is set aside as failed,
with its reason: its routes answer CollectionFailed, the others keep serving.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import uuid
from dataclasses import asdict
from typing import Any, BinaryIO

from .. import validation as check
from ..collections_base import CollectionsBase
from ..errors import (BackendUnavailable, CollectionExists, CollectionFailed, CollectionNotFound, DimensionMismatch,
                     InvalidArgument, SnapshotMismatch, SnapshotNotFound)
from ..types import CollectionConfig, CollectionInfo, IndexSpec, SnapshotInfo
from . import index_file, index_types, swap
from . import snapshots as faiss_snapshots
from .item_table import ItemTable
from .store import ITEMS_FILE, FaissStore

SNAPSHOTS = ".snapshots"

log = logging.getLogger(__name__)


class FaissCollections(CollectionsBase):
    """Create, open, list, describe and drop collections; each open once and shared."""

    backend = "faiss"
    snapshots = True

    def __init__(self, data_dir: str, **store_options) -> None:
        """`store_options` are passed to every FaissStore (snapshot and tombstone policy)."""
        self.data_dir = data_dir
        self._options = store_options
        self._stores: dict[str, FaissStore] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()
        os.makedirs(data_dir, exist_ok=True)
        if not swap.recover(data_dir):  # a swap it could not finish: its folders may be the only copy
            return
        for entry in os.listdir(data_dir):
            if entry.startswith((".creating-", ".dropped-")):
                log.warning("removing %s left by an interrupted create, drop or swap", entry)
                shutil.rmtree(os.path.join(data_dir, entry), ignore_errors=True)

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None, *,
               factory: str | None = None, search_params: dict[str, int] | None = None) -> FaissStore:
        """A new empty collection; CollectionExists if the name is taken. `index` is the
        backend-neutral choice; `factory` and `search_params` (FAISS's own, e.g. "IVF1024,PQ96"
        and {"nprobe": 16}) take its place for indexes it has no name for."""
        if factory is None:
            factory, search_params = index_types.factory_of(check.check_index_spec(index))
        elif index is not None:
            raise ValueError("give `index` or `factory`, not both")
        config = CollectionConfig(check.check_name(name), check.check_dim(dim),
                                  check.check_metric(metric), index_types.check_spec(factory, dim),
                                  index_types.check_search_params(search_params))
        with self._lock:
            if self._exists(name):
                raise CollectionExists(f"collection {name!r} already exists: drop it first or use it")
            staging = os.path.join(self.data_dir, f".creating-{name}-{uuid.uuid4().hex}")
            FaissStore(staging, config, **self._options).close()
            os.rename(staging, self._path(name))
            index_file.fsync_dir(self.data_dir)
            log.info("created collection %s (dim %d, %s, %s)", name, dim, metric, factory)
            return self._open(name)

    def get(self, name: str) -> FaissStore:
        """The open collection; CollectionNotFound if there is none of that name."""
        check.check_name(name)
        with self._lock:
            return self._open(name)

    def list(self) -> list[str]:
        """Names of all collections, sorted."""
        return sorted(
            entry for entry in os.listdir(self.data_dir)
            if not entry.startswith(".") and self._exists(entry)
        )

    def drop(self, name: str) -> None:
        """Delete the collection and its files; CollectionNotFound if absent."""
        check.check_name(name)
        with self._lock:
            if not self._exists(name):
                raise CollectionNotFound(f"collection {name!r} does not exist")
            self._failed.pop(name, None)
            doomed = self._set_aside(name)
            index_file.fsync_dir(self.data_dir)
            shutil.rmtree(doomed)
            log.info("dropped collection %s", name)

    def close(self) -> None:
        """Close every open collection (each writes its snapshot)."""
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()

    def failed(self) -> dict[str, str]:
        """Collections set aside because they could not be opened, by name, with the reason."""
        with self._lock:
            return dict(self._failed)

    # -- snapshots -----------------------------------------------------------------------

    def create_snapshot(self, name: str, labels: dict[str, Any]) -> SnapshotInfo:
        """A consistent copy of the collection's table (SQLite online backup) while writes continue."""
        store = self.get(name)
        spec = store.info().spec
        description = {"backend": self.backend, "config": asdict(store.config),
                       "spec": None if spec is None else {"kind": spec.kind, **spec.params()}}
        made = faiss_snapshots.create(os.path.join(store.directory, ITEMS_FILE), self._snapshots(name), name,
                                      description, labels)
        log.info("snapshot %s of collection %s: %d items", made.name, name, made.manifest["count"])
        return made

    def list_snapshots(self, name: str) -> list[SnapshotInfo]:
        return faiss_snapshots.listing(self._snapshots(check.check_name(name)), name)

    def snapshot_file(self, name: str, snapshot: str) -> str:
        path = os.path.join(self._snapshots(check.check_name(name)), faiss_snapshots.check_snapshot_name(snapshot))
        if not os.path.isfile(path):
            raise SnapshotNotFound(f"collection {name!r} has no snapshot {snapshot!r}: see GET "
                                   f"/collections/{name}/snapshots")
        return path

    def delete_snapshot(self, name: str, snapshot: str) -> None:
        os.remove(self.snapshot_file(name, snapshot))

    def add_snapshot(self, name: str, source: BinaryIO) -> SnapshotInfo:
        """Store an uploaded file among `name`'s snapshots (under its own name if its manifest is sound)."""
        folder = self._snapshots(check.check_name(name))
        os.makedirs(folder, exist_ok=True)
        staging = os.path.join(folder, f".upload-{uuid.uuid4().hex}")
        try:
            with open(staging, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            manifest = faiss_snapshots.read_manifest(staging)
            made = "".join(c for c in str(manifest.get("created", ""))[:19] if c.isalnum())
            final = os.path.join(folder, f"{name}-{made}-{uuid.uuid4().hex[:6]}{faiss_snapshots.SUFFIX}")
            os.replace(staging, final)
        finally:
            if os.path.exists(staging):
                os.remove(staging)
        return faiss_snapshots.info(final, name)

    def restore_snapshot(self, name: str, snapshot: str, *, dim: int, labels: dict[str, Any],
                         replace: bool = False) -> CollectionInfo:
        """Rebuild collection `name` from a snapshot: table unpacked and checked beside, its FAISS index
        built from the table, then renamed into place (replacing the collection only if `replace`)."""
        path = self.snapshot_file(name, snapshot)
        manifest = faiss_snapshots.read_manifest(path)
        _check_manifest(manifest, snapshot, dim, labels)
        if self._exists(name) and not replace:
            raise CollectionExists(f"collection {name!r} exists: restore with replace (HTTP ?replace=true, "
                                   "CLI --replace) to overwrite it, or restore under another name")
        staging = os.path.join(self.data_dir, f".creating-{name}-{uuid.uuid4().hex}")
        os.makedirs(staging)
        try:
            faiss_snapshots.extract_table(path, staging)
            _adopt_table(staging, name, snapshot, dim, manifest, self._options)
            self._move_into_place(staging, name, replace)
        finally:
            if not os.path.exists(swap.plan_path(self.data_dir, name)):  # else the next start needs it
                shutil.rmtree(staging, ignore_errors=True)
        log.info("restored collection %s from %s (%d items)", name, snapshot, manifest.get("count", -1))
        return self.describe(name)

    def replace_collection(self, name: str, source: str) -> None:
        """Move collection `source` over `name`: readers see the old one until the swap, then the new;
        crash-atomic (swap.py)."""
        check.check_name(name)
        if source == name:
            raise InvalidArgument(f"collection {name!r} cannot replace itself: the source must be another "
                                  "collection (one built beside it), which then takes its place")
        with self._lock:
            self._open(source).close()  # a source that cannot be opened is refused before the swap
            del self._stores[source]
            doomed = self._swap_in(self._path(source), name)
        shutil.rmtree(doomed, ignore_errors=True)

    def _move_into_place(self, directory: str, name: str, replace: bool) -> None:
        with self._lock:
            if self._exists(name) and not replace:
                raise CollectionExists(f"collection {name!r} was created meanwhile: restore again with replace")
            doomed = self._swap_in(directory, name)
        shutil.rmtree(doomed, ignore_errors=True)

    def _swap_in(self, directory: str, name: str) -> str:
        """Under the lock: close `name`'s open store and swap `directory` in (swap.py); the old folder's path."""
        store = self._stores.pop(name, None)
        if store is not None:
            store.close(snapshot=False)
        self._failed.pop(name, None)
        return swap.swap(self.data_dir, name, directory)

    def _set_aside(self, name: str) -> str:
        """Under the lock: close the open store and rename its directory away (removed at the next
        start if a crash comes first); the path it now has."""
        store = self._stores.pop(name, None)
        if store is not None:
            store.close(snapshot=False)
        doomed = os.path.join(self.data_dir, f".dropped-{name}-{uuid.uuid4().hex}")
        os.rename(self._path(name), doomed)
        return doomed

    def _snapshots(self, name: str) -> str:
        return os.path.join(self.data_dir, SNAPSHOTS, name)

    def _open(self, name: str) -> FaissStore:
        store = self._stores.get(name)
        if store is None:
            if name in self._failed:
                raise CollectionFailed(self._failed[name])
            if not self._exists(name):
                raise self._missing(name)
            try:
                store = FaissStore(self._path(name), **self._options)
            except (CollectionNotFound, BackendUnavailable):  # gone, or held by another process: not its files
                raise
            except Exception as exc:  # a corrupt file or an unsafe index: this collection only
                self._failed[name] = (f"collection {name!r} failed to open and is set aside "
                                      f"({type(exc).__name__}: {exc}); restore {self._path(name)} from a "
                                      "backup and restart, or drop it")
                log.error("%s", self._failed[name])
                raise CollectionFailed(self._failed[name]) from None
            self._stores[name] = store
        return store

    def _path(self, name: str) -> str:
        return os.path.join(self.data_dir, name)

    def _exists(self, name: str) -> bool:
        return os.path.isfile(os.path.join(self._path(name), ITEMS_FILE))


def _adopt_table(directory: str, name: str, snapshot: str, dim: int, manifest: dict, options: dict) -> None:
    """Make the unpacked table in `directory` collection `name` and build its index; a table that is
    not what its manifest says (another dimension or count, rows that do not decode) is damaged."""
    try:
        table = ItemTable(os.path.join(directory, ITEMS_FILE))
        try:
            table.adopt(name)
            found = (table.config.dim, table.count())
        finally:
            table.close()
        if found != (dim, manifest.get("count")):
            raise ValueError(f"its table holds {found[1]} items of dimension {found[0]}, its manifest says "
                             f"{manifest.get('count')} of dimension {dim}")
        FaissStore(directory, **options).close()  # builds the index from the table and snapshots it
    except (sqlite3.DatabaseError, FileNotFoundError, ValueError, TypeError, KeyError) as exc:
        raise SnapshotMismatch(f"{snapshot} cannot be restored ({type(exc).__name__}: {exc}): the file is "
                               "damaged; restore another snapshot, or import an export") from None


def _check_manifest(manifest: dict, snapshot: str, dim: int, labels: dict[str, Any]) -> None:
    """Refuse a snapshot of another backend, dimension or model (the caller's labels) before any work."""
    if manifest.get("backend") != "faiss":
        raise SnapshotMismatch(f"{snapshot} was made by the {manifest.get('backend')!r} backend, not faiss: "
                               "move collections between backends with `simservice export` / `simservice import`")
    if manifest.get("config", {}).get("dim") != dim:
        raise DimensionMismatch(f"{snapshot} holds vectors of dimension {manifest.get('config', {}).get('dim')}, "
                                f"this server's model gives {dim}: restore it on a server with its model "
                                f"({manifest.get('labels', {}).get('model', 'unknown')}), or import an export of "
                                "it here to re-encode the texts")
    theirs = manifest.get("labels", {})
    differ = [f"{key} {theirs.get(key)!r} (here {value!r})" for key, value in labels.items() if theirs.get(key) != value]
    if differ:
        raise SnapshotMismatch(f"{snapshot} was made with {', '.join(differ)}: its vectors would not match this "
                               "server's queries; restore it where that model serves, or restore anyway "
                               "(allow_other_model) and run `simservice reindex`")
