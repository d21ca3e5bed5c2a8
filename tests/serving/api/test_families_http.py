"""An embedding model (the tiny e5 of tests/fixtures/families) through the real app: prompts chosen
by role, prompt_name, a clear 400 for paraphrases, and what /info and /v1/models report."""

from __future__ import annotations

import numpy as np
import openai
import pytest

from simservice import load_model
from tests.paths import FIXTURES
from tests.serving.api.browser import serving
from tests.serving.support import assert_error, running_app

E5 = FIXTURES / "families" / "e5"
TEXTS = ["怎么开通花呗", "花呗如何开通", "北京明天天气如何"]


@pytest.fixture(scope="module")
def e5():
    return load_model(E5)


@pytest.fixture(scope="module")
def client(e5, tmp_path_factory):
    with running_app(e5, tmp_path_factory.mktemp("index"), model=str(E5)) as client:
        yield client


def test_encode_uses_the_default_prompt_and_takes_prompt_name(client, e5):
    default = client.post("/encode", json={"texts": TEXTS}).json()["vectors"]
    np.testing.assert_allclose(default, e5.encode(TEXTS, prompt_name="query"), atol=1e-6)
    passage = client.post("/encode", json={"texts": TEXTS, "prompt_name": "passage"}).json()["vectors"]
    np.testing.assert_allclose(passage, e5.encode(TEXTS, prompt_name="passage"), atol=1e-6)
    assert not np.allclose(default, passage, atol=1e-3)


def test_an_unknown_prompt_name_is_a_422_that_lists_the_prompts(client):
    assert_error(client.post("/encode", json={"text": TEXTS[0], "prompt_name": "search"}), 422,
                 "'search'", "passage", "query")


def test_indexed_items_get_the_passage_prompt_and_queries_the_query_prompt(client, e5):
    assert client.post("/collections", json={"name": "faq"}).status_code in (200, 201)
    items = [{"id": str(i), "text": t} for i, t in enumerate(TEXTS)]
    assert client.post("/collections/faq/items", json={"items": items}).status_code == 200
    stored = client.get("/collections/faq/items/0", params={"with_vectors": "true"}).json()["vector"]
    np.testing.assert_allclose(stored, e5.encode(TEXTS[:1], prompt_name="passage")[0], atol=1e-6)
    bulk = "\n".join(f'{{"id": "b{i}", "text": "{t}"}}' for i, t in enumerate(TEXTS))
    assert client.post("/collections/faq/items/bulk", content=bulk,
                       headers={"content-type": "application/x-ndjson"}).status_code == 200
    stored = client.get("/collections/faq/items/b1", params={"with_vectors": "true"}).json()["vector"]
    np.testing.assert_allclose(stored, e5.encode(TEXTS[1:2], prompt_name="passage")[0], atol=1e-6)
    hits = client.post("/similar", json={"collection": "faq", "text": TEXTS[2], "k": 6}).json()["result"]
    query = e5.encode(TEXTS[2:], prompt_name="query")[0]
    passages = e5.encode(TEXTS, prompt_name="passage")
    assert hits[0]["score"] == pytest.approx(float(passages[2] @ query), abs=1e-5)


def test_paraphrase_is_a_clear_400(client):
    body = assert_error(client.post("/paraphrase", json={"text": TEXTS[0]}), 400, "no generator", "/v1/models")
    assert body["error_type"] == "unsupported_by_model"
    assert_error(client.post("/jobs/augment", json={"rows": [{"text": TEXTS[0]}]}), 400, "no generator")


def test_info_reports_family_pooling_and_prompts(client):
    info = client.get("/info").json()
    assert info["family"] == "bert-embedding" and info["pooling"] == "mean" and info["can_paraphrase"] is False
    assert info["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert info["default_prompt_name"] == "query" and info["max_input_tokens"] == 32
    assert info["precision"] == "float32"  # what the tests serve in (tests/conftest.py)


def test_the_openai_client_lists_and_retrieves_the_model(e5, tmp_path_factory):
    with serving(e5, tmp_path_factory.mktemp("index"), model=str(E5)) as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
        [card] = client.models.list().data
        assert card.id == "e5" and card.capabilities == ["embeddings"] and card.pooling == "mean"
        assert client.models.retrieve("e5").id == "e5"
        with pytest.raises(openai.NotFoundError, match="not served here"):
            client.models.retrieve("gpt-4")
        got = client.embeddings.create(model="e5", input=TEXTS, encoding_format="float").data
        np.testing.assert_allclose([d.embedding for d in got], e5.encode(TEXTS), atol=1e-6)
        passage = client.embeddings.create(model="e5", input=TEXTS, encoding_format="float",
                                           extra_body={"prompt_name": "passage"}).data
        np.testing.assert_allclose([d.embedding for d in passage], e5.encode(TEXTS, prompt_name="passage"),
                                   atol=1e-6)


def test_rerank_reads_the_query_and_documents_with_their_prompts(client, e5):
    body = client.post("/v1/rerank", json={"query": TEXTS[1], "documents": TEXTS}).json()
    query = e5.encode(TEXTS[1:2], prompt_name="query")[0]
    expected = e5.encode(TEXTS, prompt_name="passage") @ query
    assert [r["index"] for r in body["results"]] == list(np.argsort(-expected))
    assert [r["relevance_score"] for r in body["results"]] == pytest.approx(sorted(expected, reverse=True), abs=1e-5)
