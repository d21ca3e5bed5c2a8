"""The CollectionManager conformance suite: every backend (FAISS, numpy, Milvus) gives the
same answers to the same calls, checked against the brute-force numpy store."""

import numpy as np
import pytest
from tests.index.helpers import DIM, assert_same_hits, numpy_twin, random_items, store_state

from simservice.index import (
    DEFAULT,
    CollectionExists,
    CollectionNotFound,
    DimensionMismatch,
    IndexSpec,
    InvalidArgument,
    InvalidId,
    InvalidVector,
    Item,
    ItemNotFound,
)
from simservice.index.validation import check_index_spec

HOSTILE_KEYS = ['q"k', "s'k", "b\\k", "br[k]", "sl/ash", 'x"] or 1==1 or metadata["a', "中文 键", "t~1"]
HOSTILE_VALUES = ['x" or 1==1 or "y', "back\\slash", "'", "中文", "😀", "", -1, 2.5, 1e20, 2**60,
                  None, [1, 2], {"b": 1}, True, False]


def test_collections_lifecycle(manager):
    assert manager.list() == []
    store = manager.ensure(DEFAULT, dim=DIM)
    assert manager.ensure(DEFAULT, dim=DIM).config == store.config
    manager.create("faq", dim=8, metric="ip")
    assert manager.list() == ["default", "faq"]
    info = manager.describe("faq")
    assert (info.name, info.dim, info.metric, info.count, info.backend) == ("faq", 8, "ip", 0, manager.backend)
    assert info.spec == IndexSpec("exact")
    with pytest.raises(CollectionExists, match="already exists"):
        manager.create("faq", dim=8)
    with pytest.raises(DimensionMismatch, match="dimension 16, not 32"):
        manager.ensure(DEFAULT, dim=32)
    with pytest.raises(InvalidArgument, match="metric 'cosine', not 'ip'"):
        manager.ensure(DEFAULT, dim=DIM, metric="ip")
    manager.drop("faq")
    assert manager.list() == ["default"]
    for call in (manager.get, manager.describe, manager.drop):
        with pytest.raises(CollectionNotFound, match="does not exist"):
            call("faq")
    for name in ["", "../etc", "a/b", "x" * 65, ".hidden", 'a"b']:
        with pytest.raises(InvalidArgument, match="collection name"):
            manager.create(name, dim=DIM)
    manager.check()


def test_items_upsert_replace_get_page_delete(manager):
    store = manager.create("c", dim=DIM)
    rng = np.random.default_rng(0)
    items = random_items(rng, [f"id-{i:03d}" for i in range(40)])
    store.upsert(items)
    store.upsert([Item("id-005", rng.standard_normal(DIM), "replaced", {"new": True})])
    assert store.count() == 40 and manager.describe("c").count == 40
    got = store.get("id-005")
    assert (got.text, got.metadata) == ("replaced", {"new": True})
    assert np.linalg.norm(got.vector) == pytest.approx(1.0, abs=1e-5)  # cosine stores unit vectors
    assert [item.id for item in store.page(10, 5)] == [f"id-{i:03d}" for i in range(10, 15)]
    assert store.page(38, 10)[-1].id == "id-039" and store.page(40, 10) == []
    assert store.delete(["id-001", "id-001", "id-002", "nope"]) == 2
    assert store.count() == 38
    with pytest.raises(ItemNotFound, match="id-001"):
        store.get("id-001")
    store.upsert([])
    wide = ["中" * 256, "😀" * 256, "é" * 256]  # 256 characters of 3- and 4-byte UTF-8
    store.upsert([Item(item_id, rng.standard_normal(DIM), "wide") for item_id in wide])
    assert all(store.get(item_id).text == "wide" for item_id in wide)
    assert [item.id for item in store.page(38, 3)] == sorted(wide)


def test_get_many_gives_the_stored_items_in_the_order_asked(manager):
    store = manager.create("c", dim=DIM)
    items = random_items(np.random.default_rng(3), [f"g{i}" for i in range(30)] + HOSTILE_KEYS)
    store.upsert(items)
    asked = ["g7", "nope", HOSTILE_KEYS[1], "g7", "g0", HOSTILE_KEYS[5]]
    got = store.get_many(asked)
    assert [item.id for item in got] == ["g7", HOSTILE_KEYS[1], "g0", HOSTILE_KEYS[5]]
    for item in got:
        one = store.get(item.id)
        assert (item.text, item.metadata) == (one.text, one.metadata)
        np.testing.assert_allclose(item.vector, one.vector, atol=1e-6)
    assert store.get_many([]) == [] and store.get_many(["nope"]) == []
    with pytest.raises(InvalidId):
        store.get_many(["ok", ""])


BAD_ITEMS = [
    (Item("x" * 257, np.ones(DIM)), InvalidId),
    (Item("", np.ones(DIM)), InvalidId),
    (Item("tab\there", np.ones(DIM)), InvalidId),
    (Item("ok", np.ones(DIM + 1)), DimensionMismatch),
    (Item("ok", np.full(DIM, np.nan)), InvalidVector),
    (Item("ok", np.zeros(DIM)), InvalidVector),
    (Item("ok", np.ones(DIM), metadata=[1]), InvalidArgument),
    (Item("ok", np.ones(DIM), metadata={"big": "x" * 70_000}), InvalidArgument),
    (Item("a", np.ones(DIM)), InvalidId),  # "a" twice in one batch
]


