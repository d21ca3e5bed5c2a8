"""States of Milvus that pass by themselves (not ready, a collection not loaded, a channel not
available) are BackendUnavailable, so the service answers 503 with Retry-After, not 500."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest
from pymilvus.exceptions import MilvusException

from simservice.index import BackendUnavailable, CollectionNotFound, IndexSpec, IndexStoreError, MilvusOptions
from simservice.index.milvus.errors import translate

URI = "http://milvus:19530"


@pytest.mark.parametrize("code, message", [
    (101, "collection not loaded[collection=446118]"),
    (503, "channel not available[channel=by-dev-rootcoord-dml_0_446118v0]"),
    (1, "service not ready[standalone=5]: Abnormal"),
    (8, "rate limit exceeded[rate=10]"),
    (106, "collection on recovering[collection=446118]"),
])
def test_temporary_states_are_unavailable_without_dropping_the_connection(code, message):
    error, lost = translate(MilvusException(code, message), URI, "search", "faq")
    assert isinstance(error, BackendUnavailable) and message in str(error)
    assert not lost  # Milvus answered: the connection is fine


def test_other_refusals_stay_what_they_are():
    error, _ = translate(MilvusException(1100, "invalid parameter[expr]"), URI, "search", "faq")
    assert type(error) is IndexStoreError
    error, _ = translate(MilvusException(100, "collection not found[collection=x]"), URI, "get", "faq")
    assert isinstance(error, CollectionNotFound)


@pytest.mark.milvus
def test_a_collection_not_loaded_is_unavailable_until_it_is_loaded_again(milvus_uri):
    from pymilvus import Collection

    from simservice.index.milvus import MilvusCollections

    options = MilvusOptions(uri=milvus_uri, prefix=f"e{uuid.uuid4().hex[:8]}_", timeout=2.0)
    manager = MilvusCollections(options)
    replica = MilvusCollections(options)
    try:
        store = manager.create("not_loaded", dim=4, index=IndexSpec("exact"))
        Collection(manager._full("not_loaded"), using=manager._alias).release()  # as after a restart
        query = np.ones((1, 4), dtype=np.float32)
        with pytest.raises(BackendUnavailable, match="not loaded"):
            store.search(query, k=1)
        start = time.monotonic()  # another replica opens it: loads it, never waits for the load
        with pytest.raises(BackendUnavailable, match="is loading"):
            replica.get("not_loaded")
        assert time.monotonic() - start < options.timeout
        deadline = time.monotonic() + 60
        while True:
            try:
                assert replica.get("not_loaded").search(query, k=1) == [[]]
                break
            except BackendUnavailable:
                assert time.monotonic() < deadline, "Milvus never loaded the collection"
                time.sleep(0.2)
        assert store.search(query, k=1) == [[]]
    finally:
        for name in manager.list():
            manager.drop(name)
        manager.close()
        replica.close()
