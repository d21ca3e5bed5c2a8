"""The service's collection routes on `--index-backend milvus`: the FAISS HTTP tests run again
against the real Milvus server, plus what only a remote index can do (get lost and return)."""

from __future__ import annotations

import time
import uuid

import pytest
from tests.serving.api.test_errors import (  # noqa: F401  (collected here, on Milvus)
    test_existing_collection_is_409,
    test_invalid_input_is_422,
    test_unknown_collection_and_item_are_404,
    test_wrong_method_and_paging_bounds,
)
from tests.serving.api.test_routes import (  # noqa: F401
    test_collection_lifecycle_and_similar,
    test_default_collection_finds_upserted_items,
)
from tests.serving.support import assert_error, running_app

from simservice.index import MilvusOptions

pytestmark = pytest.mark.milvus


@pytest.fixture(scope="module")
def milvus_uri() -> str:
    from tests.milvus_server import session_uri

    return session_uri()


def milvus_settings(uri: str, **more) -> dict:
    return {"index_backend": "milvus", "milvus_uri": uri, "milvus_prefix": f"http{uuid.uuid4().hex[:10]}_", **more}


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory, milvus_uri):
    # the settings of tests/serving/api/test_errors.py's client, on Milvus
    settings = milvus_settings(milvus_uri, max_client_batch_size=4, max_body_bytes=4096, max_paraphrase_n=16)
    with running_app(roformer, tmp_path_factory.mktemp("index"), **settings) as client:
        yield client


def test_info_says_milvus_and_filters_are_escaped(client):
    assert client.get("/collections/default").json()["backend"] == "milvus"
    hostile = [{"id": "h1", "text": "你好", "metadata": {'k"] or 1==1 or metadata["k': 'v" or 1==1 or "w'}},
               {"id": "h2", "text": "你好吗", "metadata": {"k": "v\\"}}]
    assert client.post("/collections/default/items", json={"items": hostile}).json() == {"upserted": 2}
    for filter, ids in (({"k": 'v" or 1==1 or "w'}, []), ({"k": "v\\"}, ["h2"]),
                        ({'k"] or 1==1 or metadata["k': 'v" or 1==1 or "w'}, ["h1"])):
        hits = client.post("/similar", json={"text": "你好", "filter": filter}).json()["result"]
        assert [h["id"] for h in hits] == ids, filter
    hits = client.post("/similar", json={"text": "你好", "min_score": 0.999}).json()["result"]
    assert [h["id"] for h in hits] == ["h1"]


def test_collection_of_another_dimension_is_422_on_milvus(roformer, tmp_path, milvus_uri):
    from simservice.index.milvus import MilvusCollections

    settings = milvus_settings(milvus_uri)
    index = MilvusCollections(MilvusOptions(uri=milvus_uri, prefix=settings["milvus_prefix"]))
    index.create("old", dim=8)  # made with another model
    try:
        with running_app(roformer, tmp_path, **settings) as client:
            upsert = client.post("/collections/old/items", json={"items": [{"id": "a", "text": "你好"}]})
            assert_error(upsert, 422, "dimension 64", "dimension 8")
            assert_error(client.post("/similar", json={"text": "你好", "collection": "old"}), 422, "dimension")
    finally:
        for name in index.list():
            index.drop(name)
        index.close()


def test_milvus_lost_is_503_and_recovers(roformer, tmp_path, milvus_uri):
    from tests.milvus_server import TcpProxy

    proxy = TcpProxy(int(milvus_uri.rsplit(":", 1)[1]))
    settings = milvus_settings(proxy.uri, milvus_timeout=2.0)
    try:
        with running_app(roformer, tmp_path, **settings) as client:
            item = {"items": [{"id": "a", "text": "你好"}]}
            assert client.post("/collections/default/items", json=item).status_code == 200
            proxy.cut()
            for call in (lambda: client.post("/similar", json={"text": "你好"}),
                         lambda: client.post("/collections/default/items", json=item),
                         lambda: client.get("/collections"), lambda: client.get("/ready")):
                start = time.monotonic()
                answer = call()
                assert time.monotonic() - start < 2.0 + 1.5, "a request hung past the Milvus timeout"
                body = assert_error(answer, 503) if answer.request.url.path != "/ready" else answer.json()
                assert answer.status_code == 503 and answer.headers.get("retry-after")
                assert "Milvus" in str(body), body
            proxy.restore()
            deadline = time.monotonic() + 15
            while client.get("/ready").status_code != 200:
                assert time.monotonic() < deadline, client.get("/ready").json()
                time.sleep(0.3)
            hits = client.post("/similar", json={"text": "你好"}).json()["result"]
            assert [h["id"] for h in hits] == ["a"]
    finally:
        proxy.close()


def test_unreachable_at_start_is_not_ready_and_says_why(roformer, tmp_path):
    from tests.milvus_server import TcpProxy

    proxy = TcpProxy(9)  # nothing listens behind it
    proxy.cut()
    try:
        with running_app(roformer, tmp_path, wait=False, **milvus_settings(proxy.uri, milvus_timeout=1.0)) as client:
            deadline = time.monotonic() + 10
            while "Milvus" not in (status := client.get("/ready").json()["status"]):
                assert time.monotonic() < deadline, status
                time.sleep(0.2)
            assert client.get("/ready").status_code == 503 and "cannot connect" in status
    finally:
        proxy.close()


def test_every_api_name_works_on_milvus(client):
    """Milvus refused `a-b`, so every route on it answered 500 (FAISS: 404 when missing)."""
    assert_error(client.post("/similar", json={"text": "你好", "collection": "no-such-one"}), 404, "no-such-one")
    assert_error(client.get("/collections/no-such-one"), 404)
    assert client.post("/collections", json={"name": "a-b_C-9"}).status_code == 201
    assert "a-b_C-9" in client.get("/collections").json()["collections"]
    assert client.get("/collections/a-b_C-9").json()["name"] == "a-b_C-9"
    items = {"items": [{"id": "x", "text": "你好"}]}
    assert client.post("/collections/a-b_C-9/items", json=items).json() == {"upserted": 1}
    hits = client.post("/similar", json={"text": "你好", "collection": "a-b_C-9"}).json()["result"]
    assert [h["id"] for h in hits] == ["x"]
    assert client.delete("/collections/a-b_C-9").status_code == 204
    assert_error(client.get("/collections/a-b_C-9"), 404)
