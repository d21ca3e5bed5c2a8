"""A hostile but fair client: each reproducer of issue 17 as a test against the real app.

Nothing a client sends may crash the process, poison stored data or answer 500.
"""

from __future__ import annotations

import json
import time

import pytest
from tests.index.test_failed_collections import poison
from tests.serving.support import assert_error, running_app

from simservice.index import DEFAULT, CollectionConfig

TWO = {"items": [{"id": "1", "text": "你好"}, {"id": "2", "text": "明天"}]}


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index"), max_client_batch_size=8) as client:
        yield client


# -- 1: unsafe indexes never reach FAISS; a collection that cannot open fails alone ---------

@pytest.mark.parametrize("body", [
    {"name": "boom", "index": "HNSW0"},
    {"name": "boom", "index": "IVF0,Flat"},
    {"name": "boom", "index": "hnsw", "index_params": {"m": 0}},
    {"name": "boom", "index": "hnsw", "index_params": {"m": 1}},
    {"name": "boom", "index": "hnsw", "index_params": {"m": 100000}},
    {"name": "boom", "index": "ivf", "index_params": {"nlist": 0}},
    {"name": "boom", "index": "hnsw", "index_params": {"ef": 10**9}},
])
def test_unsafe_index_is_422_and_nothing_is_created(client, body):
    assert_error(client.post("/collections", json=body), 422)
    assert_error(client.post("/collections/boom/items", json=TWO), 404)
    assert "boom" not in client.get("/collections").json()["collections"]


def test_smallest_safe_hnsw_takes_items_and_searches(client):
    created = client.post("/collections", json={"name": "tiny-hnsw", "index": "hnsw", "index_params": {"m": 4}})
    assert created.status_code == 201, created.text
    assert client.post("/collections/tiny-hnsw/items", json=TWO).json() == {"upserted": 2}
    hits = client.post("/similar", json={"text": "你好", "k": 2, "collection": "tiny-hnsw"}).json()["result"]
    assert sorted(h["id"] for h in hits) == ["1", "2"]


def test_poisoned_collections_fail_alone_at_restart(roformer, tmp_path):
    """A default collection whose stored index FAISS would abort on, and a damaged one: the
    service starts, says which failed and why, and serves everything else."""
    poison(tmp_path, DEFAULT, CollectionConfig(DEFAULT, roformer.dim, index="HNSW0"))
    poison(tmp_path, "broken", None, garbage=b"\x00garbage" * 512)
    with running_app(roformer, tmp_path, wait=False) as client:
        deadline = time.monotonic() + 30
        while "failed to open" not in (ready := client.get("/ready")).text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.status_code == 503 and "HNSW links per node" in ready.json()["status"], ready.text
        assert client.get("/health").status_code == 200
        assert client.post("/encode", json={"texts": ["你好"]}).status_code == 200
        for call in (lambda: client.post("/similar", json={"text": "你好"}),
                     lambda: client.get("/collections/default"),
                     lambda: client.post("/collections/default/items", json=TWO)):
            assert_error(call(), 503, "failed to open", "restore", "drop it")
        assert_error(client.get("/collections/broken/items"), 503, "DatabaseError")
        assert client.post("/collections", json={"name": "fresh"}).status_code == 201
        assert client.post("/collections/fresh/items", json=TWO).status_code == 200
        assert client.delete("/collections/default").status_code == 204
        assert client.get("/ready").status_code == 200
        assert client.post("/collections", json={"name": "default"}).status_code == 201
        assert client.post("/similar", json={"text": "你好"}).json() == {"result": []}


# -- 2: metadata depth and size are bounded at the door ------------------------------------

