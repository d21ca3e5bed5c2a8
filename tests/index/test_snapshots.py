"""Collection snapshots (FAISS): consistent under concurrent writes, restored with the same items and
search results, refused on another dimension or model, and refused clearly by backends that cannot."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest

from simservice.index import (CollectionExists, DimensionMismatch, FaissCollections, NumpyCollections)
from simservice.index.errors import InvalidArgument, SnapshotMismatch, SnapshotNotFound, Unsupported
from tests.index.helpers import DIM, random_items

LABELS = {"model": "tiny"}


def filled(tmp_path, count=200):
    manager = FaissCollections(str(tmp_path / "data"))
    store = manager.create("faq", DIM)
    store.upsert(random_items(np.random.default_rng(0), [f"q{i}" for i in range(count)]))
    return manager, store


def every_item(store):
    return {item.id: (item.text, item.metadata, item.vector.tolist()) for item in store.page(0, 10_000)}


def test_restore_gives_the_same_items_and_search_results(tmp_path):
    manager, store = filled(tmp_path)
    queries = np.random.default_rng(1).standard_normal((5, DIM)).astype(np.float32)
    before, hits = every_item(store), store.search(queries, k=7)
    made = manager.create_snapshot("faq", LABELS)
    assert made.manifest["count"] == 200 and made.manifest["labels"] == LABELS
    assert made.manifest["config"]["dim"] == DIM
    store.delete([f"q{i}" for i in range(50)])
    manager.restore_snapshot("faq", made.name, dim=DIM, labels=LABELS, replace=True)
    restored = manager.get("faq")
    assert every_item(restored) == before
    assert restored.search(queries, k=7) == hits
    manager.close()
    reopened = FaissCollections(str(tmp_path / "data"))  # survives a restart, snapshots listed
    assert every_item(reopened.get("faq")) == before
    assert [s.name for s in reopened.list_snapshots("faq")] == [made.name]


def test_snapshot_during_concurrent_writes_is_one_consistent_state(tmp_path):
    manager, store = filled(tmp_path, count=0)
    stop = threading.Event()
    batches = []

    def writer():  # each batch writes 10 items tagged with its number: a consistent copy holds whole batches
        rng = np.random.default_rng(2)
        number = 0
        while not stop.is_set():
            items = random_items(rng, [f"b{number}-{j}" for j in range(10)])
            store.upsert(items)
            batches.append(number)
            number += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(batches) < 5:
            stop.wait(0.01)
        made = [manager.create_snapshot("faq", LABELS) for _ in range(3)]
    finally:
        stop.set()
        thread.join()
    for number, snap in enumerate(made):
        name = f"copy{number}"
        manager.add_snapshot(name, open(manager.snapshot_file("faq", snap.name), "rb"))
        copy_snap = manager.list_snapshots(name)[0].name
        manager.restore_snapshot(name, copy_snap, dim=DIM, labels=LABELS)
        ids = [item.id for item in manager.get(name).page(0, 10_000)]
        per_batch = {}
        for item_id in ids:
            per_batch[item_id.split("-")[0]] = per_batch.get(item_id.split("-")[0], 0) + 1
        assert len(ids) == snap.manifest["count"] >= 50
        assert set(per_batch.values()) == {10}, "a snapshot holds half a batch"
        assert manager.get(name).count() == len(ids)


def test_restore_is_refused_on_another_dimension_or_model(tmp_path):
    manager, _ = filled(tmp_path, count=20)
    made = manager.create_snapshot("faq", LABELS)
    with pytest.raises(DimensionMismatch, match=f"dimension {DIM}.*gives {DIM * 2}"):
        manager.restore_snapshot("faq", made.name, dim=DIM * 2, labels=LABELS, replace=True)
    with pytest.raises(SnapshotMismatch, match="model 'tiny'"):
        manager.restore_snapshot("faq", made.name, dim=DIM, labels={"model": "base"}, replace=True)
    with pytest.raises(CollectionExists, match="replace"):
        manager.restore_snapshot("faq", made.name, dim=DIM, labels=LABELS)
    with pytest.raises(SnapshotNotFound):
        manager.snapshot_file("faq", "../faq/items.sqlite")
    with pytest.raises(SnapshotMismatch, match="not a simservice snapshot"):
        manager.add_snapshot("faq", io.BytesIO(b"not a tar file at all" * 100))
    assert manager.get("faq").count() == 20


def test_backends_without_snapshots_refuse_clearly():
    manager = NumpyCollections()
    manager.create("faq", DIM)
    with pytest.raises(Unsupported, match="numpy backend"):
        manager.create_snapshot("faq", LABELS)
    with pytest.raises(Unsupported):
        manager.restore_snapshot("faq", "x.snapshot", dim=DIM, labels=LABELS)


def test_replace_collection_swaps_in_one_step(tmp_path):
    manager, store = filled(tmp_path, count=30)
    fresh = manager.create("faq-next", DIM)
    fresh.upsert(random_items(np.random.default_rng(5), ["only"]))
    manager.replace_collection("faq", "faq-next")
    assert manager.list() == ["faq"]
    assert [item.id for item in manager.get("faq").page()] == ["only"]
    assert manager.get("faq").config.name == "faq"


def test_replacing_a_collection_with_itself_is_refused_and_keeps_it(tmp_path):
    manager, store = filled(tmp_path, count=30)
    before = every_item(store)
    with pytest.raises(InvalidArgument, match="itself"):
        manager.replace_collection("faq", "faq")
    assert every_item(manager.get("faq")) == before
    manager.close()
    assert every_item(FaissCollections(str(tmp_path / "data")).get("faq")) == before


def test_snapshots_are_a_capability_each_backend_declares(manager):
    manager.create("faq", DIM)
    if manager.snapshots:
        assert manager.list_snapshots("faq") == []
        return
    for call in (lambda: manager.create_snapshot("faq", LABELS), lambda: manager.list_snapshots("faq"),
                 lambda: manager.replace_collection("faq", "other")):
        with pytest.raises(Unsupported, match=f"on the {manager.backend} backend|by the {manager.backend} backend"):
            call()
