"""FaissCollections: the named FAISS collections of one data directory (the embedded backend).

Each collection lives in `<data_dir>/<name>/` (items.sqlite, index.snap). A collection is
created under a temporary name and renamed into place, and dropped by renaming it away before
deleting it, so a crash never leaves half a collection under a real name. A collection
that cannot be opened (a corrupt file, an index outside the whitelist) is set aside as failed,
with its reason: its routes answer CollectionFailed, the others keep serving.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid

from . import faiss_index, snapshot
from . import validation as check
from .collections_base import CollectionsBase
from .errors import BackendUnavailable, CollectionExists, CollectionFailed, CollectionNotFound
from .faiss_store import ITEMS_FILE, FaissStore
from .types import CollectionConfig, IndexSpec

log = logging.getLogger(__name__)


class FaissCollections(CollectionsBase):
    """Create, open, list, describe and drop collections; each open once and shared."""

    backend = "faiss"

    def __init__(self, data_dir: str, **store_options) -> None:
        """`store_options` are passed to every FaissStore (snapshot and tombstone policy)."""
        self.data_dir = data_dir
        self._options = store_options
        self._stores: dict[str, FaissStore] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()
        os.makedirs(data_dir, exist_ok=True)
        for entry in os.listdir(data_dir):
            if entry.startswith((".creating-", ".dropped-")):
                log.warning("removing %s left by an interrupted create or drop", entry)
                shutil.rmtree(os.path.join(data_dir, entry), ignore_errors=True)

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None, *,
               factory: str | None = None, search_params: dict[str, int] | None = None) -> FaissStore:
        """A new empty collection; CollectionExists if the name is taken. `index` is the
        backend-neutral choice; `factory` and `search_params` (FAISS's own, e.g. "IVF1024,PQ96"
        and {"nprobe": 16}) take its place for indexes it has no name for."""
        if factory is None:
            factory, search_params = faiss_index.factory_of(check.check_index_spec(index))
        elif index is not None:
            raise ValueError("give `index` or `factory`, not both")
        config = CollectionConfig(check.check_name(name), check.check_dim(dim),
                                  check.check_metric(metric), faiss_index.check_spec(factory, dim),
                                  faiss_index.check_search_params(search_params))
        with self._lock:
            if self._exists(name):
                raise CollectionExists(f"collection {name!r} already exists: drop it first or use it")
            staging = os.path.join(self.data_dir, f".creating-{name}-{uuid.uuid4().hex}")
            FaissStore(staging, config, **self._options).close()
            os.rename(staging, self._path(name))
            snapshot.fsync_dir(self.data_dir)
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
            store = self._stores.pop(name, None)
            self._failed.pop(name, None)
            if store is not None:
                store.close(snapshot=False)
            doomed = os.path.join(self.data_dir, f".dropped-{name}-{uuid.uuid4().hex}")
            os.rename(self._path(name), doomed)
            snapshot.fsync_dir(self.data_dir)
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
