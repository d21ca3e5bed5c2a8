"""MilvusCollections: the named collections of one Milvus server, shared by many replicas.

Collection `name` is the Milvus collection `prefix + name` (names Milvus would refuse are
escaped: names.py), so simservice can share a Milvus with other applications. What
describe() needs (dimension, metric, backend-neutral index) is kept in the Milvus
collection's description, so any replica can open a collection another one created. Every
call gives up within `timeout` (creating, which loads the collection, within LOAD_TIMEOUT;
opening one that Milvus is still loading is BackendUnavailable at once); an unreachable
server raises BackendUnavailable (the constructor included), never a hang.
"""

from __future__ import annotations

import json
import logging
import threading

from pymilvus import Collection, CollectionSchema, DataType, FieldSchema, utility

from .. import validation as check
from ..collections_base import CollectionsBase
from ..errors import BackendUnavailable, CollectionExists, IndexStoreError
from ..types import CollectionConfig, IndexSpec
from .link import MilvusLink
from .names import from_milvus, to_milvus
from .options import MilvusOptions
from .store import CONSISTENCY, MAX_TEXT_BYTES, MilvusStore, index_params

log = logging.getLogger(__name__)

MAX_ID_BYTES = 4 * check.MAX_ID_LENGTH  # VARCHAR max_length counts UTF-8 bytes
FORMAT = "simservice-collection/1"
LOAD_TIMEOUT = 60.0  # loading even an empty collection takes Milvus 2.3 about 2.5 s


class MilvusCollections(CollectionsBase):
    """Create, open, list, describe and drop collections in one Milvus server."""

    backend = "milvus"

    def __init__(self, options: MilvusOptions | None = None) -> None:
        """Connects at once: BackendUnavailable if Milvus does not answer within the timeout."""
        self.options = options or MilvusOptions()
        self._link = MilvusLink(self.options)
        self._alias = self._link.alias
        self._rpc = self._link.rpc
        self._stores: dict[str, MilvusStore] = {}
        self._lock = threading.Lock()

    def create(self, name: str, dim: int, metric: str = "cosine", index: IndexSpec | None = None) -> MilvusStore:
        spec = check.check_index_spec(index)
        config = CollectionConfig(check.check_name(name), check.check_dim(dim), check.check_metric(metric))
        kind, params = index_params(spec)
        description = json.dumps({"format": FORMAT, "dim": config.dim, "metric": config.metric,
                                  "index": {"kind": spec.kind, **spec.params()}})
        schema = CollectionSchema([
            FieldSchema("id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID_BYTES),
            FieldSchema("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES),
            FieldSchema("metadata", DataType.JSON),
            FieldSchema("vector", DataType.FLOAT_VECTOR, dim=config.dim),
        ], description=description)
        full = self._full(name)
        with self._lock, self._calling("create", name, LOAD_TIMEOUT):
            if self._link.handler().has_collection(full, **self._rpc):
                raise CollectionExists(f"collection {name!r} already exists: drop it first or use it")
            collection = Collection(full, schema, using=self._alias, consistency_level=CONSISTENCY,
                                    **self._rpc)
            try:
                slow = self._link.slow(LOAD_TIMEOUT)
                collection.create_index("vector", {"index_type": kind, "metric_type": "IP",
                                                   "params": params}, **slow)
                collection.load(**slow)
            except Exception:
                with self._link.deadlines.operation(self.options.timeout):  # its own budget
                    utility.drop_collection(full, using=self._alias, timeout=self.options.timeout)
                raise
            store = self._stores[name] = self._store(name, collection, config, spec)
        log.info("created Milvus collection %s (dim %d, %s, %s)", full, dim, metric, kind)
        return store

    def get(self, name: str) -> MilvusStore:
        """The collection as Milvus has it now: one describe call, so a collection dropped or
        recreated by another replica is never served from a stale copy."""
        check.check_name(name)
        full = self._full(name)
        with self._calling("get", name):
            if not self._link.handler().has_collection(full, **self._rpc):
                raise self._missing(name)
            collection = Collection(full, using=self._alias, **self._rpc)
            with self._lock:
                store = self._stores.get(name)
                if store is not None and store._collection.describe().get("collection_id") == \
                        collection.describe().get("collection_id"):
                    return store
            config, spec = self._read_description(name, collection)
            # a no-op when loaded (milliseconds); never waits for a load (after a restart)
            collection.load(_async=True, **self._rpc)
            if self._link.handler().get_loading_progress(full, timeout=self.options.timeout) < 100:
                raise BackendUnavailable(f"collection {name!r} is loading in Milvus (after a restart?): retry")
            store = self._store(name, collection, config, spec)
        with self._lock:
            self._stores[name] = store
        return store

    def list(self) -> list[str]:
        with self._calling("list"):
            stored = utility.list_collections(using=self._alias, timeout=self.options.timeout)
        names = (from_milvus(self.options.prefix, n) for n in stored)
        return sorted(name for name in names if name is not None)

    def drop(self, name: str) -> None:
        check.check_name(name)
        full = self._full(name)
        with self._lock, self._calling("drop", name):
            if not self._link.handler().has_collection(full, **self._rpc):
                raise self._missing(name)
            utility.drop_collection(full, using=self._alias, timeout=self.options.timeout)
            self._stores.pop(name, None)
        log.info("dropped Milvus collection %s", full)

    def check(self) -> None:
        """Raise BackendUnavailable unless Milvus answers within the timeout."""
        with self._calling("a health check"):
            self._link.handler().get_server_version(**self._rpc)

    def close(self) -> None:
        with self._lock:
            self._stores.clear()
        self._link.close()

    def _store(self, name: str, collection: Collection, config: CollectionConfig, spec: IndexSpec) -> MilvusStore:
        return MilvusStore(collection, config, spec, self._link)

    def _read_description(self, name: str, collection: Collection) -> tuple[CollectionConfig, IndexSpec]:
        try:
            about = json.loads(collection.description)
            if about.get("format") != FORMAT:
                raise ValueError(f"format {about.get('format')!r}")
            spec = check.check_index_spec(IndexSpec(**about["index"]))
            return CollectionConfig(name, check.check_dim(about["dim"]), check.check_metric(about["metric"])), spec
        except (ValueError, KeyError, TypeError, IndexStoreError) as exc:
            raise IndexStoreError(
                f"Milvus collection {self._full(name)!r} was not created by simservice ({exc}): "
                "use another --milvus-prefix or collection name") from None

    def _full(self, name: str) -> str:
        return to_milvus(self.options.prefix, name)

    def _calling(self, what: str, name: str | None = None, seconds: float = 0.0):
        return self._link.calling(what if name is None else f"{what} of collection {name!r}", name, seconds)
