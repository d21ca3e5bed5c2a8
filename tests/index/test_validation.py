"""Bad input gets an error of its own type with a helpful message, and writes nothing."""

import numpy as np
import pytest
from tests.index.helpers import DIM, random_items

from simservice.index import (
    CollectionConfig,
    DimensionMismatch,
    FaissStore,
    InvalidArgument,
    InvalidId,
    InvalidVector,
    Item,
    ItemNotFound,
    NumpyStore,
)
from simservice.index.validation import MAX_ID_LENGTH, MAX_K


@pytest.fixture(params=["faiss", "numpy"])
def store(request, tmp_path):
    config = CollectionConfig("c", DIM)
    store = FaissStore(str(tmp_path / "c"), config) if request.param == "faiss" else NumpyStore(config)
    store.upsert(random_items(np.random.default_rng(0), ["keep-1", "keep-2"]))
    yield store
    store.close()


def good(item_id="new"):
    return Item(item_id, np.ones(DIM, dtype=np.float32), "t", {"a": 1})


BAD_BATCHES = [
    (Item("x", np.ones(DIM + 1), "t"), DimensionMismatch, "dimension 17 .* dimension 16"),
    (Item("x", np.full(DIM, np.nan), "t"), InvalidVector, "NaN or infinite"),
    (Item("x", np.r_[np.inf, np.ones(DIM - 1)], "t"), InvalidVector, "NaN or infinite"),
    (Item("x", np.zeros(DIM), "t"), InvalidVector, "all zeros"),
    (Item("", np.ones(DIM), "t"), InvalidId, "empty"),
    (Item("x" * (MAX_ID_LENGTH + 1), np.ones(DIM), "t"), InvalidId, f"limit is {MAX_ID_LENGTH}"),
    (Item(7, np.ones(DIM), "t"), InvalidId, "must be strings"),
    (Item("a\x00b", np.ones(DIM), "t"), InvalidId, "control"),
    (Item("x", np.ones(DIM), "t", {"s": {1, 2}}), InvalidArgument, "JSON"),
    (Item("x", np.ones(DIM), "t", ["not", "a", "dict"]), InvalidArgument, "JSON object"),
    (Item("x", np.ones(DIM), 5), InvalidArgument, "text"),
    (good("keep-1"), InvalidId, "twice"),  # with a second keep-1 below: duplicate in a batch
]


@pytest.mark.parametrize("bad,error,message", BAD_BATCHES)
def test_bad_item_refuses_the_whole_batch(store, bad, error, message):
    batch = [good("new-1"), good("keep-1"), bad] if bad.id != "keep-1" else [good("new-1"), good("keep-1"), bad]
    before = {i: store.get(i).text for i in ("keep-1", "keep-2")}
    with pytest.raises(error, match=message):
        store.upsert(batch)
    assert store.count() == 2
    with pytest.raises(ItemNotFound, match="new-1"):
        store.get("new-1")
    assert {i: store.get(i).text for i in ("keep-1", "keep-2")} == before


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1, 2.5, True])
def test_k_out_of_range(store, k):
    with pytest.raises(InvalidArgument, match="k="):
        store.search(np.ones(DIM), k)


@pytest.mark.parametrize("queries,error", [
    (np.ones(DIM + 2), DimensionMismatch),
    (np.full((2, DIM), np.inf), InvalidVector),
    (np.ones((2, 2, DIM)), InvalidVector),
    ([[1.0, 2.0], [3.0]], InvalidVector),
])
def test_bad_queries(store, queries, error):
    with pytest.raises(error):
        store.search(queries, 3)


@pytest.mark.parametrize("kwargs", [{"filter": {}}, {"filter": "group=1"}, {"filter": {1: 2}},
                                    {"min_score": float("nan")}, {"min_score": "0.5"}])
def test_bad_filter_or_min_score(store, kwargs):
    with pytest.raises(InvalidArgument):
        store.search(np.ones(DIM), 3, **kwargs)


def test_bad_page_and_ids(store):
    with pytest.raises(InvalidArgument, match="limit"):
        store.page(0, 0)
    with pytest.raises(InvalidArgument, match="offset"):
        store.page(-1, 10)
    with pytest.raises(InvalidArgument, match="list of strings"):
        store.delete("keep-1")
    with pytest.raises(InvalidId):
        store.delete(["keep-1", ""])
    assert store.count() == 2
    assert store.delete(["keep-1", "keep-1", "unknown"]) == 1


def test_bad_collection_config(tmp_path):
    with pytest.raises(InvalidArgument, match="not a FAISS factory string"):
        FaissStore(str(tmp_path / "a"), CollectionConfig("a", DIM, index="Nonsense99"))
    with pytest.raises(InvalidArgument, match="metric"):
        FaissStore(str(tmp_path / "b"), CollectionConfig("b", DIM, metric="l1"))
    with pytest.raises(InvalidArgument, match="search parameter"):
        FaissStore(str(tmp_path / "c"), CollectionConfig("c", DIM, search_params={"nprobes": 3}))
    with pytest.raises(InvalidArgument, match="collection name"):
        FaissStore(str(tmp_path / "d"), CollectionConfig("../d", DIM))


def test_a_parsed_filter_tree_is_taken_as_it_is(store):
    from simservice.index import filters, validation

    tree = filters.parse({"group": {"gte": 0}})
    assert validation.parse_filter(tree) is tree and validation.parse_delete_filter(tree) is tree
    query = np.ones((1, DIM), np.float32)
    assert store.search(query, 5, filter=tree) == store.search(query, 5, filter={"group": {"gte": 0}})
    assert store.delete_where(tree) == 2 and store.count() == 0
