"""Milvus takes every collection name the API takes (letters, digits, '_', '-'): names Milvus
would refuse are escaped reversibly, names it takes keep their stored form, no two collide.
Milvus refused `a-b`, so every route on such a name answered 500."""

from __future__ import annotations

import random
import re
import uuid

import numpy as np
import pytest

from simservice.index import IndexSpec, InvalidArgument, Item, MilvusOptions
from simservice.index.milvus.names import from_milvus, to_milvus
from simservice.index.validation import NAME_PATTERN

MILVUS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
FIRST = "ABCXYZabcxyz0189"
REST = FIRST + "_-"
TRICKY = ["a", "0", "a-b", "a_b", "a__b", "a_hb", "a_h-b", "a--b", "a-_-b", "a_", "a-", "h_h", "9-h",
          "x" * 64, "a" + "-" * 63, "a" + "_" * 63, "a" + "_h" * 31 + "b", "Z" + "-_" * 31 + "z"]


def names(count: int = 3000) -> list[str]:
    rng = random.Random(31)
    made = {"".join(rng.choice(REST) for _ in range(rng.randrange(0, 8))) for _ in range(count)}
    return sorted(set(TRICKY) | {rng.choice(FIRST) + rest for rest in made})


@pytest.mark.parametrize("prefix", ["simservice_", "_", "t1_", ""])
def test_every_api_name_maps_to_a_milvus_name_and_back_without_collisions(prefix):
    stored = {}
    for name in names():
        assert re.fullmatch(NAME_PATTERN, name)
        full = to_milvus(prefix, name)
        assert MILVUS_NAME.fullmatch(full), (name, full)
        assert from_milvus(prefix, full) == name
        assert stored.setdefault(full, name) == name, f"{name!r} and {stored[full]!r} both map to {full!r}"


def test_names_milvus_takes_keep_their_stored_form():
    for name in ["default", "a_b", "faq", "A9_z", "a_hb"]:
        assert to_milvus("simservice_", name) == "simservice_" + name
    assert to_milvus("simservice_", "a-b") == "simservice__a_hb"
    assert to_milvus("", "0abc") == "_0abc"  # no prefix: Milvus refuses a leading digit


def test_stored_names_that_no_api_name_maps_to_are_not_listed():
    for stored in ["other_x", "simservice_", "simservice__ab", "simservice__a_xb", "simservice__a_",
                   "simservice__", "simservice_a-b", "simservice_" + "x" * 65]:
        assert from_milvus("simservice_", stored) is None, stored


def test_names_the_api_refuses_stay_refused():
    for name in ["", "-a", "_a", "a b", "a.b", "x" * 65, "é"]:
        with pytest.raises(InvalidArgument, match="collection name"):
            to_milvus("simservice_", name)


EVERY_CHARACTER = ["a-b", "a_hb", "a_b", "Z9-_" + "x" * 58 + "-0"]  # upper, lower, digit, '_', '-'; 64


@pytest.mark.milvus
def test_every_allowed_name_round_trips_through_milvus(milvus_uri):
    from simservice.index.milvus import MilvusCollections

    manager = MilvusCollections(MilvusOptions(uri=milvus_uri, prefix=f"n{uuid.uuid4().hex[:8]}_"))
    rng = np.random.default_rng(4)
    try:
        for i, name in enumerate(EVERY_CHARACTER):
            store = manager.create(name, dim=4, index=IndexSpec("exact"))
            store.upsert([Item(f"{name}/{j}", rng.standard_normal(4).astype(np.float32), name, {"i": i})
                          for j in range(3)])
        assert manager.list() == sorted(EVERY_CHARACTER)
        for i, name in enumerate(EVERY_CHARACTER):
            info = manager.describe(name)
            assert (info.name, info.count) == (name, 3)
            store = manager.get(name)
            hits = store.search(rng.standard_normal((1, 4)).astype(np.float32), k=5)[0]
            assert sorted(h.id for h in hits) == [f"{name}/{j}" for j in range(3)]
            assert {h.text for h in hits} == {name} and {h.metadata["i"] for h in hits} == {i}
        for dropped, name in enumerate(EVERY_CHARACTER, start=1):
            manager.drop(name)
            assert manager.list() == sorted(EVERY_CHARACTER[dropped:])
    finally:
        for name in manager.list():
            manager.drop(name)
        manager.close()
