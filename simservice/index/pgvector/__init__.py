"""The Postgres + pgvector backend: collections as tables, HNSW or IVFFlat indexes, SQL filters."""

from .collections import PgCollections
from .link import PgOptions

__all__ = ["PgCollections", "PgOptions"]
