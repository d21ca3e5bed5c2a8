"""Bad input gets a 4xx in the common error format with a message that says what to change."""

from __future__ import annotations

import pytest
from tests.serving.support import assert_error, running_app

LONG = "今天天气不错" * 20  # 120 characters: over the tiny model's 64 tokens


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index"), max_client_batch_size=4,
                     max_body_bytes=4096, max_paraphrase_n=16) as client:
        yield client


@pytest.mark.parametrize("route, body, words", [
    ("/encode", {"texts": [""]}, ["texts.0", "empty"]),
    ("/encode", {"texts": ["   \n"]}, ["whitespace"]),
    ("/encode", {"texts": []}, ["texts", "at least 1"]),
    ("/encode", {"texts": [LONG]}, ["texts[0]", "over the limit of 64", "truncate"]),
    ("/encode", {"texts": ["a"] * 5}, ["5 texts", "limit of 4"]),
    ("/encode", {"texts": ["\x00\x01"]}, ["no tokens"]),
    ("/encode", {"texts": ["你好"], "normalise": True}, ["normalise", "unknown field"]),
    ("/encode", {"texts": "你好"}, ["texts", "valid list"]),
    ("/encode", {"texts": [1, 2]}, ["texts.0", "valid string"]),
    ("/encode", {}, ["exactly one of `text` and `texts`"]),
    ("/similarity", {"source": "你好", "targets": [LONG]}, ["targets[0]", "over the limit"]),
    ("/similarity", {"source": LONG, "targets": ["你好"]}, ["source is", "over the limit"]),
    ("/similar", {"text": LONG}, ["text is", "over the limit"]),
    ("/collections/default/items", {"items": [{"id": "a", "text": LONG}]}, ["items[0].text", "over the limit"]),
    ("/similarity", {"source": "", "targets": ["你好"]}, ["source", "empty"]),
    ("/similar", {"text": "你好", "k": 0}, ["k", "greater than or equal to 1"]),
    ("/similar", {"text": "你好", "k": 5000}, ["k", "less than or equal to 1024"]),
    ("/similar", {"text": "你好", "texts": ["你好"]}, ["exactly one of `text`, `texts`, `vector` and `id`"]),
    ("/similar", {"k": 3}, ["exactly one"]),
    ("/similar", {"text": "你好", "min_score": "high"}, ["min_score"]),
    ("/similar", {"text": "你好", "collection": "../etc"}, ["not allowed"]),
    ("/paraphrase", {"text": "你好", "n": 0}, ["n", "greater than or equal to 1"]),
    ("/paraphrase", {"text": "你好", "n": 17, "k": 2}, ["n=17", "limit of 16"]),
    ("/paraphrase", {"text": "你好", "n": 2, "k": 3}, ["k=3 is more than n=2"]),
    ("/paraphrase", {"text": "你好", "top_p": 1.5}, ["top_p"]),
    ("/paraphrase", {"text": "你好", "temperature": 0}, ["temperature"]),
    ("/paraphrase", {"text": "你好", "min_p": 1.5}, ["min_p", "less than or equal to 1"]),
    ("/paraphrase", {"text": "你好", "repetition_penalty": 0}, ["repetition_penalty", "greater than 0"]),
    ("/paraphrase", {"text": "你好", "repetition_penalty": "high"}, ["repetition_penalty", "valid number"]),
    ("/paraphrase", {"text": "你好", "n": 2, "k": 1, "mask_idxs": [4]}, ["mask_idxs", "outside the 4 tokens"]),
    ("/paraphrase", {"text": "你好", "seed": -1}, ["seed"]),
    ("/paraphrase", {"text": "你好", "n": 2, "k": 1, "sampler": "top_k"}, ["top_k sampler needs top_k"]),
    ("/paraphrase", {"text": "你好", "sampler": "beam"}, ["sampler", "'beam'"]),
    ("/collections", {"name": "ok", "index": "hnsw", "index_params": {"m": 0}}, ["m=0 is out of range"]),
    ("/collections", {"name": "ok", "index_params": {"nlist": 8}}, ["nlist applies to ivf"]),
    ("/paraphrase", {"text": LONG, "n": 2, "k": 1}, ["text is", "over the limit"]),
    ("/collections", {"name": "bad name!"}, ["not allowed"]),
    ("/collections", {"name": "ok", "index": "NoSuchIndex"}, ["NoSuchIndex"]),
    ("/collections/default/items", {"items": [{"id": "", "text": "你好"}]}, ["id", "empty"]),
    ("/collections/default/items", {"items": [{"id": "a", "text": "你好"}, {"id": "a", "text": "好"}]},
     ["twice"]),
    ("/collections/default/items", {"items": [{"id": "a", "text": "你好", "metadata": [1]}]}, ["metadata"]),
    ("/collections/default/items/delete", {"ids": "abc"}, ["ids", "valid list"]),
])
def test_invalid_input_is_422(client, route, body, words):
    assert_error(client.post(route, json=body), 422, *words)


