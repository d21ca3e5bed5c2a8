"""Unknown fields are named, with the known field they probably meant, over real HTTP to the real app."""

from __future__ import annotations

import pytest

from tests.serving.support import assert_error, running_app


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index")) as client:
        yield client


@pytest.mark.parametrize(("path", "body", "hint"), [
    ("/similar", {"query": "花呗", "k": 3}, "query: unknown field, remove it; did you mean `text` or `texts`?"),
    ("/similar", {"text": "花呗", "top_k": 3}, "top_k: unknown field, remove it; did you mean `k`?"),
    ("/encode", {"input": ["花呗"]}, "input: unknown field, remove it; did you mean `text` or `texts`?"),
    ("/encode", {"texts": ["花呗"], "normalise": True}, "normalise: unknown field, remove it; did you mean `normalize`?"),
    ("/collections/default/items", {"items": [{"id": "a", "text": "花呗", "payload": {"x": 1}}]},
     "items.0.payload: unknown field, remove it; did you mean `metadata`?"),
])
def test_unknown_fields_suggest_the_known_one(client, path, body, hint):
    body = assert_error(client.post(path, json=body), 422, hint, "known fields:")
    assert body["error_type"] == "invalid_request"


def test_a_field_like_none_lists_the_known_ones(client):
    assert_error(client.post("/similarity", json={"source": "a", "targets": ["b"], "zzz": 1}), 422,
                 "zzz: unknown field, remove it (known fields: source, target, targets, truncate)")


def test_openai_route_hints_too(client):
    response = client.post("/v1/embeddings", json={"input": "花呗", "model": "m", "text": "x"})
    assert response.status_code == 400
    assert "text: unknown field, remove it; did you mean `input`?" in response.json()["error"]["message"]
