"""The OpenAPI document, the docs pages served without a CDN, who may open them, and CORS."""

from __future__ import annotations

import re

import pytest

from tests.serving.support import assert_error, running_app

KEY = {"Authorization": "Bearer s3cret"}


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index"), api_key="s3cret") as client:
        yield client


def test_every_error_is_documented_with_the_error_body(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]) == {"error", "error_type"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s >= "400"}
            for status, response in errors.items():
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
                assert response["description"], (method, path, status)
            if path not in ("/health", "/ready"):
                assert "401" in errors, (method, path)
    encode = schema["paths"]["/encode"]["post"]["responses"]
    assert {"400", "401", "413", "422", "429", "503"} <= set(encode)
    assert "409" in schema["paths"]["/collections"]["post"]["responses"]
    assert "404" in schema["paths"]["/collections/{name}/items"]["post"]["responses"]


def test_every_model_has_an_example_that_the_server_accepts(client):
    schema = client.get("/openapi.json").json()
    models = schema["components"]["schemas"]
    assert not [name for name, model in models.items() if not model.get("examples")]
    assert models["SimilarRequest"]["examples"][0] == {"text": "怎么开通花呗", "k": 5}
    item = models["UpsertRequest"]["examples"][0]["items"][0]
    assert item["id"] != "string" and item["metadata"]
    assert client.post("/encode", json=models["EncodeRequest"]["examples"][0], headers=KEY).status_code == 200
    assert client.post("/similarity", json=models["SimilarityRequest"]["examples"][0], headers=KEY).status_code == 200
    assert client.post("/similar", json=models["SimilarRequest"]["examples"][0], headers=KEY).status_code == 200


def test_docs_open_without_the_key_and_load_nothing_from_elsewhere(client):
    assert client.get("/openapi.json").json()["info"]["title"] == "simservice"
    assert client.get("/redoc").status_code == 404  # ReDoc fetched its logo from a CDN: dropped
    for page in ("/docs",):
        html = client.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html.text)
        assert urls and all(url.startswith("/") for url in urls), urls
        for url in urls:
            if url.startswith("/docs/static/"):
                asset = client.get(url)
                assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert_error(client.get("/docs/static/nope.js"), 404, "/docs")
    assert_error(client.get("/info"), 401, "API key")  # the API itself still needs the key


def test_protect_docs_puts_them_behind_the_key(roformer, tmp_path):
    with running_app(roformer, tmp_path, api_key="s3cret", protect_docs=True) as client:
        for page in ("/docs", "/openapi.json"):
            assert_error(client.get(page), 401, "API key")
            assert client.get(page, headers=KEY).status_code == 200
        assert client.get("/docs/static/swagger-ui.css").status_code == 200  # public files, no secrets


def test_cors_is_off_by_default(client):
    response = client.options("/encode", headers={"Origin": "https://app.example.com",
                                                  "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_allow_those_origins_only(roformer, tmp_path):
    with running_app(roformer, tmp_path, cors_origins=["https://app.example.com"]) as client:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = client.options("/encode", headers={"Origin": "https://app.example.com", **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
        other = client.options("/encode", headers={"Origin": "https://evil.example.com", **preflight})
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        answer = client.post("/encode", json={"texts": []}, headers={"Origin": "https://app.example.com"})
        assert answer.status_code == 422  # even an error carries the header, so the page can read it
        assert answer.headers["access-control-allow-origin"] == "https://app.example.com"


def test_the_v1_document_has_examples_and_no_422(roformer, tmp_path):
    with running_app(roformer, tmp_path) as client:
        schema = client.get("/v1/openapi.json").json()
    assert not [name for name, model in schema["components"]["schemas"].items() if not model.get("examples")]
    responses = schema["paths"]["/embeddings"]["post"]["responses"]
    assert "422" not in responses and "400" in responses  # /v1 answers validation errors with 400
