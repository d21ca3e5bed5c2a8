"""Every route through HTTP against the real app on the tiny RoFormer model."""

from __future__ import annotations

import numpy as np
import pytest
from tests.serving.support import metric, running_app

TEXTS = ["今天天气不错", "今天天气很好", "我想去北京", "你好"]


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index")) as client:
        yield client


def test_health_ready_info(client, roformer):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ok"}
    info = client.get("/info").json()
    assert info["dim"] == roformer.dim == 64
    assert info["architecture"] == "roformer"
    assert info["layers"] == roformer.config.num_layers
    assert info["max_input_tokens"] == roformer.tokenizer.max_length
    assert info["index_backend"] == "faiss" and info["index_capabilities"] == ["snapshots"]


def test_encode_matches_the_pipeline(client, roformer):
    body = client.post("/encode", json={"texts": TEXTS}).json()
    assert body["dim"] == 64
    np.testing.assert_allclose(body["vectors"], roformer.encode(TEXTS), atol=1e-5)


def test_encode_unnormalized(client, roformer):
    body = client.post("/encode", json={"texts": TEXTS[:2], "normalize": False}).json()
    np.testing.assert_allclose(body["vectors"], roformer.encode(TEXTS[:2], normalize=False), rtol=1e-4, atol=1e-5)
    assert not np.allclose(np.linalg.norm(body["vectors"], axis=1), 1.0)


def test_similarity_is_the_cosine(client, roformer):
    scores = client.post("/similarity", json={"source": TEXTS[0], "targets": TEXTS[1:]}).json()["scores"]
    vectors = roformer.encode(TEXTS)
    np.testing.assert_allclose(scores, vectors[1:] @ vectors[0], atol=1e-5)


def test_paraphrase_matches_the_pipeline(client, roformer):
    tokens_before = metric(client, "simservice_generated_tokens_total")
    body = client.post("/paraphrase", json={"texts": ["今天天气不错"], "n": 6, "k": 3, "seed": 7}).json()
    generated = roformer.paraphrase_batch([roformer.paraphrase_job("今天天气不错", n=6, k=3, seed=7)])[0].generated_tokens
    assert 6 <= generated <= 6 * 32  # n samples of at most max_length tokens
    assert metric(client, "simservice_generated_tokens_total") - tokens_before == generated
    expected = roformer.paraphrase("今天天气不错", n=6, k=3, seed=7)
    assert [p["text"] for p in body["results"][0]] == [text for text, _ in expected]
    np.testing.assert_allclose([p["score"] for p in body["results"][0]], [s for _, s in expected], atol=1e-5)
    assert metric(client, "simservice_paraphrases_total") >= len(expected)


def test_paraphrase_options(client):
    body = client.post("/paraphrase", json={"text": "今天天气不错", "n": 4, "k": 4, "top_p": None, "top_k": 5,
                                            "temperature": 0.8, "max_length": 6, "mask_idxs": [1, 2],
                                            "seed": 3}).json()
    row = body["result"]
    assert 1 <= len(row) <= 4
    assert [p["score"] for p in row] == sorted((p["score"] for p in row), reverse=True)


def test_samplers_chosen_by_name(client, roformer):
    body = {"text": "今天天气不错", "n": 4, "k": 4, "max_length": 6, "seed": 5}
    greedy = client.post("/paraphrase", json={**body, "sampler": "greedy"}).json()["result"]
    assert greedy == client.post("/paraphrase", json={**body, "top_k": 1}).json()["result"]
    assert len(greedy) == 1  # n greedy samples are one sample
    top_k = client.post("/paraphrase", json={**body, "sampler": "top_k", "top_k": 3}).json()["result"]
    expected = roformer.paraphrase("今天天气不错", n=4, k=4, max_length=6, seed=5, top_k=3, top_p=None)
    assert [p["text"] for p in top_k] == [text for text, _ in expected]


def test_min_p_and_repetition_penalty(client, roformer):
    body = {"text": "今天天气不错", "n": 4, "k": 4, "max_length": 6, "seed": 5}
    greedy = client.post("/paraphrase", json={**body, "top_k": 1}).json()["result"]
    assert client.post("/paraphrase", json={**body, "min_p": 1.0}).json()["result"] == greedy
    penalised = client.post("/paraphrase", json={**body, "repetition_penalty": 1.8, "min_p": 0.05}).json()["result"]
    expected = roformer.paraphrase("今天天气不错", n=4, k=4, max_length=6, seed=5, repetition_penalty=1.8,
                                   min_p=0.05)
    assert [p["text"] for p in penalised] == [text for text, _ in expected]


def test_paraphrase_without_nucleus_sampling(client):
    body = {"text": "今天天气不错", "n": 4, "k": 2, "max_length": 6, "seed": 5, "top_p": None}
    response = client.post("/paraphrase", json=body)
    assert response.status_code == 200, response.text
    assert 1 <= len(response.json()["result"]) <= 2


