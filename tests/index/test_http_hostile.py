"""The HTTP half of the conformance suite: hostile bodies and bulk lines against the real app on
every backend answer 4xx naming the problem, never 5xx, and store nothing."""

from __future__ import annotations

import json

from tests.serving.api.test_bulk_snapshots import HOSTILE_LINES, NDJSON
from tests.serving.support import running_app

JSON = {"content-type": "application/json"}
HOSTILE_BODIES = [  # (route, raw JSON body): lone surrogates, deep nesting, NaN, loose types
    ("/collections/c/items", '{"items": [{"id": "s", "text": "\\ud800"}]}'),
    ("/collections/c/items", '{"items": [{"id": "\\udfff", "text": "x"}]}'),
    ("/collections/c/items", '{"items": [{"id": "d", "text": "x", "metadata": ' + '{"a": ' * 3000 + "1" + "}" * 3002),
    ("/collections/c/items", '{"items": [{"id": "n", "text": "x", "metadata": {"w": NaN}}]}'),
    ("/collections/c/items", '{"items": [{"id": 5, "text": "x"}]}'),
    ("/collections/c/items", '{"items": [{"id": "m", "text": "x", "metadata": [1]}]}'),
    ("/similar", '{"text": "x", "collection": "c", "k": "5"}'),
    ("/similar", '{"text": "x", "collection": "c", "k": true}'),
    ("/similar", '{"text": "x", "collection": "c", "with_vectors": "yes"}'),
    ("/similar", '{"text": "x", "collection": "c", "filter": {"\\ud800": 1}}'),
    ("/similar", '{"text": "x", "collection": "c", "min_score": -Infinity}'),
    ("/collections/c/items/delete", '{"ids": ["\\ud800"]}'),
]


def test_hostile_bodies_and_lines_are_4xx_and_store_nothing(roformer, manager, tmp_path):
    with running_app(roformer, tmp_path, index=manager) as client:
        assert client.post("/collections", json={"name": "c"}).status_code == 201
        for route, raw in HOSTILE_BODIES:
            answer = client.post(route, content=raw.encode(), headers=JSON)
            assert answer.status_code == 422, (route, raw[:80], answer.text)
        body = "\n".join(line for line, _ in HOSTILE_LINES).encode()
        answer = client.post("/collections/c/items/bulk", content=body, headers=NDJSON)
        assert answer.status_code == 200 and len(answer.json()["skipped"]) == len(HOSTILE_LINES), answer.text
        assert client.get("/collections/c").json()["count"] == 0
        good = {"items": [{"id": "ok", "text": "你好", "metadata": {"w": 1.5}}]}
        assert client.post("/collections/c/items", json=good).json() == {"upserted": 1}
        hits = client.post("/similar", json={"text": "你好", "collection": "c", "k": 1}).json()["result"]
        assert [(h["id"], h["metadata"]) for h in hits] == [("ok", {"w": 1.5})]
        exported = [json.loads(line) for line in client.get("/collections/c/export").text.splitlines()]
        assert [r["id"] for r in exported] == ["ok"]


def test_snapshots_answer_as_the_backend_declares(roformer, manager, tmp_path):
    with running_app(roformer, tmp_path, index=manager) as client:
        assert client.post("/collections", json={"name": "c"}).status_code == 201
        answer = client.post("/collections/c/snapshots")
        if manager.snapshots:
            assert answer.status_code < 300, answer.text
        else:
            assert answer.status_code == 422 and f"{manager.backend} backend" in answer.json()["error"], answer.text
