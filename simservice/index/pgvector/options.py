"""Where the pgvector backend's Postgres is; plain data, so an index URL parses without psycopg."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PgOptions:
    """Where Postgres is (a libpq URI), the schema holding this service's collections, and how long one
    statement may take before the backend counts as unavailable."""

    uri: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    schema: str = "simservice"
    timeout: float = 10.0
