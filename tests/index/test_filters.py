"""The filter language (simservice/index/filters.py): its checks, its documented semantics, and
every backend (FAISS with both of its filtered paths, numpy, Milvus) returning exactly the items
the Python reference picks, for seeded random metadata and filters; delete by filter; search_params."""

from __future__ import annotations

import numpy as np
import pytest

from simservice.index import (
    CollectionConfig,
    FaissStore,
    IndexSpec,
    InvalidArgument,
    Item,
)
from simservice.index.faiss import search as faiss_search
from simservice.index.filters import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_IN,
    FilterError,
    matches,
    parse,
)
from tests.index.helpers import (
    DIM,
    assert_same_hits,
    numpy_twin,
    random_items,
    store_state,
)

STRINGS = ["", "x", "y", "中文", 'q"', "\\", "a\x00b", "x\x00"]
NUMBERS = [-1, 0, 1, 2, 7, 2**53 + 1, 2**60, -(2**63), 0.0, 1.0, 2.5, -0.5, 1e20]
SCALARS = STRINGS + NUMBERS + [True, False, None]
STORED = SCALARS + [2**64 + 1, [1, "x"], [], {"x": 1}, {}]  # metadata may hold what a filter may not
KEYS = ["a", "b", "c", 'q"k', "a.b"]


@pytest.mark.parametrize("filter, message", [
    ({"and": [{"a": 1}, {"year": {"gte": "x"}}]}, "filter.and[1].year.gte: expected a number, got a string"),
    ({}, "filter: an empty filter"),
    ([1], "filter: expected a filter object, got a list of 1"),
    ({"a": {}}, "filter.a: expected at least one operator"),
    ({"a": {"like": "x"}}, "filter.a.like: unknown operator: use one of eq, ne, in, nin, gt, gte, lt, lte"),
    ({"a": [1, 2]}, 'filter.a: a list is not a value to compare with: use {"in": [...]}'),
    ({"a": {"b": 1}}, "filter.a.b: unknown operator"),
    ({"a": {"eq": [1]}}, "filter.a.eq: expected a string, number, bool or null, got a list of 1"),
    ({"a": {"in": []}}, f"filter.a.in: expected a list of 1 to {MAX_IN} values"),
    ({"a": {"in": list(range(MAX_IN + 1))}}, f"filter.a.in: expected a list of 1 to {MAX_IN} values"),
    ({"a": {"in": [1, {"x": 1}]}}, "filter.a.in[1]: expected a string, number, bool or null, got an object"),
    ({"a": {"gt": True}}, "filter.a.gt: expected a number, got a bool"),
    ({"a": {"lt": None}}, "filter.a.lt: expected a number, got null"),
    ({"a": 2**64}, "filter.a: integers in filters must fit in 64 bits"),
    ({"a": float("inf")}, "filter.a: expected a finite number"),
    ({"or": []}, "filter.or: expected a non-empty list of filters"),
    ({"or": {"a": 1}}, "filter.or: expected a non-empty list of filters, got an object"),
    ({"not": [{"a": 1}]}, "filter.not: expected a filter object"),
    ({"not": {}}, "filter.not: an empty filter"),
    ({"": 1}, "filter.: a key must have 1 to 256 characters"),
    ({"a": "\ud800"}, "filter: holds a lone surrogate"),
    ({"a": "x" * 70_000}, "filter: over 64 KiB"),
    ({"or": [{f"k{i}": i} for i in range(MAX_CONDITIONS + 1)]},
     f"filter.or[{MAX_CONDITIONS}].k{MAX_CONDITIONS}: more than {MAX_CONDITIONS} conditions"),
])
def test_bad_filters_are_refused_naming_the_bad_part(filter, message):
    with pytest.raises(FilterError) as caught:
        parse(filter)
    assert str(caught.value).startswith(message), str(caught.value)
    assert isinstance(caught.value, InvalidArgument)


def test_nesting_is_bounded():
    deep = {"a": 1}
    for _ in range(MAX_DEPTH):
        deep = {"not": deep}
    parse(deep)
    with pytest.raises(FilterError, match=f"nested more than {MAX_DEPTH} deep"):
        parse({"and": [deep]})


