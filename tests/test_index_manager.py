"""IndexManager: collections created, listed, described, ensured and dropped."""

import os

import numpy as np
import pytest
from index_helpers import DIM, random_items

from simservice.index import (
    DEFAULT,
    CollectionExists,
    CollectionNotFound,
    DimensionMismatch,
    IndexManager,
    InvalidArgument,
)


def test_lifecycle(tmp_path):
    manager = IndexManager(str(tmp_path))
    assert manager.list() == []
    store = manager.ensure(DEFAULT, dim=DIM)
    assert manager.ensure(DEFAULT, dim=DIM) is store
    store.upsert(random_items(np.random.default_rng(0), ["a", "b", "c"]))
    manager.create("faq", dim=8, metric="ip", index="HNSW16", search_params={"efSearch": 32})
    assert manager.list() == ["default", "faq"]
    info = manager.describe(DEFAULT)
    assert (info.name, info.count, info.dim, info.metric, info.index) == ("default", 3, DIM, "cosine", "Flat")
    assert info.disk_bytes > 0
    faq = manager.describe("faq")
    assert (faq.dim, faq.metric, faq.index, faq.search_params) == (8, "ip", "HNSW16", {"efSearch": 32})
    with pytest.raises(CollectionExists, match="already exists"):
        manager.create("faq", dim=8)
    with pytest.raises(DimensionMismatch, match="dimension 16, not 32"):
        manager.ensure(DEFAULT, dim=32)
    manager.close()

    manager = IndexManager(str(tmp_path))  # everything is still there after a restart
    assert manager.list() == ["default", "faq"]
    assert manager.get(DEFAULT).get("b").text == "text of b"
    manager.drop("faq")
    assert manager.list() == ["default"] and not os.path.exists(tmp_path / "faq")
    with pytest.raises(CollectionNotFound, match="does not exist"):
        manager.describe("faq")
    with pytest.raises(CollectionNotFound):
        manager.drop("faq")
    manager.close()


def test_bad_names_and_leftovers(tmp_path):
    os.makedirs(tmp_path / ".creating-x-123")
    manager = IndexManager(str(tmp_path))
    assert not os.path.exists(tmp_path / ".creating-x-123")
    for name in ["", "../etc", "a/b", "x" * 65, ".hidden"]:
        with pytest.raises(InvalidArgument, match="collection name"):
            manager.create(name, dim=DIM)
    with pytest.raises(InvalidArgument, match="factory string"):
        manager.create("bad", dim=DIM, index="IVF-nonsense")
    assert manager.list() == []
    manager.close()


def test_dropped_store_refuses_further_use(tmp_path):
    manager = IndexManager(str(tmp_path))
    store = manager.create("c", dim=DIM)
    manager.drop("c")
    with pytest.raises(CollectionNotFound, match="closed or dropped"):
        store.search(np.ones(DIM), 1)
    manager.close()