def test_collection_lifecycle_and_similar(client):
    created = client.post("/collections", json={"name": "news"})
    assert created.status_code == 201, created.text
    assert created.json()["dim"] == 64 and created.json()["count"] == 0
    assert client.get("/collections").json() == {"collections": ["default", "news"]}
    items = [{"id": f"n{i}", "text": t, "metadata": {"i": i}} for i, t in enumerate(TEXTS)]
    assert client.post("/collections/news/items", json={"items": items}).json() == {"upserted": 4}
    assert client.get("/collections/news").json()["count"] == 4

    hits = client.post("/similar", json={"texts": TEXTS[:2], "k": 2, "collection": "news"}).json()["results"]
    assert [row[0]["id"] for row in hits] == ["n0", "n1"]  # each text finds itself first
    assert hits[0][0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert hits[0][0]["metadata"] == {"i": 0} and hits[0][0]["text"] == TEXTS[0]
    filtered = client.post("/similar", json={"text": TEXTS[0], "collection": "news", "filter": {"i": 3}}).json()
    assert [h["id"] for h in filtered["result"]] == ["n3"]

    item = client.get("/collections/news/items/n2", params={"with_vectors": True}).json()
    assert item["text"] == TEXTS[2] and len(item["vector"]) == 64
    page = client.get("/collections/news/items", params={"offset": 1, "limit": 2}).json()
    assert [i["id"] for i in page["items"]] == ["n1", "n2"] and page["count"] == 4

    assert client.post("/collections/news/items/delete", json={"ids": ["n0", "zz"]}).json() == {"deleted": 1}
    hits = client.post("/similar", json={"text": TEXTS[0], "collection": "news"}).json()["result"]
    assert "n0" not in [h["id"] for h in hits] and len(hits) == 3
    assert client.delete("/collections/news").status_code == 204
    assert client.get("/collections").json() == {"collections": ["default"]}


def test_default_collection_finds_upserted_items(client):
    items = [{"id": "d1", "text": "我想去北京旅游"}, {"id": "d2", "text": "明天会下雨吗"}]
    assert client.post("/collections/default/items", json={"items": items}).status_code == 200
    hits = client.post("/similar", json={"text": "明天会下雨吗", "k": 1}).json()["result"]
    assert hits[0]["id"] == "d2"
    replaced = [{"id": "d2", "text": "我想去北京旅游", "metadata": {"v": 2}}]
    client.post("/collections/default/items", json={"items": replaced})
    assert client.get("/collections/default/items/d2").json()["metadata"] == {"v": 2}


def test_metrics_and_docs(client):
    client.post("/encode", json={"texts": ["你好"]})
    assert metric(client, "simservice_requests_total", route="/encode", method="POST", status="200") >= 1
    assert metric(client, "simservice_batch_size_count", kind="encode") >= 1
    assert "simservice_queue_size" in client.get("/metrics").text
    client.post("/v1/embeddings", json={"model": "m", "input": "你好"})
    assert metric(client, "simservice_requests_total", route="/v1/embeddings", method="POST", status="200") == 1
    assert metric(client, "simservice_requests_total", route="/embeddings", method="POST", status="200") == 0
    client.post("/v1/embeddings", json={"model": "m", "input": []})
    assert metric(client, "simservice_requests_total", route="/v1/embeddings", method="POST", status="400") == 1
    assert client.post("/jobs/augment", json={"rows": [{"text": "你好"}], "n": 2, "k": 1}).status_code == 202
    assert metric(client, "simservice_requests_total", route="/jobs/augment", method="POST", status="202") == 1
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/similar", "/paraphrase", "/encode", "/similarity", "/collections"} <= set(schema["paths"])
    for name, model in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            assert model.get("additionalProperties") is False, name
            for field, spec in model["properties"].items():
                assert spec.get("description"), f"{name}.{field} has no description"


def test_paraphrase_logprobs_on_request(client, roformer):
    body = {"text": "今天天气不错", "n": 6, "k": 3, "max_length": 6, "seed": 9}
    plain = client.post("/paraphrase", json=body).json()["result"]
    scored = client.post("/paraphrase", json={**body, "with_logprob": True}).json()["result"]
    assert all(set(p) == {"text", "score"} for p in plain)
    assert [p["text"] for p in scored] == [p["text"] for p in plain]
    expected = roformer.paraphrase_batch([roformer.paraphrase_job("今天天气不错", n=6, k=3, max_length=6,
                                                                  seed=9)])[0].logprobs
    assert {p["text"]: p["logprob"] for p in scored} == pytest.approx(expected, abs=1e-6)


class CopyingPipeline:
    """The tiny model, with a generator whose every sample is the input (what greedy decoding often gives)."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def paraphrase_batch(self, jobs):
        from simservice.inference.paraphrase import ParaphraseResult

        return [ParaphraseResult([], job.n, {}) for job in jobs]


def test_an_empty_paraphrase_answer_says_why(roformer, tmp_path):
    with running_app(CopyingPipeline(roformer), tmp_path) as client:
        one = client.post("/paraphrase", json={"text": "你好", "sampler": "greedy"}).json()
        assert one["result"] == [] and "every sample was the input" in one["note"]
        many = client.post("/paraphrase", json={"texts": ["你好", "今天"], "sampler": "greedy"}).json()
        assert many["results"] == [[], []] and all("greedy" in note for note in many["notes"])


def test_an_answer_with_paraphrases_has_no_note(client):
    body = client.post("/paraphrase", json={"text": "今天天气不错", "n": 6, "k": 3, "seed": 7}).json()
    assert body["result"] and "note" not in body
    many = client.post("/paraphrase", json={"texts": ["今天天气不错"], "n": 6, "k": 3, "seed": 7}).json()
    assert many["results"][0] and "notes" not in many
