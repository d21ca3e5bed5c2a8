"""Unsafe FAISS indexes are refused before FAISS sees them, and a collection that cannot be
opened is set aside alone: the process and the other collections keep serving, restarts too."""

import os
import subprocess
import sys

import numpy as np
import pytest
from tests.index.helpers import DIM, random_items
from tests.paths import ROOT

from simservice.index import (
    DEFAULT,
    CollectionConfig,
    CollectionFailed,
    FaissCollections,
    FaissStore,
    InvalidArgument,
)
from simservice.index.faiss.item_table import ItemTable

UNSAFE = ["HNSW0", "HNSW1", "HNSW100000", "IVF0,Flat", "IVF100000000,Flat", "IVF8,PQ5", "IVF8,PQ4x16",
          "IDMap,Flat", "PCA4,Flat", "HNSW32,SQ8", "Flat ", "", "LSH"]


@pytest.mark.parametrize("factory", UNSAFE)
def test_unsafe_factory_strings_are_refused_from_python(tmp_path, factory):
    manager = FaissCollections(str(tmp_path))
    with pytest.raises(InvalidArgument, match="factory string|HNSW links|IVF lists|PQ"):
        manager.create("boom", dim=DIM, factory=factory)
    with pytest.raises(InvalidArgument):
        FaissStore(str(tmp_path / "direct"), CollectionConfig("direct", DIM, index=factory))
    assert manager.list() == []


def test_rebuild_and_search_params_are_whitelisted_too(tmp_path):
    store = FaissStore(str(tmp_path / "c"), CollectionConfig("c", DIM))
    store.upsert(random_items(np.random.default_rng(0), ["a", "b"]))
    for factory in ("HNSW0", "IVF0,Flat"):
        with pytest.raises(InvalidArgument):
            store.rebuild(index=factory)
    with pytest.raises(InvalidArgument, match="efSearch"):
        store.set_search_params({"efSearch": 100_000})
    assert store.info().index == "Flat" and store.count() == 2
    store.close()


def poison(data_dir, name: str, config: CollectionConfig | None, garbage: bytes | None = None) -> None:
    """A collection directory as an older version (or a damaged disk) may have left it."""
    os.makedirs(os.path.join(data_dir, name))
    path = os.path.join(data_dir, name, "items.sqlite")
    if garbage is not None:
        with open(path, "wb") as f:
            f.write(garbage)
        return
    table = ItemTable(path, config)
    items = random_items(np.random.default_rng(1), ["1", "2", "3"])
    vectors = np.stack([item.vector / np.linalg.norm(item.vector) for item in items]).astype(np.float32)
    table.upsert([i.id for i in items], [i.text for i in items], ["{}"] * 3, vectors)
    table.close()


RESTART = """
import sys, numpy as np
from simservice.index import FaissCollections, CollectionFailed
manager = FaissCollections(sys.argv[1])
for name in ("boom", "broken", "fine"):
    try:
        store = manager.get(name)
        print(name, "ok", store.count(), len(store.search(np.ones(%d), 2)[0]))
    except CollectionFailed as exc:
        print(name, "failed", exc)
print("failed:", sorted(manager.failed()))
manager.close()
""" % DIM


def test_a_poisoned_collection_fails_alone_at_restart(tmp_path):
    """Rows of an HNSW0 collection already in SQLite once aborted every restart inside FAISS.
    Run in a child process, so a regression shows as a failed test, not a dead test run."""
    poison(tmp_path, "boom", CollectionConfig("boom", DIM, index="HNSW0"))
    poison(tmp_path, "broken", None, garbage=b"this is not a database" * 100)
    fine = FaissCollections(str(tmp_path))
    fine.ensure("fine", DIM).upsert(random_items(np.random.default_rng(2), ["x"]))
    fine.close()
    for _ in range(2):  # and again: the failure is not written anywhere that makes it worse
        run = subprocess.run([sys.executable, "-c", RESTART, str(tmp_path)], capture_output=True, text=True,
                             timeout=120, cwd=ROOT)
        assert run.returncode == 0, run.stderr[-2000:]
        lines = run.stdout.splitlines()
        assert lines[0].startswith("boom failed") and "HNSW links per node must be 4-64" in lines[0], lines
        assert "restore" in lines[0] and "drop it" in lines[0]
        assert lines[1].startswith("broken failed") and "DatabaseError" in lines[1], lines
        assert lines[2] == "fine ok 1 1" and lines[3] == "failed: ['boom', 'broken']", lines


def test_a_failed_collection_can_be_dropped_and_recreated(tmp_path):
    poison(tmp_path, DEFAULT, CollectionConfig(DEFAULT, DIM, index="IVF0,Flat"))
    manager = FaissCollections(str(tmp_path))
    with pytest.raises(CollectionFailed, match="IVF lists must be 1-65536"):
        manager.ensure(DEFAULT, DIM)
    with pytest.raises(CollectionFailed):  # remembered, not retried on every request
        manager.describe(DEFAULT)
    assert manager.list() == [DEFAULT] and DEFAULT in manager.failed()
    manager.drop(DEFAULT)
    assert manager.failed() == {}
    assert manager.ensure(DEFAULT, DIM).count() == 0
    manager.close()