@pytest.mark.parametrize("filter, metadata, expected", [
    ({"lang": "zh"}, {"lang": "zh"}, True),  # the old form: equality
    ({"n": 1}, {"n": True}, False),  # true is not 1
    ({"n": True}, {"n": 1}, False),
    ({"n": 1}, {"n": 1.0}, True),  # 1 equals 1.0
    ({"n": {"in": [1.0]}}, {"n": 1}, True),
    ({"n": None}, {"n": None}, True),
    ({"n": None}, {}, False),  # missing is not null
    ({"n": {"ne": None}}, {"n": 0}, True),
    ({"n": {"ne": 1}}, {}, False),  # ne / nin: the key must be there
    ({"n": {"nin": [1]}}, {}, False),
    ({"not": {"n": 1}}, {}, True),  # not: the plain complement
    ({"n": {"ne": 1}}, {"n": [1]}, True),  # an array equals no value, but is there
    ({"n": {"eq": 1}}, {"n": [1]}, False),
    ({"n": {"gt": 0}}, {"n": "5"}, False),  # a range on a string: no match, no error
    ({"n": {"gt": 0}}, {"n": True}, False),
    ({"n": {"gte": 1, "lt": 2}}, {"n": 1.5}, True),  # several operators on one key: ANDed
    ({"n": {"gte": 1, "lt": 2}}, {"n": 2}, False),
    ({"n": 2**63 - 1}, {"n": 2**64}, False),
    ({"n": {"gt": 1.8446744073709552e19}}, {"n": 2**64 + 1}, False),  # past 64 bits: the nearest double
    ({"a": 1, "b": 2}, {"a": 1}, False),  # keys of one object: ANDed
    ({"or": [{"a": 1}, {"b": 2}]}, {"b": 2}, True),
    ({"a.b": 1}, {"a.b": 1}, True),  # a key is taken literally
    ({"a.b": 1}, {"a": {"b": 1}}, False),
])
def test_semantics(filter, metadata, expected):
    assert matches(metadata, parse(filter)) is expected


def random_metadata(rng: np.random.Generator) -> dict:
    return {key: STORED[rng.integers(len(STORED))] for key in KEYS if rng.random() < 0.75}


def random_filter(rng: np.random.Generator, depth: int = 0) -> dict:
    roll = rng.random()
    if depth < 3 and roll < 0.3:
        word = ["and", "or", "not"][rng.integers(3)]
        if word == "not":
            return {"not": random_filter(rng, depth + 1)}
        return {word: [random_filter(rng, depth + 1) for _ in range(rng.integers(1, 4))]}
    key = (KEYS + ["missing"])[rng.integers(len(KEYS) + 1)]
    op = ["bare", "eq", "ne", "in", "nin", "gt", "gte", "lt", "lte"][rng.integers(9)]
    if op in ("gt", "gte", "lt", "lte"):
        return {key: {op: NUMBERS[rng.integers(len(NUMBERS))]}}
    if op in ("in", "nin"):
        return {key: {op: [SCALARS[i] for i in rng.choice(len(SCALARS), rng.integers(1, 6), replace=False)]}}
    value = SCALARS[rng.integers(len(SCALARS))]
    return {key: value} if op == "bare" else {key: {op: value}}


@pytest.fixture(params=["probe-first", "sql+exact", "sql+selector"])
def faiss_path(request, monkeypatch):
    """The FAISS store first checks FAISS's best candidates, then asks SQLite for the matches and
    scores a few exactly or searches many with an id selector: each path is checked alone (the
    numpy and Milvus stores have one path each)."""
    if request.param != "probe-first":
        monkeypatch.setattr(faiss_search, "PROBE", 0)
    if request.param == "sql+selector":
        monkeypatch.setattr(faiss_search, "EXACT_BELOW", 0)
    return request.param


def filled(manager, n=300, seed=5, **create):
    rng = np.random.default_rng(seed)
    items = random_items(rng, [f"id-{i:03d}" for i in range(n)])
    for item in items:
        item.metadata = random_metadata(rng)
    store = manager.create("c", dim=DIM, **create)
    store.upsert(items)
    return store, items