def test_truncate_accepts_long_text(client):
    assert client.post("/encode", json={"texts": [LONG], "truncate": True}).status_code == 200
    assert client.post("/paraphrase", json={"text": LONG, "n": 2, "k": 1, "max_length": 2, "seed": 1,
                                            "truncate": True}).status_code == 200


def test_malformed_json_is_400(client):
    response = client.post("/encode", content=b'{"texts": [', headers={"content-type": "application/json"})
    assert_error(response, 400, "not valid JSON")


def test_body_over_the_limit_is_413(client):
    assert_error(client.post("/encode", json={"texts": ["你好" * 2000]}), 413, "over the limit of 4096")

    def chunks():  # no Content-Length: counted as it streams
        yield b'{"texts": ["'
        for _ in range(200):
            yield "你好".encode() * 10
        yield b'"]}'

    response = client.post("/encode", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413, "over the limit")


def test_unknown_collection_and_item_are_404(client):
    assert_error(client.post("/similar", json={"text": "你好", "collection": "nope"}), 404, "'nope'", "create it")
    assert_error(client.get("/collections/nope"), 404, "'nope'")
    assert_error(client.delete("/collections/nope"), 404, "'nope'")
    assert_error(client.post("/collections/nope/items", json={"items": [{"id": "a", "text": "你好"}]}), 404)
    assert_error(client.get("/collections/default/items/missing"), 404, "'missing'")
    assert_error(client.get("/no/such/route"), 404)


def test_existing_collection_is_409(client):
    assert_error(client.post("/collections", json={"name": "default"}), 409, "already exists")


def test_wrong_method_and_paging_bounds(client):
    assert_error(client.get("/encode"), 405)
    assert_error(client.get("/collections/default/items", params={"limit": 0}), 422, "limit")
    assert_error(client.get("/collections/default/items", params={"offset": "x"}), 422, "offset")


def test_collection_of_another_dimension_is_422(roformer, tmp_path):
    from simservice.index import FaissCollections

    index = FaissCollections(str(tmp_path))
    index.create("old", dim=8)  # made with another model
    try:
        with running_app(roformer, tmp_path, index=index) as client:
            upsert = client.post("/collections/old/items", json={"items": [{"id": "a", "text": "你好"}]})
            assert_error(upsert, 422, "dimension 64", "dimension 8")
            assert_error(client.post("/similar", json={"text": "你好", "collection": "old"}), 422, "dimension")
            assert client.get("/collections/old").json()["count"] == 0
    finally:
        index.close()


def test_bert_position_limit_is_422_not_500(bert, tmp_path):
    """The tiny BERT has 64 positions: a long input plus max_length past them is refused up front."""
    with running_app(bert, tmp_path) as client:
        response = client.post("/paraphrase", json={"text": "好" * 58, "max_length": 16})
        assert response.status_code == 422
        assert "exceed the model's 64 positions" in response.json()["error"]
        assert client.post("/paraphrase", json={"text": "好" * 20, "n": 2, "k": 2, "max_length": 4}).status_code == 200
