"""A hostile but fair client: each reproducer of issue 17 as a test against the real app.

Nothing a client sends may crash the process, poison stored data or answer 500.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from tests.index.test_failed_collections import poison
from tests.serving.support import assert_error, running_app

from simservice.index import DEFAULT, CollectionConfig

TWO = {"items": [{"id": "1", "text": "你好"}, {"id": "2", "text": "明天"}]}


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index"), max_client_batch_size=8) as client:
        yield client


# -- 1: unsafe indexes never reach FAISS; a collection that cannot open fails alone ---------

@pytest.mark.parametrize("body", [
    {"name": "boom", "index": "HNSW0"},
    {"name": "boom", "index": "IVF0,Flat"},
    {"name": "boom", "index": "hnsw", "index_params": {"m": 0}},
    {"name": "boom", "index": "hnsw", "index_params": {"m": 1}},
    {"name": "boom", "index": "hnsw", "index_params": {"m": 100000}},
    {"name": "boom", "index": "ivf", "index_params": {"nlist": 0}},
    {"name": "boom", "index": "hnsw", "index_params": {"ef": 10**9}},
])
def test_unsafe_index_is_422_and_nothing_is_created(client, body):
    assert_error(client.post("/collections", json=body), 422)
    assert_error(client.post("/collections/boom/items", json=TWO), 404)
    assert "boom" not in client.get("/collections").json()["collections"]


def test_smallest_safe_hnsw_takes_items_and_searches(client):
    created = client.post("/collections", json={"name": "tiny-hnsw", "index": "hnsw", "index_params": {"m": 4}})
    assert created.status_code == 201, created.text
    assert client.post("/collections/tiny-hnsw/items", json=TWO).json() == {"upserted": 2}
    hits = client.post("/similar", json={"text": "你好", "k": 2, "collection": "tiny-hnsw"}).json()["results"][0]
    assert sorted(h["id"] for h in hits) == ["1", "2"]


def test_poisoned_collections_fail_alone_at_restart(roformer, tmp_path):
    """A default collection whose stored index FAISS would abort on, and a damaged one: the
    service starts, says which failed and why, and serves everything else."""
    poison(tmp_path, DEFAULT, CollectionConfig(DEFAULT, roformer.dim, index="HNSW0"))
    poison(tmp_path, "broken", None, garbage=b"\x00garbage" * 512)
    with running_app(roformer, tmp_path, wait=False) as client:
        deadline = time.monotonic() + 30
        while "failed to open" not in (ready := client.get("/ready")).text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.status_code == 503 and "HNSW links per node" in ready.json()["status"], ready.text
        assert client.get("/health").status_code == 200
        assert client.post("/encode", json={"texts": ["你好"]}).status_code == 200
        for call in (lambda: client.post("/similar", json={"text": "你好"}),
                     lambda: client.get("/collections/default"),
                     lambda: client.post("/collections/default/items", json=TWO)):
            assert_error(call(), 503, "failed to open", "restore", "drop it")
        assert_error(client.get("/collections/broken/items"), 503, "DatabaseError")
        assert client.post("/collections", json={"name": "fresh"}).status_code == 201
        assert client.post("/collections/fresh/items", json=TWO).status_code == 200
        assert client.delete("/collections/default").status_code == 204
        assert client.get("/ready").status_code == 200
        assert client.post("/collections", json={"name": "default"}).status_code == 201
        assert client.post("/similar", json={"text": "你好"}).json() == {"results": [[]]}
