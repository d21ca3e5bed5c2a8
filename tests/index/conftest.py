"""Fixtures of the index tests: a fresh, empty CollectionManager of each backend."""

from __future__ import annotations

import uuid

import pytest

from simservice.index import FaissCollections, MilvusOptions, NumpyCollections
from tests.pg_server import fresh_schema, session_uri

BACKENDS = ["faiss", "numpy", "pgvector", pytest.param("milvus", marks=pytest.mark.milvus)]


@pytest.fixture(scope="session")
def milvus_uri() -> str:
    from tests.milvus_server import session_uri

    return session_uri()


@pytest.fixture(scope="session")
def pg_uri() -> str:
    return session_uri()


def fresh_manager(backend: str, tmp_path, request):
    """A manager with no collections: a new directory, a new dict, a new Postgres schema or a new Milvus prefix."""
    if backend == "faiss":
        return FaissCollections(str(tmp_path / "index"))
    if backend == "numpy":
        return NumpyCollections()
    if backend == "pgvector":
        from simservice.index.pgvector import PgCollections, PgOptions

        return PgCollections(PgOptions(request.getfixturevalue("pg_uri"), schema=fresh_schema()))
    from simservice.index.milvus import MilvusCollections

    uri = request.getfixturevalue("milvus_uri")
    return MilvusCollections(MilvusOptions(uri=uri, prefix=f"t{uuid.uuid4().hex[:12]}_"))


@pytest.fixture(params=BACKENDS)
def manager(request, tmp_path):
    manager = fresh_manager(request.param, tmp_path, request)
    yield manager
    for name in manager.list():
        manager.drop(name)
    manager.close()
