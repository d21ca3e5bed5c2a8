"""A real Postgres 16 with pgvector for tests, from the PyPI package `pgserver`: started once per test
session in a temporary directory (about a second), reached over its Unix socket."""

from __future__ import annotations

import tempfile
import uuid

_server = None


def session_uri() -> str:
    """The URI of the session's server, started on first use, with the `vector` extension created."""
    global _server
    if _server is None:
        import pgserver
        import psycopg

        _server = pgserver.get_server(tempfile.mkdtemp(prefix="simservice-pg-"), cleanup_mode="delete")
        with psycopg.connect(_server.get_uri(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return _server.get_uri()


def fresh_schema() -> str:
    """A schema name no other test uses: each manager starts with no collections."""
    return f"t{uuid.uuid4().hex[:12]}"
