"""The libraries people plug the service into, as the README's "Use it from..." section shows them,
against a live server: LangChain's and LlamaIndex's OpenAI embeddings get /encode's vectors, and
Cohere's client reads /v1/rerank."""

from __future__ import annotations

import cohere
import httpx
import numpy as np
import pytest
from tests.serving.api.browser import serving

TEXTS = ["怎么开通花呗", "花呗如何开通", "北京明天天气如何"]


@pytest.fixture(scope="module")
def base(roformer, tmp_path_factory):
    with serving(roformer, tmp_path_factory.mktemp("index"), model="models/tiny-roformer") as url:
        yield url


def encoded(base: str, texts: list[str]) -> np.ndarray:
    return np.array(httpx.post(f"{base}/encode", json={"texts": texts}).json()["vectors"])


def test_langchain_openai_embeddings(base):
    from langchain_openai import OpenAIEmbeddings

    embeddings = OpenAIEmbeddings(model="tiny-roformer", base_url=f"{base}/v1", api_key="unused",
                                  check_embedding_ctx_length=False)
    expected = encoded(base, TEXTS)
    np.testing.assert_allclose(embeddings.embed_documents(TEXTS), expected, atol=1e-6)
    np.testing.assert_allclose(embeddings.embed_query(TEXTS[0]), expected[0], atol=1e-6)


def test_llama_index_openai_embedding(base):
    from llama_index.embeddings.openai import OpenAIEmbedding

    embedding = OpenAIEmbedding(model_name="tiny-roformer", api_base=f"{base}/v1", api_key="unused")
    expected = encoded(base, TEXTS)
    np.testing.assert_allclose(embedding.get_text_embedding_batch(TEXTS), expected, atol=1e-6)
    np.testing.assert_allclose(embedding.get_query_embedding(TEXTS[1]), expected[1], atol=1e-6)


def test_cohere_client_reranks(base):
    client = cohere.Client(api_key="unused", base_url=base)
    documents = [TEXTS[2], TEXTS[0]]
    answer = client.rerank(model="tiny-roformer", query=TEXTS[1], documents=documents, top_n=2)
    scores = httpx.post(f"{base}/similarity", json={"source": TEXTS[1], "targets": documents}).json()["scores"]
    expected = sorted(range(2), key=lambda i: -scores[i])
    assert [r.index for r in answer.results] == expected
    assert [r.relevance_score for r in answer.results] == pytest.approx([scores[i] for i in expected], abs=1e-6)


def test_rerank_shape(base):
    documents = [TEXTS[2], {"text": TEXTS[0]}, TEXTS[1]]
    body = httpx.post(f"{base}/v1/rerank", json={"model": "m", "query": TEXTS[1], "documents": documents,
                                                  "top_n": 2}).json()
    assert body["model"] == "tiny-roformer" and body["object"] == "list" and body["id"]
    scores = [r["relevance_score"] for r in body["results"]]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
    texts = [TEXTS[2], TEXTS[0], TEXTS[1]]
    assert all(r["document"]["text"] == texts[r["index"]] for r in body["results"])
    assert body["usage"]["total_tokens"] == sum(len(t) + 2 for t in [TEXTS[1], *texts])
    bare = httpx.post(f"{base}/v1/rerank", json={"query": TEXTS[1], "documents": texts,
                                                  "return_documents": False}).json()["results"]
    assert len(bare) == 3 and all("document" not in r for r in bare)
    assert [r["index"] for r in bare[:2]] == [r["index"] for r in body["results"]]


@pytest.mark.parametrize("body, words", [
    ({"query": "你好", "documents": []}, "documents"),
    ({"query": "你好"}, "documents"),
    ({"documents": ["你好"]}, "query"),
    ({"query": "你好", "documents": ["你好"], "top_n": 0}, "top_n"),
    ({"query": "你好", "documents": ["你好"], "top_n": "2"}, "top_n"),
    ({"query": "你好", "documents": ["你好"], "rank_fields": ["title"]}, "rank_fields"),
    ({"query": "你好", "documents": [{"title": "你好"}]}, "documents"),
    ({"query": "你好", "documents": ["\u0000"]}, "documents[0] has no tokens"),
    ({"query": "\u0007", "documents": ["你好"]}, "query has no tokens"),
    ({"query": "你好", "documents": ["你好", {"text": " "}]}, "documents[1].text has no tokens"),
    ({"query": "你好", "documents": ["你好"] * 1000}, "1000 documents"),
    ({"query": "你好" * 200, "documents": ["你好"]}, "query is"),
])
def test_rerank_errors_have_openai_shape(base, body, words):
    response = httpx.post(f"{base}/v1/rerank", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and words in error["message"], error