def test_every_backend_picks_exactly_the_reference_items(manager, faiss_path):
    if manager.backend != "faiss" and faiss_path != "probe-first":
        pytest.skip("one path outside FAISS")
    store, items = filled(manager)
    twin = numpy_twin(items)
    rng = np.random.default_rng(6)
    query = rng.standard_normal((1, DIM)).astype(np.float32)
    checked = nonempty = 0
    for _ in range(250):
        filter = random_filter(rng)
        expected = {item.id for item in items if matches(item.metadata, parse(filter))}
        got = store.search(query, k=len(items), filter=filter)
        assert {hit.id for hit in got[0]} == expected, filter
        assert_same_hits(got, twin.search(query, k=len(items), filter=filter))
        assert_same_hits(store.search(query, k=3, filter=filter), twin.search(query, k=3, filter=filter))
        checked, nonempty = checked + 1, nonempty + (0 < len(expected) < len(items))
    assert nonempty > checked // 3  # the filters were not all trivially empty or full


def test_delete_where_deletes_exactly_the_matches(manager):
    store, items = filled(manager, n=200, seed=7)
    twin = numpy_twin(items)
    rng = np.random.default_rng(8)
    for _ in range(12):
        filter = random_filter(rng)
        assert store.delete_where(filter) == twin.delete_where(filter), filter
        assert sorted(store_state(store)) == sorted(store_state(twin)), filter
    for empty in ({}, None):
        with pytest.raises(InvalidArgument, match="an empty filter would delete every item: drop the collection"):
            store.delete_where(empty)
    with pytest.raises(InvalidArgument, match="filter.a.gt: expected a number"):
        store.delete_where({"a": {"gt": "x"}})
    assert store.count() == twin.count() > 0
    assert store.delete_where({"or": [{"a": {"ne": None}}, {"not": {"a": {"ne": None}}}]}) == twin.count()
    assert store.count() == 0


def test_delete_where_is_durable(tmp_path):
    items = [Item(f"i{n}", np.eye(DIM)[n % DIM], "", {"n": n}) for n in range(40)]
    store = FaissStore(str(tmp_path / "c"), CollectionConfig("c", DIM))
    store.upsert(items)
    assert store.delete_where({"n": {"lt": 10}}) == 10
    store.close(snapshot=False)  # as after a crash: the table alone must say it
    store = FaissStore(str(tmp_path / "c"))
    assert store.count() == 30 and store.search(np.eye(DIM)[:1], k=40, filter={"n": {"lt": 10}}) == [[]]
    store.close()


@pytest.mark.parametrize("spec", [IndexSpec("hnsw", m=16, ef=32), IndexSpec("ivf", nlist=4, nprobe=4)])
def test_filtered_approximate_indexes_searched_whole_equal_the_reference(manager, faiss_path, spec):
    if manager.backend != "faiss" and faiss_path != "probe-first":
        pytest.skip("one path outside FAISS")
    store, items = filled(manager, n=60, index=spec)  # small: every list probed, every node reached
    rng = np.random.default_rng(9)
    queries = rng.standard_normal((3, DIM)).astype(np.float32)
    knobs = {"ef": 256} if spec.kind == "hnsw" else {"nprobe": 4}
    for _ in range(40):
        filter = random_filter(rng)
        assert_same_hits(store.search(queries, 5, filter=filter, search_params=knobs),
                         numpy_twin(items).search(queries, 5, filter=filter))


@pytest.mark.parametrize("spec, knobs, message", [
    (IndexSpec(), {"ef": 64}, "search_params.ef: applies to hnsw indexes, and this collection's index is exact"),
    (IndexSpec("hnsw"), {"nprobe": 4}, "search_params.nprobe: applies to ivf indexes, and this collection's index is hnsw"),
    (IndexSpec("hnsw"), {"ef": 0}, "search_params.ef: expected an integer from 1 to 4096, got 0"),
    (IndexSpec("hnsw"), {"ef": True}, "search_params.ef: expected an integer"),
    (IndexSpec("ivf", nlist=8, nprobe=2), {"nprobe": 9}, "search_params.nprobe: 9 is more than the collection's nlist=8"),
    (IndexSpec("ivf", nlist=8, nprobe=2), {"efSearch": 9}, "search_params.efSearch: unknown"),
])
def test_search_params_are_checked_against_the_index(manager, spec, knobs, message):
    store = manager.create("c", dim=DIM, index=spec)
    with pytest.raises(InvalidArgument) as caught:
        store.search(np.ones(DIM), 3, search_params=knobs)
    assert str(caught.value).startswith(message), str(caught.value)


