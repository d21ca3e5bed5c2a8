"""FAISS store against the numpy brute-force store: same ids, same scores, same payloads."""

import numpy as np
import pytest
from tests.index.helpers import DIM, assert_same_hits, numpy_twin, random_items, store_state

from simservice.index import CollectionConfig, FaissStore, NumpyStore


@pytest.mark.parametrize("metric", ["cosine", "ip"])
def test_same_results_through_upserts_and_deletes(tmp_path, metric):
    rng = np.random.default_rng(1)
    config = CollectionConfig("c", DIM, metric=metric)
    faiss_store = FaissStore(str(tmp_path / "c"), config, snapshot_min_changes=150)
    numpy_store = NumpyStore(config)
    queries = rng.standard_normal((12, DIM)).astype(np.float32)
    for step in range(12):
        ids = [f"id-{i}" for i in rng.choice(400, size=60, replace=False)]
        if step % 3 == 2:
            assert faiss_store.delete(ids) == numpy_store.delete(ids)
        else:
            items = random_items(rng, ids)
            faiss_store.upsert(items)
            numpy_store.upsert(items)
        assert faiss_store.count() == numpy_store.count()
        for kwargs in ({}, {"filter": {"group": 3}}, {"filter": {"group": 1, "even": True}},
                       {"min_score": 0.3}, {"filter": {"even": False}, "min_score": 0.1}):
            assert_same_hits(faiss_store.search(queries, 10, **kwargs),
                             numpy_store.search(queries, 10, **kwargs))
    assert store_state(faiss_store).keys() == store_state(numpy_store).keys()
    assert [i.id for i in faiss_store.page(5, 20)] == [i.id for i in numpy_store.page(5, 20)]
    first = numpy_store.page(0, 1)[0]
    got = faiss_store.get(first.id)
    assert (got.text, got.metadata) == (first.text, first.metadata)
    np.testing.assert_allclose(got.vector, first.vector, atol=1e-6)
    faiss_store.close()


def test_rare_filter_overfetches_until_all_items_scanned(tmp_path):
    rng = np.random.default_rng(2)
    items = random_items(rng, [f"id-{i}" for i in range(2000)], groups=1)
    for item in items[:3]:
        item.metadata = {"group": 9}
    store = FaissStore(str(tmp_path / "c"), CollectionConfig("c", DIM))
    store.upsert(items)
    queries = rng.standard_normal((5, DIM))
    hits = store.search(queries, k=10, filter={"group": 9})
    assert [sorted(h.id for h in row) for row in hits] == [["id-0", "id-1", "id-2"]] * 5
    assert_same_hits(hits, numpy_twin(items).search(queries, k=10, filter={"group": 9}))
    assert store.search(queries, k=10, filter={"group": 8}) == [[]] * 5
    store.close()


def test_filter_types_are_strict(tmp_path):
    rng = np.random.default_rng(3)
    items = random_items(rng, ["a", "b", "c"])
    items[0].metadata, items[1].metadata, items[2].metadata = {"v": 1}, {"v": True}, {"v": 1.0}
    for store in (FaissStore(str(tmp_path / "c"), CollectionConfig("c", DIM)),
                  NumpyStore(CollectionConfig("c", DIM))):
        store.upsert(items)
        query = rng.standard_normal(DIM)
        assert sorted(h.id for h in store.search(query, 5, filter={"v": 1})[0]) == ["a", "c"]
        assert [h.id for h in store.search(query, 5, filter={"v": True})[0]] == ["b"]
        store.close()


def approximate(path, seed, n, index, params, **options):
    """(rng, empty store of that index type, n random items)."""
    rng = np.random.default_rng(seed)
    config = CollectionConfig("c", DIM, index=index, search_params=params)
    return rng, FaissStore(str(path), config, **options), random_items(rng, [f"id-{i}" for i in range(n)])


def test_ivf_probing_every_list_is_exact_and_falls_back_until_trained(tmp_path):
    rng, store, items = approximate(tmp_path / "c", 4, 1200, "IVF8,Flat", {"nprobe": 8})
    store.upsert(items[:500])
    info = store.info()
    assert info.active_index == "Flat" and "1000 items" in info.note
    store.upsert(items[500:])
    assert store.info().active_index == "IVF8,Flat"
    twin = numpy_twin(items)
    store.delete([f"id-{i}" for i in range(0, 1200, 7)])
    twin.delete([f"id-{i}" for i in range(0, 1200, 7)])
    queries = rng.standard_normal((20, DIM))
    assert_same_hits(store.search(queries, 10), twin.search(queries, 10))
    assert_same_hits(store.search(queries, 10, filter={"group": 2}),
                     twin.search(queries, 10, filter={"group": 2}))
    store.close()


def test_hnsw_deletes_are_tombstones_filtered_and_compacted(tmp_path):
    rng, store, items = approximate(tmp_path / "c", 5, 600, "HNSW16", {"efSearch": 500},
                                    tombstone_min=150, tombstone_fraction=0.2)
    store.upsert(items)
    twin = numpy_twin(items)
    deleted = [f"id-{i}" for i in range(100)]
    store.delete(deleted)
    twin.delete(deleted)
    assert store.info().tombstones == 100 and "tombstones" in store.info().note
    queries = np.stack([items[i].vector for i in range(0, 200, 4)])  # half are deleted items
    got, want = store.search(queries, 10), twin.search(queries, 10)
    assert not {h.id for row in got for h in row} & set(deleted)
    assert all(len(row) == 10 for row in got)
    overlap = np.mean([len({h.id for h in g} & {h.id for h in w}) / 10 for g, w in zip(got, want)])
    assert overlap >= 0.95
    store.close()
    store = FaissStore(str(tmp_path / "c"), tombstone_min=150, tombstone_fraction=0.2)
    assert store.info().tombstones == 100  # recomputed from snapshot vs table
    store.delete([f"id-{i}" for i in range(100, 200)])  # 200 > max(150, 0.2 * 600)
    assert store.info().tombstones == 0 and store.count() == 400
    store.close()


def test_ivf_pq_trains_and_never_returns_deleted(tmp_path):
    _, store, items = approximate(tmp_path / "c", 6, 1100, "IVF4,PQ4x4", {"nprobe": 4})
    store.upsert(items)
    assert store.info().active_index == "IVF4,PQ4x4"
    store.delete([f"id-{i}" for i in range(0, 1100, 2)])
    hits = store.search(np.stack([items[i].vector for i in range(10)]), 5)
    assert all(len(row) == 5 for row in hits)
    assert all(int(h.id[3:]) % 2 == 1 for row in hits for h in row)
    store.close()
