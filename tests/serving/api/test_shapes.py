"""The one shape rule, through HTTP on the real app: a singular field (`text`, `target`, a
`vector` or `id` query) answers one result, the plural field (`texts`, `targets`) a list of them,
on every model route; `with_vectors` and `with_metadata` decide what an item or hit carries,
never a null field."""

from __future__ import annotations

import numpy as np
import pytest
from tests.serving.support import assert_error, running_app

TEXTS = ["今天天气不错", "我想去北京", "明天会下雨吗"]
ITEMS = [{"id": f"s{i}", "text": t, "metadata": {"i": i, "note": None}} for i, t in enumerate(TEXTS)]


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index")) as client:
        assert client.post("/collections/default/items", json={"items": ITEMS}).status_code == 200
        yield client


def post(client, path, **body):
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_encode_text_answers_one_vector(client):
    one = post(client, "/encode", text=TEXTS[0])
    many = post(client, "/encode", texts=TEXTS[:2])
    assert set(one) == {"vector", "dim"} and set(many) == {"vectors", "dim"}
    assert len(one["vector"]) == one["dim"] == many["dim"]
    np.testing.assert_allclose(one["vector"], many["vectors"][0], atol=1e-6)
    raw = post(client, "/encode", text=TEXTS[0], normalize=False)["vector"]
    assert not np.isclose(np.linalg.norm(raw), 1.0)


def test_similarity_target_answers_one_score(client):
    one = post(client, "/similarity", source=TEXTS[0], target=TEXTS[1])
    many = post(client, "/similarity", source=TEXTS[0], targets=TEXTS[1:])
    assert set(one) == {"score"} and set(many) == {"scores"}
    assert one["score"] == pytest.approx(many["scores"][0], abs=1e-6)


def test_similar_singular_queries_answer_one_result(client):
    by_text = post(client, "/similar", text=TEXTS[2], k=2)
    by_texts = post(client, "/similar", texts=[TEXTS[2], TEXTS[0]], k=2)
    assert set(by_text) == {"result"} and set(by_texts) == {"results"} and len(by_texts["results"]) == 2
    assert [h["id"] for h in by_text["result"]] == [h["id"] for h in by_texts["results"][0]]
    vector = post(client, "/encode", text=TEXTS[2])["vector"]
    assert set(post(client, "/similar", vector=vector, k=2)) == {"result"}
    assert set(post(client, "/similar", id="s2", k=2)) == {"result"}


def test_paraphrase_text_answers_one_result(client):
    params = {"n": 4, "k": 2, "max_length": 6, "seed": 3}
    one = post(client, "/paraphrase", text=TEXTS[0], **params)
    many = post(client, "/paraphrase", texts=[TEXTS[0], TEXTS[1]], **params)
    assert set(one) == {"result"} and set(many) == {"results"} and len(many["results"]) == 2
    assert one["result"] == many["results"][0]  # the same seed gives the same samples batched or not


def test_hits_carry_metadata_unless_asked_not_to(client):
    [hit] = post(client, "/similar", text=TEXTS[1], k=1)["result"]
    assert hit["metadata"] == {"i": 1, "note": None}  # a null inside metadata is data, kept
    assert set(hit) == {"id", "text", "score", "metadata"}
    [bare] = post(client, "/similar", text=TEXTS[1], k=1, with_metadata=False)["result"]
    assert set(bare) == {"id", "text", "score"} and bare["id"] == hit["id"]


def test_hits_carry_their_vector_when_asked(client):
    rows = post(client, "/similar", texts=TEXTS[:2], k=2, with_vectors=True)["results"]
    for row in rows:
        for hit in row:
            stored = client.get(f"/collections/default/items/{hit['id']}", params={"with_vectors": "true"}).json()
            assert hit["vector"] == stored["vector"]
    [hit] = post(client, "/similar", id="s0", k=1, with_vectors=True, with_metadata=False)["result"]
    assert set(hit) == {"id", "text", "score", "vector"}


def test_items_carry_a_vector_only_when_asked(client):
    item = client.get("/collections/default/items/s0").json()
    assert set(item) == {"id", "text", "metadata"} and item["metadata"] == {"i": 0, "note": None}
    full = client.get("/collections/default/items/s0", params={"with_vectors": "true"}).json()
    np.testing.assert_allclose(full["vector"], post(client, "/encode", text=TEXTS[0])["vector"], atol=1e-5)
    older = client.get("/collections/default/items/s0", params={"with_vector": "true"}).json()
    assert older["vector"] == full["vector"]
    bare = client.get("/collections/default/items/s0", params={"with_metadata": "false"}).json()
    assert set(bare) == {"id", "text"}

    page = client.get("/collections/default/items", params={"limit": 2}).json()["items"]
    assert [set(i) for i in page] == [{"id", "text", "metadata"}] * 2
    page = client.get("/collections/default/items",
                      params={"limit": 2, "with_vectors": "true", "with_metadata": "false"}).json()["items"]
    assert [set(i) for i in page] == [{"id", "text", "vector"}] * 2


@pytest.mark.parametrize("path, body, words", [
    ("/encode", {"text": "你好", "texts": ["你好"]}, ["exactly one", "text", "texts"]),
    ("/encode", {}, ["exactly one", "text", "texts"]),
    ("/similarity", {"source": "你好", "target": "你好", "targets": ["你好"]}, ["exactly one", "target"]),
    ("/similarity", {"source": "你好"}, ["exactly one", "target", "targets"]),
    ("/similar", {"text": "你好", "id": "s0"}, ["exactly one"]),
    ("/paraphrase", {"text": "你好", "texts": ["你好"]}, ["exactly one"]),
])
def test_both_or_neither_is_refused(client, path, body, words):
    assert_error(client.post(path, json=body), 422, *words)


def test_openapi_documents_both_shapes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, one, many in (("/encode", "EncodeOne", "EncodeMany"), ("/similarity", "SimilarityOne", "SimilarityMany"),
                            ("/similar", "SimilarOne", "SimilarMany"), ("/paraphrase", "ParaphraseOne", "ParaphraseMany")):
        schema = paths[path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        refs = {option["$ref"].rsplit("/", 1)[-1] for option in schema["anyOf"]}
        assert refs == {one, many}, path