def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_deep_metadata_is_refused_and_nothing_is_stored(client):
    for depth in (17, 300):
        body = {"items": [{"id": f"deep-{depth}", "text": "你好", "metadata": nested(depth)}]}
        assert_error(client.post("/collections/default/items", json=body), 422, "metadata", "levels")
        assert_error(client.get(f"/collections/default/items/deep-{depth}"), 404)
    body = {"items": [{"id": "deep-ok", "text": "你好", "metadata": nested(16)}]}
    assert client.post("/collections/default/items", json=body).status_code == 200
    assert client.get("/collections/default/items/deep-ok").json()["metadata"] == nested(16)
    assert client.get("/collections/default/items").status_code == 200
    assert client.post("/similar", json={"text": "你好", "k": 50}).status_code == 200


def test_huge_metadata_and_filter_are_refused(client):
    big = {"items": [{"id": "big", "text": "你好", "metadata": {"x": "y" * 70_000}}]}
    assert_error(client.post("/collections/default/items", json=big), 422, "metadata", "65536 bytes")
    assert_error(client.post("/similar", json={"text": "你好", "filter": nested(20)}), 422, "filter")


def test_body_nested_past_the_limit_is_422_not_500(client):
    for depth in (70, 100_000):
        raw = b'{"texts": ' + b"[" * depth + b"]" * depth + b"}"
        assert_error(client.post("/encode", content=raw, headers={"content-type": "application/json"}),
                     422, "nested deeper than 64")


# -- 3: lone surrogates are 422 naming the field, everywhere -------------------------------

LONE = "\\ud800"  # as JSON escapes it; json= would refuse to send it


@pytest.mark.parametrize("route, body, field", [
    ("/encode", '{"texts": ["ok", "a%sb"]}', "texts[1]"),
    ("/similarity", '{"source": "%s", "targets": ["x"]}', "source"),
    ("/similarity", '{"source": "x", "targets": ["%s"]}', "targets[0]"),
    ("/similar", '{"text": "%s"}', "text holds"),
    ("/similar", '{"text": "x", "filter": {"k": "%s"}}', "filter.k"),
    ("/similar", '{"text": "x", "filter": {"%s": 1}}', "a key of filter"),
    ("/similar", '{"text": "x", "collection": "%s"}', "collection"),
    ("/paraphrase", '{"text": "%s"}', "text"),
    ("/collections", '{"name": "%s"}', "name"),
    ("/collections/default/items", '{"items": [{"id": "%s", "text": "x"}]}', "items[0].id"),
    ("/collections/default/items", '{"items": [{"id": "s", "text": "%s"}]}', "items[0].text"),
    ("/collections/default/items", '{"items": [{"id": "s", "text": "x", "metadata": {"m": ["%s"]}}]}',
     "items[0].metadata.m[0]"),
    ("/collections/default/items/delete", '{"ids": ["%s"]}', "ids[0]"),
])
def test_lone_surrogates_are_422_naming_the_field(client, route, body, field):
    raw = (body % LONE).encode()
    assert_error(client.post(route, content=raw, headers={"content-type": "application/json"}),
                 422, field, "lone surrogate")


def test_surrogate_pairs_are_whole_characters(client):
    raw = '{"texts": ["\\ud83d\\ude00 你好"]}'.encode()
    assert client.post("/encode", content=raw, headers={"content-type": "application/json"}).status_code == 200


# -- issue 31: strict types; NaN and Infinity are not JSON ---------------------------------

@pytest.mark.parametrize("route, body, field", [
    ("/similar", {"text": "x", "k": "5"}, "k: "),
    ("/similar", {"text": "x", "k": True}, "k: "),
    ("/similar", {"text": "x", "k": 5.0}, "k: "),
    ("/similar", {"text": "x", "with_vectors": "yes"}, "with_vectors: "),
    ("/similar", {"text": "x", "min_score": "0.5"}, "min_score: "),
    ("/similar", {"text": "x", "search_params": {"ef": "8"}}, "search_params.ef: "),
    ("/encode", {"text": "x", "normalize": 1}, "normalize: "),
    ("/similarity", {"source": "x", "target": "y", "truncate": "false"}, "truncate: "),
    ("/paraphrase", {"text": "x", "n": "16"}, "n: "),
    ("/paraphrase", {"text": "x", "top_p": "0.9"}, "top_p: "),
    ("/collections", {"name": "s", "index": "hnsw", "index_params": {"m": "8"}}, "index_params.m: "),
    ("/collections/default/items", {"items": [{"id": 5, "text": "x"}]}, "items.0.id: "),
    ("/collections/default/items", {"items": [{"id": "a", "text": "x", "metadata": [1]}]}, "items.0.metadata: "),
    ("/jobs/augment", {"rows": [{"text": "x"}], "n": "8"}, "n: "),
])
def test_loose_types_are_422_naming_the_field(client, route, body, field):
    assert_error(client.post(route, json=body), 422, field, "strict")


