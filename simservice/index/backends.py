"""The one place a backend is chosen: `open_collections("faiss" | "numpy" | "milvus", ...)`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from .errors import BackendNotInstalled
from .protocol import CollectionManager

BACKENDS = ("faiss", "numpy", "milvus")
# backend -> (its client library, the install that brings it)
CLIENTS = {"milvus": ("pymilvus", "pip install 'simservice[milvus]'")}


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
        require_client(backend)
        from .milvus_collections import MilvusCollections

        return MilvusCollections(milvus or MilvusOptions())
    raise ValueError(f"index backend {backend!r} is unknown: use one of {', '.join(BACKENDS)}")


def require_client(backend: str) -> None:
    """Raise BackendNotInstalled, saying what to install, unless `backend`'s client library
    imports (pymilvus 2.3.7 needs setuptools' pkg_resources, which setuptools 70 removed)."""
    if backend not in CLIENTS:
        return
    module, install = CLIENTS[backend]
    try:
        importlib.import_module(module)
    except Exception as exc:  # ImportError, or whatever a broken dependency raises on import
        hint = " (or pip install 'setuptools<70')" if "pkg_resources" in str(exc) else ""
        raise BackendNotInstalled(
            f"index backend {backend!r} needs {module}, which cannot be imported ({type(exc).__name__}: "
            f"{exc}): {install}{hint}") from exc
