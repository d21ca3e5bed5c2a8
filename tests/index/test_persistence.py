"""Snapshots: round trips, replay of the log after a snapshot, damaged or stale snapshots."""

import logging
import os
import shutil

import numpy as np
import pytest
from tests.index.helpers import DIM, assert_same_hits, numpy_twin, random_items, store_state, states_equal

from simservice.index import CollectionConfig, CorruptSnapshot, FaissStore
from simservice.index.faiss import index_file as snapshot_file
from simservice.index.faiss.store import SNAPSHOT_FILE

QUERIES = np.random.default_rng(99).standard_normal((8, DIM)).astype(np.float32)


def filled(path, index="Flat", n=300, **options):
    """A store with n items, 50 of them deleted, and its numpy twin."""
    rng = np.random.default_rng(10)
    store = FaissStore(str(path), CollectionConfig("c", DIM, index=index), **options)
    items = random_items(rng, [f"id-{i}" for i in range(n)])
    store.upsert(items)
    twin = numpy_twin(items)
    gone = [f"id-{i}" for i in range(0, n, n // 50)]
    store.delete(gone)
    twin.delete(gone)
    return store, twin


def assert_matches(store, twin):
    assert store.count() == twin.count()
    assert states_equal(store_state(store), store_state(twin))
    assert_same_hits(store.search(QUERIES, 10), twin.search(QUERIES, 10))
    assert_same_hits(store.search(QUERIES, 10, filter={"group": 1}),
                     twin.search(QUERIES, 10, filter={"group": 1}))


@pytest.mark.parametrize("index", ["Flat", "HNSW16"])
def test_round_trip(tmp_path, index, caplog):
    store, twin = filled(tmp_path / "c", index)
    store.close()
    assert os.path.exists(tmp_path / "c" / SNAPSHOT_FILE)
    with caplog.at_level(logging.INFO, logger="simservice.index"):
        store = FaissStore(str(tmp_path / "c"))
    assert "rebuilding" not in caplog.text and "replayed" not in caplog.text
    assert store.config.index == index
    if index == "Flat":
        assert_matches(store, twin)
    else:
        assert store.info().tombstones == 50
        assert {h.id for h in store.search(QUERIES, 10)[0]} <= set(store_state(store))
    store.close()


def test_changes_after_the_snapshot_are_replayed(tmp_path, caplog):
    store, twin = filled(tmp_path / "c", snapshot_min_changes=10**9)
    store.snapshot()
    rng = np.random.default_rng(11)
    more = random_items(rng, [f"id-{i}" for i in range(250, 400)])  # 42 replace, 108 new
    store.upsert(more)
    twin.upsert(more)
    store.delete(["id-260", "id-1", "id-399"])
    twin.delete(["id-260", "id-1", "id-399"])
    store.close(snapshot=False)  # as if the process died after the last commit
    with caplog.at_level(logging.INFO, logger="simservice.index"):
        store = FaissStore(str(tmp_path / "c"))
    # 150 added less 2 deleted again; 42 replaced + 3 deleted (id-1 from before the snapshot)
    assert "replayed 148 additions and 45 deletions" in caplog.text
    assert "rebuilding" not in caplog.text  # the replay alone made the index right
    assert_matches(store, twin)
    store.close()


def damage(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how,reason", [
    (damage, "checksum mismatch"),
    (lambda p: p.write_bytes(p.read_bytes()[:-100]), "bad trailer"),
    (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 3]), "bad trailer"),
    (lambda p: p.write_bytes(b"not a snapshot at all"), "bad header"),
])
def test_damaged_snapshot_is_rebuilt_never_trusted(tmp_path, caplog, how, reason):
    store, twin = filled(tmp_path / "c")
    store.close()
    how(tmp_path / "c" / SNAPSHOT_FILE)
    with pytest.raises(CorruptSnapshot, match=reason):
        snapshot_file.read(str(tmp_path / "c" / SNAPSHOT_FILE))
    with caplog.at_level(logging.WARNING, logger="simservice.index"):
        store = FaissStore(str(tmp_path / "c"))
    assert reason in caplog.text and "rebuilding the index from SQLite" in caplog.text
    assert_matches(store, twin)
    snapshot_file.read(str(tmp_path / "c" / SNAPSHOT_FILE))  # a good snapshot was written again
    store.close()


def test_snapshot_of_another_collection_is_refused(tmp_path, caplog):
    store, twin = filled(tmp_path / "c")
    other, _ = filled(tmp_path / "other")
    other.upsert(random_items(np.random.default_rng(12), ["intruder"]))
    store.close()
    other.close()
    shutil.copy(tmp_path / "other" / SNAPSHOT_FILE, tmp_path / "c" / SNAPSHOT_FILE)
    with caplog.at_level(logging.WARNING, logger="simservice.index"):
        store = FaissStore(str(tmp_path / "c"))
    assert "belongs to another collection" in caplog.text
    assert_matches(store, twin)
    store.close()


def test_old_snapshot_whose_log_was_forgotten_is_refused(tmp_path, caplog):
    store, twin = filled(tmp_path / "c", snapshot_min_changes=10**9)
    store.snapshot()
    shutil.copy(tmp_path / "c" / SNAPSHOT_FILE, tmp_path / "old.snap")
    store.delete(["id-7", "id-8"])
    twin.delete(["id-7", "id-8"])
    store.snapshot()  # forgets the deletion log up to here
    store.close()
    shutil.copy(tmp_path / "old.snap", tmp_path / "c" / SNAPSHOT_FILE)
    with caplog.at_level(logging.WARNING, logger="simservice.index"):
        store = FaissStore(str(tmp_path / "c"))
    assert "deletion log no longer reaches back" in caplog.text
    assert_matches(store, twin)
    store.close()


def test_missing_snapshot_is_rebuilt_and_one_process_per_collection(tmp_path):
    store, twin = filled(tmp_path / "c")
    with pytest.raises(Exception, match="open in another process"):
        FaissStore(str(tmp_path / "c"))
    store.close()
    os.remove(tmp_path / "c" / SNAPSHOT_FILE)
    store = FaissStore(str(tmp_path / "c"))
    assert_matches(store, twin)
    info = store.info()
    assert info.count == 250 and info.dim == DIM and info.index == "Flat" and info.disk_bytes > 0
    store.close()