def test_strict_types_still_take_an_integer_for_a_number(client):
    assert client.post("/similar", json={"text": "你好", "min_score": 0, "k": 2}).status_code == 200
    assert client.post("/paraphrase", json={"text": "你好", "n": 2, "k": 1, "top_p": 1}).status_code == 200
    assert client.get("/collections/default/items?limit=5&with_vectors=true").status_code == 200  # query strings


def test_nan_and_infinity_are_422_naming_the_field(client):
    raw = b'{"items": [{"id": "n", "text": "x", "metadata": {"w": [1, NaN]}}]}'
    assert_error(client.post("/collections/default/items", content=raw, headers={"content-type": "application/json"}),
                 422, "items[0].metadata.w[1]: NaN is not a JSON number")


# -- 8: gaps: ids with '/', schema limits, Allow, non-UTF-8 bodies --------------------------

def test_ids_with_a_slash_are_fetchable(client):
    body = {"items": [{"id": "a/b", "text": "你好"}, {"id": "../x", "text": "明天"}]}
    assert client.post("/collections/default/items", json=body).status_code == 200
    assert client.get("/collections/default/items/a%2Fb").json()["id"] == "a/b"
    assert client.get("/collections/default/items/..%2Fx").json()["id"] == "../x"


def test_the_schema_states_the_limits_the_server_enforces(client):
    schema = client.get("/openapi.json").json()
    item = schema["components"]["schemas"]["ItemIn"]["properties"]
    assert item["id"]["maxLength"] == 256 and item["id"]["minLength"] == 1
    assert item["text"]["minLength"] == 1 and item["text"]["pattern"] == r"\S"
    name = schema["components"]["schemas"]["CreateCollectionRequest"]["properties"]["name"]
    assert name["pattern"].startswith("^[A-Za-z0-9]") and name["maxLength"] == 64
    assert "securitySchemes" not in schema.get("components", {})  # no key set, none declared
    assert not any("security" in op for ops in schema["paths"].values() for op in ops.values())


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/collections/default", "GET, DELETE"),
    ("GET", "/encode", "POST"),
    ("PATCH", "/collections", "GET, POST"),
])
def test_wrong_method_lists_every_allowed_method(client, method, path, allowed):
    response = client.request(method, path)
    assert_error(response, 405, allowed.replace(", ", " or "))
    assert response.headers["allow"] == allowed


def test_non_utf8_body_gets_the_service_error(client):
    response = client.post("/encode", content=b'{"texts": ["\xff\xfe"]}', headers={"content-type": "application/json"})
    assert_error(response, 400, "not UTF-8", "byte 12")


# -- 4: an empty API key refuses to start --------------------------------------------------

@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_api_key_refuses_to_start(monkeypatch, key):
    from pydantic import ValidationError

    from simservice.serving import Settings

    monkeypatch.setenv("SIMSERVICE_API_KEY", key)
    with pytest.raises(ValidationError, match="set but empty"):
        Settings()


# -- 7: the key before the body; parsing off the event loop; /health fast under load ---------

