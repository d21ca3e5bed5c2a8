"""FAISS and Milvus exact indexes on the same data: same top-k ids, scores within 1e-5."""

import numpy as np
import pytest
from tests.index.helpers import assert_same_hits, random_items

from simservice.index import FaissCollections, IndexSpec, MilvusOptions

pytestmark = pytest.mark.milvus


@pytest.mark.parametrize("metric", ["cosine", "ip"])
def test_faiss_and_milvus_agree(tmp_path, milvus_uri, metric):
    from simservice.index.milvus import MilvusCollections

    rng = np.random.default_rng(5)
    dim = 64
    items = random_items(rng, [f"id-{i}" for i in range(3000)], dim=dim)
    faiss = FaissCollections(str(tmp_path)).create("c", dim, metric=metric)
    milvus_manager = MilvusCollections(MilvusOptions(uri=milvus_uri, prefix=f"cross_{metric}_"))
    milvus = milvus_manager.create("c", dim, metric=metric, index=IndexSpec("exact"))
    try:
        for store in (faiss, milvus):
            store.upsert(items[:2000])
            store.delete([f"id-{i}" for i in range(0, 2000, 7)])
            store.upsert(items[1500:])
        assert milvus.count() == faiss.count()
        queries = rng.standard_normal((20, dim)).astype(np.float32)
        for kwargs in ({}, {"filter": {"group": 2}}, {"filter": {"even": True, "tag": "x"}},
                       {"min_score": 0.2 if metric == "cosine" else 2.0}):
            assert_same_hits(milvus.search(queries, 10, **kwargs), faiss.search(queries, 10, **kwargs), tol=1e-5)
    finally:
        milvus_manager.drop("c")
        milvus_manager.close()
