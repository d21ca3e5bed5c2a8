"""The one place a backend is chosen: `open_collections("faiss" | "numpy" | "milvus", ...)`."""

from __future__ import annotations

from dataclasses import dataclass

from .protocol import CollectionManager

BACKENDS = ("faiss", "numpy", "milvus")


@dataclass(frozen=True)
class MilvusOptions:
    """Where the Milvus server is and how to log in; collections are named `prefix + name`."""

    uri: str = "http://127.0.0.1:19530"
    token: str | None = None  # "user:password" or an API key, for secured clusters
    prefix: str = "simservice_"
    timeout: float = 10.0  # seconds one Milvus call may take before the backend counts as unavailable


def open_collections(backend: str, *, data_dir: str | None = None,
                     milvus: MilvusOptions | None = None) -> CollectionManager:
    """The collection manager of `backend`: FAISS + SQLite in `data_dir` (the embedded default),
    numpy in memory (the reference), or a Milvus server shared by many replicas."""
    if backend == "faiss":
        from .faiss_collections import FaissCollections

        if data_dir is None:
            raise ValueError("the faiss backend keeps its collections in a directory: give data_dir")
        return FaissCollections(data_dir)
    if backend == "numpy":
        from .numpy_collections import NumpyCollections

        return NumpyCollections()
    if backend == "milvus":
        from .milvus_collections import MilvusCollections

        return MilvusCollections(milvus or MilvusOptions())
    raise ValueError(f"index backend {backend!r} is unknown: use one of {', '.join(BACKENDS)}")
