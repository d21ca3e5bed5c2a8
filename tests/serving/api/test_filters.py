"""Filters, delete by filter and per-search parameters over HTTP: the answers, and a 422 naming the bad
part for every kind of bad input."""

from __future__ import annotations

import pytest

from simservice.index.filters import MAX_CONDITIONS, MAX_DEPTH
from tests.serving.support import assert_error, running_app

ITEMS = [
    {"id": "a", "text": "怎么开通花呗", "metadata": {"lang": "zh", "year": 2019, "tags": ["faq"]}},
    {"id": "b", "text": "花呗怎么开通", "metadata": {"lang": "zh", "year": 2021}},
    {"id": "c", "text": "今天天气不错", "metadata": {"lang": "zh", "year": 2023.0, "draft": True}},
    {"id": "d", "text": "明天会下雨吗", "metadata": {"lang": "en", "year": "2024"}},
    {"id": "e", "text": "我想去北京", "metadata": {"year": 1}},
]


@pytest.fixture(scope="module")
def client(roformer, tmp_path_factory):
    with running_app(roformer, tmp_path_factory.mktemp("index")) as client:
        assert client.post("/collections", json={"name": "graph", "index": "hnsw"}).status_code == 201
        for name in ("default", "graph"):
            assert client.post(f"/collections/{name}/items", json={"items": ITEMS}).status_code == 200
        yield client


def ids(client, filter, **body):
    response = client.post("/similar", json={"text": "花呗", "k": 10, "filter": filter, **body})
    assert response.status_code == 200, response.text
    return sorted(hit["id"] for hit in response.json()["result"])


@pytest.mark.parametrize("filter, expected", [
    ({"lang": "zh"}, ["a", "b", "c"]),  # the old form
    ({"year": {"gte": 2020}}, ["b", "c"]),  # "2024" is a string: no match, no error
    ({"year": {"gt": 2000, "lt": 2022}, "lang": {"in": ["zh", "en"]}}, ["a", "b"]),
    ({"lang": {"ne": "zh"}}, ["d"]),  # e has no lang: ne needs the key
    ({"not": {"lang": "zh"}}, ["d", "e"]),  # not is the complement
    ({"or": [{"draft": True}, {"year": 1.0}]}, ["c", "e"]),  # 1 equals 1.0
    ({"year": True}, []),  # true is not 1
    ({"lang": {"nin": ["en"]}, "year": {"lte": 2019}}, ["a"]),
])
def test_similar_with_a_filter(client, filter, expected):
    assert ids(client, filter) == expected
    assert ids(client, filter, collection="graph", search_params={"ef": 200}) == expected


def deep(levels):
    filter = {"lang": "zh"}
    for _ in range(levels):
        filter = {"not": filter}
    return filter


@pytest.mark.parametrize("filter, message", [
    ({"and": [{"lang": "zh"}, {"year": {"gte": "2020"}}]}, "filter.and[1].year.gte: expected a number, got a string"),
    ({"year": {"like": 1}}, "filter.year.like: unknown operator: use one of eq, ne, in, nin, gt, gte, lt, lte"),
    ({"lang": ["zh", "en"]}, 'filter.lang: a list is not a value to compare with: use {"in": [...]}'),
    ({"lang": {"in": "zh"}}, "filter.lang.in: expected a list of 1 to 1024 values, got a string"),
    ({}, "filter: an empty filter"),
    (deep(MAX_DEPTH + 1), f"nested more than {MAX_DEPTH} deep"),
    ({"or": [{"year": i} for i in range(MAX_CONDITIONS + 1)]}, f"more than {MAX_CONDITIONS} conditions"),
])
def test_bad_filters_are_422_naming_the_part(client, filter, message):
    body = assert_error(client.post("/similar", json={"text": "花呗", "filter": filter}), 422, message)
    assert body["error_type"] == "invalid_request" and not body["error"].startswith("filter: filter")
    assert body["error"].startswith("filter")


@pytest.mark.parametrize("body, message", [
    ({"search_params": {"ef": 64}}, "search_params.ef: applies to hnsw indexes, and this collection's index is exact"),
    ({"collection": "graph", "search_params": {"nprobe": 4}}, "search_params.nprobe: applies to ivf indexes"),
    ({"collection": "graph", "search_params": {"ef": 0}}, "search_params.ef: "),
    ({"collection": "graph", "search_params": {"efSearch": 10}}, "search_params.efSearch: unknown field"),
    ({"collection": "graph", "search_params": [1]}, "search_params: "),
])
def test_bad_search_params_are_422(client, body, message):
    assert_error(client.post("/similar", json={"text": "花呗", **body}), 422, message)


def test_search_params_by_vector_and_by_id(client):
    vector = client.post("/encode", json={"texts": ["花呗"]}).json()["vectors"][0]
    for query in ({"vector": vector}, {"id": "a"}):
        response = client.post("/similar", json={**query, "collection": "graph", "search_params": {"ef": 300},
                                                 "filter": {"lang": "zh"}})
        assert response.status_code == 200, response.text
        assert {hit["id"] for hit in response.json()["result"]} <= {"a", "b", "c"}


@pytest.mark.parametrize("body, message", [
    ({"filter": {}}, "an empty filter would delete every item: drop the collection instead"),
    ({}, "give exactly one of `ids` and `filter`"),
    ({"ids": ["a"], "filter": {"lang": "zh"}}, "give exactly one of `ids` and `filter`"),
    ({"filter": {"year": {"gte": None}}}, "filter.year.gte: expected a number, got null"),
    ({"filter": {"not": {}}}, "filter.not: an empty filter"),
])
def test_bad_deletes_are_422_and_delete_nothing(client, body, message):
    assert_error(client.post("/collections/default/items/delete", json=body), 422, message)
    assert client.get("/collections/default").json()["count"] == len(ITEMS)


def test_delete_by_filter(client):
    assert client.post("/collections", json={"name": "trash"}).status_code == 201
    assert client.post("/collections/trash/items", json={"items": ITEMS}).status_code == 200
    deleted = client.post("/collections/trash/items/delete", json={"filter": {"lang": "zh", "year": {"lt": 2022}}})
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 2}
    page = client.get("/collections/trash/items").json()
    assert [item["id"] for item in page["items"]] == ["c", "d", "e"]
    again = client.post("/collections/trash/items/delete", json={"filter": {"lang": "zh", "year": {"lt": 2022}}})
    assert again.json() == {"deleted": 0}
    assert client.post("/collections/trash/items/delete", json={"ids": ["e", "x"]}).json() == {"deleted": 1}
    assert_error(client.post("/collections/nope/items/delete", json={"filter": {"a": 1}}), 404, "nope")
