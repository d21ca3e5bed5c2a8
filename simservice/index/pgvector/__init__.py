"""The Postgres + pgvector backend: collections as tables, HNSW or IVFFlat indexes, SQL filters.

`PgCollections` (which needs psycopg 3, the `pgvector` extra) is imported on first use."""

from .options import PgOptions

__all__ = ["PgCollections", "PgOptions"]


def __getattr__(name: str):
    if name == "PgCollections":
        from .collections import PgCollections

        return PgCollections
    raise AttributeError(name)
