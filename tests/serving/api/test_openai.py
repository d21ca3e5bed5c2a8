"""/v1: the real `openai` client against a live server gets /encode's vectors, float and base64;
errors come in OpenAI's shape."""

from __future__ import annotations

import base64

import httpx
import numpy as np
import openai
import pytest
from tests.serving.api.browser import serving

TEXTS = ["怎么开通花呗", "花呗如何开通", "北京明天天气如何"]


@pytest.fixture(scope="module")
def base(roformer, tmp_path_factory):
    with serving(roformer, tmp_path_factory.mktemp("index"), model="models/tiny-roformer") as url:
        yield url


def test_openai_client_gets_the_encode_vectors(base):
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
    expected = np.array(httpx.post(f"{base}/encode", json={"texts": TEXTS}).json()["vectors"])
    as_floats = client.embeddings.create(model="anything", input=TEXTS, encoding_format="float")
    as_base64 = client.embeddings.create(model="anything", input=TEXTS)  # the SDK asks for base64, decodes it
    for response in (as_floats, as_base64):
        got = np.array([d.embedding for d in sorted(response.data, key=lambda d: d.index)])
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert response.model == "tiny-roformer" and response.usage.prompt_tokens == sum(len(t) + 2 for t in TEXTS)
    one = client.embeddings.create(model="x", input=TEXTS[0], encoding_format="float")
    np.testing.assert_allclose(one.data[0].embedding, expected[0], atol=1e-6)
    assert [m.id for m in client.models.list()] == ["tiny-roformer"]


def test_base64_is_float32_little_endian(base):
    body = httpx.post(f"{base}/v1/embeddings", json={"model": "m", "input": TEXTS[:1],
                                                     "encoding_format": "base64"}).json()
    vector = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), "<f4")
    assert vector.shape == (64,) and abs(np.linalg.norm(vector) - 1) < 1e-5


@pytest.mark.parametrize("body, words", [
    ({"model": "m", "input": [1, 2, 3]}, "token ids"),
    ({"model": "m", "input": [[1, 2], [3]]}, "token ids"),
    ({"model": "m", "input": []}, "empty list"),
    ({"model": "m", "input": " "}, "input is empty"),
    ({"model": "m", "input": "你好", "dimensions": 32}, "64 dimensions"),
    ({"model": "m", "input": "你好", "encoding_format": "int8"}, "encoding_format"),
    ({"input": "你好"}, "model"),
    ({"model": "m", "input": "你好", "top_k": 3}, "top_k"),
    ({"model": "m", "input": "你好", "dimensions": "64"}, "dimensions: Input should be a valid integer, not a string"),
    ({"model": 7, "input": "你好"}, "model: Input should be a valid string"),
])
def test_errors_have_openai_shape(base, body, words):
    response = httpx.post(f"{base}/v1/embeddings", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and words in error["message"], error


def test_a_body_over_the_limit_has_openai_shape_on_v1_only(base):
    """The body limit answers at the door, before routing: still in each side's own shape."""
    big = b'{"model": "m", "input": "' + "花".encode() * 400_000 + b'"}'
    v1 = httpx.post(f"{base}/v1/embeddings", content=big, headers={"content-type": "application/json"})
    assert v1.status_code == 413 and v1.json()["error"]["code"] == "body_too_large"
    assert v1.json()["error"]["type"] == "invalid_request_error" and "over the limit" in v1.json()["error"]["message"]
    service = httpx.post(f"{base}/encode", content=big, headers={"content-type": "application/json"})
    assert service.status_code == 413 and service.json()["error_type"] == "body_too_large"


def test_openai_client_raises_its_own_errors(base):
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="token ids"):
        client.embeddings.create(model="m", input=[[1, 2, 3]])


def test_api_key_is_required_on_v1(roformer, tmp_path):
    with serving(roformer, tmp_path, api_key="s3cret") as url:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).embeddings.create(
                model="m", input="你好")
        good = openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret").embeddings.create(model="m", input="你好")
        assert len(good.data[0].embedding) == 64
        assert "/embeddings" in httpx.get(f"{url}/v1/openapi.json").json()["paths"]  # docs open, as /openapi.json


def test_protected_docs_hide_the_v1_document(roformer, tmp_path):
    with serving(roformer, tmp_path, api_key="s3cret", protect_docs=True) as url:
        assert httpx.get(f"{url}/v1/openapi.json").status_code == 404