def test_a_bad_item_writes_nothing(manager):
    store = manager.create("c", dim=DIM)
    for bad, error in BAD_ITEMS:
        with pytest.raises(error):
            store.upsert([Item("a", np.ones(DIM)), bad])
        assert store.count() == 0, f"{bad.id!r} let a write through"


def test_search_k_min_score_and_filters_equal_the_reference(manager):
    rng = np.random.default_rng(1)
    items = random_items(rng, [f"id-{i}" for i in range(300)])
    for n, item in enumerate(items[:60]):
        item.metadata = {"n": [1, 1.0, True, "1", 0][n % 5], "only-some": n}
    for n, key in enumerate(HOSTILE_KEYS):
        for m, value in enumerate(HOSTILE_VALUES):
            items[60 + n * len(HOSTILE_VALUES) + m].metadata = {key: value, "tag": "h"}
    store = manager.create("c", dim=DIM)
    store.upsert(items)
    reference = numpy_twin(items)
    queries = rng.standard_normal((4, DIM)).astype(np.float32)
    cases = [{}, {"min_score": 0.3}, {"min_score": 2.0}, {"filter": {"group": 3}},
             {"filter": {"group": 1, "even": True}, "min_score": 0.0},
             {"filter": {"n": 1}}, {"filter": {"n": 1.0}}, {"filter": {"n": True}}, {"filter": {"n": "1"}},
             {"filter": {"missing": 1}}, {"filter": {"tag": "h"}}]
    scalars = [value for value in HOSTILE_VALUES if not isinstance(value, (list, dict))]  # the others are operators or refused
    cases += [{"filter": {key: value}} for key in HOSTILE_KEYS for value in scalars]
    cases += [{"filter": {key: {"in": scalars}}} for key in HOSTILE_KEYS]
    cases += [{"filter": {"not": {key: {"nin": scalars[:3]}}}} for key in HOSTILE_KEYS]
    cases += [{"filter": {"tag": "h", key: HOSTILE_VALUES[0]}} for key in HOSTILE_KEYS]
    for n, kwargs in enumerate(cases):
        for k in (1, 7) if n < 11 else (7,):
            assert_same_hits(store.search(queries, k, **kwargs), reference.search(queries, k, **kwargs))
    one = store.search(queries[0], k=300)[0]
    assert len(one) == 300 and [h.score for h in one] == sorted((h.score for h in one), reverse=True)
    true_hits = store.search(queries[0], k=100, filter={"n": True})[0]
    assert len(true_hits) == 12 and all(h.metadata["n"] is True for h in true_hits)
    assert len(store.search(queries[0], k=100, filter={"n": 1})[0]) == 24  # 1 and 1.0, not true
    for bad in ({"k": 0}, {"k": 1025}, {"filter": {}}, {"filter": [1]}, {"min_score": float("nan")},
                {"filter": {"n": [1, 2]}}, {"filter": {"n": {"b": 1}}}):
        with pytest.raises(InvalidArgument):
            store.search(queries, **{"k": 5, **bad})
    with pytest.raises(DimensionMismatch):
        store.search(np.ones((1, DIM + 1)), 5)


@pytest.mark.parametrize("spec", [IndexSpec("exact"), IndexSpec("hnsw", m=16, ef=32), IndexSpec("ivf", nlist=4, nprobe=4)])
def test_index_specs_are_kept_and_searched(manager, spec):
    store = manager.create("c", dim=DIM, index=spec)
    items = random_items(np.random.default_rng(2), [f"id-{i}" for i in range(50)])
    store.upsert(items)
    if manager.backend != "numpy":  # numpy searches exactly whatever it is asked for
        assert manager.describe("c").spec == check_index_spec(spec)
    queries = np.random.default_rng(3).standard_normal((3, DIM))
    # 50 items: every list probed, every graph node reached, so each index is exact here
    assert_same_hits(store.search(queries, 5), numpy_twin(items).search(queries, 5))


@pytest.mark.parametrize("spec, words", [
    (IndexSpec("hnsw", m=0), "m=0 is out of range"),
    (IndexSpec("ivf", nlist=4, nprobe=8), "nprobe=8 is more than nlist=4"),
    (IndexSpec("exact", m=16), "m applies to hnsw"),
    (IndexSpec("flat"), "kind 'flat' is unknown"),
])
def test_index_specs_out_of_range_create_nothing(manager, spec, words):
    with pytest.raises(InvalidArgument, match=words):
        manager.create("c", dim=DIM, index=spec)
    assert manager.list() == []


def test_page_through_everything(manager):
    store = manager.create("c", dim=DIM)
    items = random_items(np.random.default_rng(4), [f"k{i}" for i in range(130)])
    store.upsert(items)
    assert sorted(store_state(store)) == sorted(item.id for item in items)
