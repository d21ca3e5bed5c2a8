"""The FAISS backend (`faiss:///path`): one directory per collection, SQLite the source of truth and
a FAISS index its cache, crash-safe swaps and collection snapshots (README.md next to the package)."""

from .collections import FaissCollections
from .store import FaissStore

__all__ = ["FaissCollections", "FaissStore"]
