"""NumpyCollections: named in-memory NumpyStores, the reference backend of the conformance suite."""

from __future__ import annotations

import threading

from .. import validation as check
from ..collections_base import CollectionsBase
from ..errors import CollectionExists
from ..types import CollectionConfig, IndexSpec
from .store import NumpyStore


class NumpyCollections(CollectionsBase):
    """Exact search on every kind of index asked for; nothing survives the process."""

    backend = "numpy"

    def __init__(self) -> None:
        self._stores: dict[str, NumpyStore] = {}
        self._lock = threading.Lock()

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None) -> NumpyStore:
        store = NumpyStore(CollectionConfig(check.check_name(name), check.check_dim(dim), check.check_metric(metric)),
                           check.check_index_spec(index))
        with self._lock:
            if name in self._stores:
                raise CollectionExists(f"collection {name!r} already exists: drop it first or use it")
            self._stores[name] = store
        return store

    def get(self, name: str) -> NumpyStore:
        check.check_name(name)
        with self._lock:
            store = self._stores.get(name)
        if store is None:
            raise self._missing(name)
        return store

    def list(self) -> list[str]:
        with self._lock:
            return sorted(self._stores)

    def drop(self, name: str) -> None:
        check.check_name(name)
        with self._lock:
            dropped = self._stores.pop(name, None)
        if dropped is None:
            raise self._missing(name)

    def close(self) -> None:
        with self._lock:
            self._stores.clear()
