"""Fixtures of the index tests: a fresh, empty CollectionManager of each backend."""

from __future__ import annotations

import uuid

import pytest

from simservice.index import FaissCollections, MilvusOptions, NumpyCollections

BACKENDS = ["faiss", "numpy", pytest.param("milvus", marks=pytest.mark.milvus)]


@pytest.fixture(scope="session")
def milvus_uri() -> str:
    from tests.milvus_server import session_uri

    return session_uri()


def fresh_manager(backend: str, tmp_path, request):
    """A manager with no collections: a new directory, a new dict, or a new Milvus prefix."""
    if backend == "faiss":
        return FaissCollections(str(tmp_path / "index"))
    if backend == "numpy":
        return NumpyCollections()
    from simservice.index.milvus_collections import MilvusCollections

    uri = request.getfixturevalue("milvus_uri")
    return MilvusCollections(MilvusOptions(uri=uri, prefix=f"t{uuid.uuid4().hex[:12]}_"))


@pytest.fixture(params=BACKENDS)
def manager(request, tmp_path):
    manager = fresh_manager(request.param, tmp_path, request)
    yield manager
    for name in manager.list():
        manager.drop(name)
    manager.close()
