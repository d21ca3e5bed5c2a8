"""Vector index: named collections of sentence vectors with ids, payloads and persistence.

Knows nothing of the model or of HTTP: it takes float vectors. The service uses
`IndexManager`; `NumpyStore` is the brute-force reference that tests check FAISS against.

    manager = IndexManager("data/index")
    store = manager.ensure("default", dim=768)            # create on first use
    store.upsert([Item("q1", vector, "今天天气不错", {"lang": "zh"})])
    hits = store.search(queries, k=10, filter={"lang": "zh"}, min_score=0.5)
    # hits[i] = [Hit(id, score, text, metadata), ...] for query row i, best first
    store.delete(["q1"]); store.get("q1"); store.page(offset=0, limit=100); store.count()
    manager.list(); manager.describe("default"); manager.drop("default"); manager.close()

Errors all derive from `IndexStoreError` (see `errors`). Durability and index types are
described in README.md next to this file.
"""

from .errors import (
    CollectionExists,
    CollectionNotFound,
    CorruptSnapshot,
    DimensionMismatch,
    IndexStoreError,
    InvalidArgument,
    InvalidId,
    InvalidVector,
    ItemNotFound,
)
from .faiss_store import FaissStore
from .manager import DEFAULT, IndexManager
from .numpy_store import NumpyStore
from .protocol import VectorStore
from .types import CollectionConfig, CollectionInfo, Hit, Item

__all__ = [
    "DEFAULT",
    "CollectionConfig",
    "CollectionExists",
    "CollectionInfo",
    "CollectionNotFound",
    "CorruptSnapshot",
    "DimensionMismatch",
    "FaissStore",
    "Hit",
    "IndexManager",
    "IndexStoreError",
    "InvalidArgument",
    "InvalidId",
    "InvalidVector",
    "Item",
    "ItemNotFound",
    "NumpyStore",
    "VectorStore",
]
