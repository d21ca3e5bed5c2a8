"""Vector index: named collections of sentence vectors with ids, payloads and persistence.

Knows nothing of the model or of HTTP: it takes float vectors. The service sees two
protocols, `CollectionManager` and `VectorStore`; `open_index(url)` (registry.py) picks the
backend: FAISS + SQLite embedded (faiss:///path), numpy as the brute-force reference (memory://),
Milvus (milvus://host:port) or Postgres + pgvector (postgresql://...) shared by replicas.

    manager = open_index("faiss:///srv/data/index")
    store = manager.ensure("default", dim=768)            # create on first use (exact)
    manager.create("faq", dim=768, index=IndexSpec("hnsw", m=32, ef=64))
    store.upsert([Item("q1", vector, "今天天气不错", {"lang": "zh"})])
    hits = store.search(queries, k=10, filter={"lang": "zh"}, min_score=0.5)
    # hits[i] = [Hit(id, score, text, metadata), ...] for query row i, best first
    store.delete(["q1"]); store.get("q1"); store.page(offset=0, limit=100); store.count()
    manager.list(); manager.describe("default"); manager.drop("default"); manager.close()

Errors all derive from `IndexStoreError` (see `errors`). Durability and index types are
described in README.md next to this file.
"""

from .collections_base import DEFAULT
from .errors import (
    BackendNotInstalled,
    BackendUnavailable,
    CollectionExists,
    CollectionFailed,
    CollectionNotFound,
    CorruptSnapshot,
    DimensionMismatch,
    IndexStoreError,
    InvalidArgument,
    InvalidId,
    InvalidVector,
    ItemNotFound,
)
from .faiss import FaissCollections, FaissStore
from .memory import NumpyCollections, NumpyStore
from .milvus import MilvusOptions
from .protocol import CollectionManager, VectorStore
from .registry import BACKENDS, IndexUrl, open_collections, open_index, parse_index_url, require_client
from .types import INDEX_KINDS, CollectionConfig, CollectionInfo, Hit, IndexSpec, Item

__all__ = [
    "BACKENDS",
    "DEFAULT",
    "INDEX_KINDS",
    "BackendNotInstalled",
    "BackendUnavailable",
    "CollectionManager",
    "FaissCollections",
    "IndexSpec",
    "IndexUrl",
    "MilvusOptions",
    "NumpyCollections",
    "open_collections",
    "open_index",
    "parse_index_url",
    "require_client",
    "CollectionConfig",
    "CollectionExists",
    "CollectionFailed",
    "CollectionInfo",
    "CollectionNotFound",
    "CorruptSnapshot",
    "DimensionMismatch",
    "FaissStore",
    "Hit",
    "IndexStoreError",
    "InvalidArgument",
    "InvalidId",
    "InvalidVector",
    "Item",
    "ItemNotFound",
    "NumpyStore",
    "VectorStore",
]
