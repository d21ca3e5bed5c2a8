"""FaissCollections: collections created, listed, described, ensured and dropped."""

import os

import numpy as np
import pytest
from tests.index.helpers import DIM, random_items

from simservice.index import (
    DEFAULT,
    CollectionExists,
    CollectionNotFound,
    DimensionMismatch,
    FaissCollections,
    IndexSpec,
    InvalidArgument,
)


def test_lifecycle(tmp_path):
    manager = FaissCollections(str(tmp_path))
    assert manager.list() == []
    store = manager.ensure(DEFAULT, dim=DIM)
    assert manager.ensure(DEFAULT, dim=DIM) is store
    store.upsert(random_items(np.random.default_rng(0), ["a", "b", "c"]))
    manager.create("faq", dim=8, metric="ip", factory="HNSW16", search_params={"efSearch": 32})
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

    manager = FaissCollections(str(tmp_path))  # everything is still there after a restart
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
    manager = FaissCollections(str(tmp_path))
    assert not os.path.exists(tmp_path / ".creating-x-123")
    for name in ["", "../etc", "a/b", "x" * 65, ".hidden"]:
        with pytest.raises(InvalidArgument, match="collection name"):
            manager.create(name, dim=DIM)
    with pytest.raises(InvalidArgument, match="factory string"):
        manager.create("bad", dim=DIM, factory="IVF-nonsense")
    assert manager.list() == []
    manager.close()


def test_dropped_store_refuses_further_use(tmp_path):
    manager = FaissCollections(str(tmp_path))
    store = manager.create("c", dim=DIM)
    manager.drop("c")
    with pytest.raises(CollectionNotFound, match="closed or dropped"):
        store.search(np.ones(DIM), 1)
    manager.close()


def test_neutral_index_specs_map_to_faiss_and_back(tmp_path):
    manager = FaissCollections(str(tmp_path))
    manager.create("h", dim=DIM, index=IndexSpec("hnsw", m=16))
    manager.create("i", dim=DIM, index=IndexSpec("ivf", nlist=8, nprobe=4))
    manager.create("e", dim=DIM)
    h, i, e = (manager.describe(name) for name in "hie")
    assert (h.index, h.search_params, h.spec) == ("HNSW16", {"efSearch": 64}, IndexSpec("hnsw", m=16, ef=64))
    assert (i.index, i.search_params, i.spec) == ("IVF8,Flat", {"nprobe": 4}, IndexSpec("ivf", nlist=8, nprobe=4))
    assert (e.index, e.spec, e.backend) == ("Flat", IndexSpec("exact"), "faiss")
    manager.close()


@pytest.mark.parametrize("spec, words", [
    (IndexSpec("hnsw", m=0), "m=0 is out of range"),
    (IndexSpec("hnsw", m=100000), "m=100000 is out of range"),
    (IndexSpec("ivf", nlist=0), "nlist=0"),
    (IndexSpec("ivf", nlist=4, nprobe=8), "nprobe=8 is more than nlist=4"),
    (IndexSpec("exact", m=16), "m applies to hnsw"),
    (IndexSpec("flat"), "kind 'flat' is unknown"),
])
def test_index_specs_outside_the_whitelist_are_refused_before_faiss_sees_them(tmp_path, spec, words):
    manager = FaissCollections(str(tmp_path))
    with pytest.raises(InvalidArgument, match=words):
        manager.create("c", dim=DIM, index=spec)
    assert manager.list() == []
    manager.close()