def recall(store, items, queries, k, **knobs) -> float:
    truth = numpy_twin(items).search(queries, k)
    got = store.search(queries, k, search_params=knobs or None)
    return np.mean([len({h.id for h in g} & {h.id for h in t}) / k for g, t in zip(got, truth)])


@pytest.mark.parametrize("spec, knob, low, high", [
    (IndexSpec("hnsw", m=4, ef=1), "ef", 1, 512),
    (IndexSpec("ivf", nlist=64, nprobe=1), "nprobe", 1, 64),
])
def test_a_larger_ef_or_nprobe_raises_recall(tmp_path, spec, knob, low, high):
    """Built so the defaults miss: a sparse graph searched with ef 1, 64 lists of which 1 is probed."""
    from simservice.index import FaissCollections

    manager = FaissCollections(str(tmp_path / "index"))
    store, items = filled(manager, n=3000, seed=11, index=spec)
    assert manager.describe("c").active_index != "Flat"  # trained: the approximate index answers
    queries = np.random.default_rng(12).standard_normal((40, DIM)).astype(np.float32)
    base = recall(store, items, queries, 10)
    assert recall(store, items, queries, 10, **{knob: low}) == base < 0.8
    assert recall(store, items, queries, 10, **{knob: high}) > max(0.95, base)
    assert store.info().search_params == manager.describe("c").search_params  # the index itself is unchanged
    assert recall(store, items, queries, 10) == base
    manager.close()


def test_concurrent_searches_keep_their_own_ef(tmp_path):
    """Per-call parameters: searches with different ef at the same time each get their own answer."""
    from concurrent.futures import ThreadPoolExecutor

    from simservice.index import FaissCollections

    manager = FaissCollections(str(tmp_path / "index"))
    store, _ = filled(manager, n=2000, seed=13, index=IndexSpec("hnsw", m=4, ef=1))
    queries = np.random.default_rng(14).standard_normal((20, DIM)).astype(np.float32)
    alone = {ef: [[h.id for h in row] for row in store.search(queries, 10, search_params={"ef": ef})]
             for ef in (1, 512)}
    assert alone[1] != alone[512]

    def run(n):
        ef = (1, 512)[n % 2]
        return ef, [[h.id for h in row] for row in store.search(queries, 10, search_params={"ef": ef})]

    with ThreadPoolExecutor(4) as pool:
        for ef, got in pool.map(run, range(40)):
            assert got == alone[ef]
    manager.close()


@pytest.mark.milvus
def test_a_larger_nprobe_raises_recall_in_milvus(milvus_uri):
    """Milvus searches growing segments by brute force: the items are flushed (sealed), the IVF
    index built and the collection loaded again before the defaults can miss."""
    import uuid

    from pymilvus import utility

    from simservice.index import MilvusOptions
    from simservice.index.milvus import MilvusCollections

    manager = MilvusCollections(MilvusOptions(uri=milvus_uri, prefix=f"t{uuid.uuid4().hex[:12]}_"))
    try:
        store, items = filled(manager, n=3000, seed=11, index=IndexSpec("ivf", nlist=64, nprobe=1))
        collection = store._collection
        collection.flush()
        utility.wait_for_index_building_complete(collection.name, using=collection._using)
        collection.release()  # loaded again, the query node takes the sealed segment with its index
        collection.load()
        queries = np.random.default_rng(12).standard_normal((40, DIM)).astype(np.float32)
        base = recall(store, items, queries, 10)
        assert base < 0.8
        assert recall(store, items, queries, 10, nprobe=64) > max(0.95, base)
    finally:
        for name in manager.list():
            manager.drop(name)
        manager.close()
