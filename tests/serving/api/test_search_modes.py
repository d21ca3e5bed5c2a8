"""/similar by vector and by the id of a stored item, and the metric chosen per collection, over HTTP."""

from __future__ import annotations

import pytest

from tests.serving.support import assert_error, running_app

TEXTS = {"a": "怎么开通花呗", "b": "花呗怎么开通", "c": "今天天气不错", "d": "明天会下雨吗"}


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index")) as client:
        for name, metric in (("cos", "cosine"), ("inner", "ip")):
            assert client.post("/collections", json={"name": name, "metric": metric}).status_code == 201
            items = [{"id": i, "text": t} for i, t in TEXTS.items()]
            assert client.post(f"/collections/{name}/items", json={"items": items}).status_code == 200
        yield client


def similar(client, **body):
    response = client.post("/similar", json=body)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_by_vector_equals_by_text(client):
    vector = client.post("/encode", json={"texts": [TEXTS["a"]]}).json()["vectors"][0]
    by_text = similar(client, text=TEXTS["a"], collection="cos", k=4)
    by_vector = similar(client, vector=vector, collection="cos", k=4)
    assert [h["id"] for h in by_vector] == [h["id"] for h in by_text]
    assert [h["score"] for h in by_vector] == pytest.approx([h["score"] for h in by_text], abs=1e-5)


def test_by_id_gives_the_nearest_others(client):
    hits = similar(client, id="a", collection="cos", k=3)
    assert len(hits) == 3 and "a" not in [h["id"] for h in hits]
    by_text = [h["id"] for h in similar(client, text=TEXTS["a"], collection="cos", k=4) if h["id"] != "a"]
    assert [h["id"] for h in hits] == by_text[:3]
    assert_error(client.post("/similar", json={"id": "nope", "collection": "cos"}), 404, "nope")


def test_metric_per_collection(client):
    assert client.get("/collections/inner").json()["metric"] == "ip"
    assert client.get("/collections/cos").json()["metric"] == "cosine"
    vector = client.post("/encode", json={"texts": [TEXTS["c"]]}).json()["vectors"][0]
    doubled = [2 * x for x in vector]
    for name, factor in (("cos", 1.0), ("inner", 2.0)):  # cosine normalises the query, ip takes it as given
        plain = similar(client, vector=vector, collection=name, k=2)
        scaled = similar(client, vector=doubled, collection=name, k=2)
        assert [h["score"] for h in scaled] == pytest.approx([factor * h["score"] for h in plain], abs=1e-4)
    assert_error(client.post("/collections", json={"name": "x", "metric": "l2"}), 422, "metric")


def test_min_score_above_one_on_an_inner_product_collection(client):
    vector = [3 * x for x in client.post("/encode", json={"text": TEXTS["c"]}).json()["vector"]]
    scores = [h["score"] for h in similar(client, vector=vector, collection="inner", k=4)]
    assert scores[0] > 2.5  # the item itself: 3 times its unit vector's cosine of 1
    cut = (scores[0] + scores[1]) / 2
    assert [h["score"] for h in similar(client, vector=vector, collection="inner", k=4, min_score=cut)] == scores[:1]
    for bad in ("NaN", "Infinity"):
        response = client.post("/similar", content=f'{{"text": "花呗", "min_score": {bad}}}',
                               headers={"content-type": "application/json"})
        assert_error(response, 422, "min_score")


@pytest.mark.parametrize(("body", "words"), [
    ({"text": "花呗", "vector": [0.1]}, ("exactly one of", "text", "vector")),
    ({"collection": "cos"}, ("exactly one of",)),
    ({"vector": [0.1, 0.2], "collection": "cos"}, ("dimension 2",)),
    ({"vector": [], "collection": "cos"}, ("vector",)),
])
def test_bad_queries_are_422(client, body, words):
    assert_error(client.post("/similar", json=body), 422, *words)