def test_the_key_is_checked_before_the_body_is_parsed(roformer, tmp_path):
    with running_app(roformer, tmp_path, api_key="s3cret") as client:
        json_header = {"content-type": "application/json"}
        for raw in (b'{"texts": [', b'\xff\xfe', b'{"texts": ["\\ud800"]}', b"[" * 5000):
            assert_error(client.post("/encode", content=raw, headers=json_header), 401, "API key")
            assert_error(client.post("/collections", content=raw, headers=json_header), 401)
        assert_error(client.post("/encode", content=b'{"texts": [',
                                 headers={**json_header, "authorization": "Bearer s3cret"}), 400, "not valid JSON")
        huge = b" " * (2 << 20)  # over the body limit: still 401 without the key, 413 with it
        for path in ("/encode", "/collections/default/items", "/v1/embeddings"):
            assert client.post(path, content=huge, headers=json_header).status_code == 401, path
            keyed = client.post(path, content=huge, headers={**json_header, "authorization": "Bearer s3cret"})
            assert keyed.status_code == 413, (path, keyed.text)
        assert_error(client.get("/metrics"), 401)
        assert client.get("/health").status_code == 200


def test_health_stays_fast_while_big_bodies_are_parsed(roformer, tmp_path):
    """16 bodies of about 1 MB (JSON parsed and checked off the event loop) while /health is polled."""
    import threading

    texts = ["今天天气不错" * 2] * 64
    body = json.dumps({"texts": texts, "pad": ["x" * 64] * 12_000}).encode()  # refused by the schema, late
    assert len(body) > 800_000
    with running_app(roformer, tmp_path, max_body_bytes=2 << 20, max_client_batch_size=64) as client:
        statuses: list[int] = []

        def heavy():
            statuses.append(client.post("/encode", content=body, headers={"content-type": "application/json"}
                                        ).status_code)

        threads = [threading.Thread(target=heavy) for _ in range(16)]
        for thread in threads:
            thread.start()
        slowest = 0.0
        while any(thread.is_alive() for thread in threads):
            start = time.perf_counter()
            assert client.get("/health").status_code == 200
            slowest = max(slowest, time.perf_counter() - start)
            time.sleep(0.01)
        for thread in threads:
            thread.join()
        assert statuses == [422] * 16
        assert slowest < 1.0, f"/health took {slowest:.2f} s while big bodies were parsed"


# -- 6: /metrics labels come from fixed sets ------------------------------------------------

def test_metrics_do_not_grow_with_what_clients_send(client):
    for i in range(40):
        client.request(f"M{i}X", f"/random/{i}")
        client.request(f"Q{i}", "/encode")
        client.get(f"/collections/default/items/nope-{i}")
    client.get("/metrics")  # its own series exists from here on
    size = len(client.get("/metrics").content)
    for i in range(40, 400):
        client.request(f"M{i}X", f"/random/{i}")
        client.request(f"Q{i}", "/encode")
        client.get(f"/collections/default/items/nope-{i}")
    text = client.get("/metrics").text
    assert abs(len(text.encode()) - size) < 200, "metrics grew with random methods and paths"
    assert 'method="other",route="unmatched"' in text and 'route="/collections/{name}/items/{item_id:path}"' in text
    assert "M41X" not in text and "nope-" not in text and "/random/" not in text


# -- overload: only 200, 429 and 503, and healthy afterwards --------------------------------

def test_overload_answers_only_200_429_503_and_recovers(roformer, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    calls = [("/encode", {"texts": ["今天天气不错"] * 8}), ("/similar", {"text": "你好", "k": 5}),
             ("/paraphrase", {"text": "明天会下雨吗", "n": 8, "k": 2, "max_length": 8}),
             ("/collections/default/items", {"items": [{"id": "x", "text": "你好"}]})]
    with running_app(roformer, tmp_path, max_concurrent_requests=4, request_timeout=5) as client:
        with ThreadPoolExecutor(48) as pool:
            statuses = list(pool.map(lambda i: client.post(*calls[i % 4][:1], json=calls[i % 4][1]).status_code,
                                     range(240)))
        assert set(statuses) <= {200, 429, 503}, sorted(set(statuses))
        assert statuses.count(200) > 0 and statuses.count(429) > 0
        assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
        assert client.post("/encode", json={"texts": ["你好"]}).status_code == 200
