"""Bulk NDJSON import, NDJSON export, snapshots and swaps over real HTTP against the real app."""

from __future__ import annotations

import io
import json
import tarfile
import threading

import numpy as np
from tests.paths import FIXTURES
from tests.serving.support import assert_error, running_app

from simservice.index import FaissCollections, Item

MODEL = str(FIXTURES / "roformer_tf1")
TEXTS = ["今天天气怎么样", "怎么开通花呗", "我想买一台新的笔记本电脑", "北京到上海的高铁要多久", "这部电影好看吗",
         "如何提高英语口语", "手机充不进电怎么办", "周末去哪里玩比较好"]
NDJSON = {"content-type": "application/x-ndjson"}


def ndjson(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def all_items(client, name):
    lines = client.get(f"/collections/{name}/export").text.splitlines()
    return {r["id"]: (r["text"], r["metadata"]) for r in map(json.loads, lines)}


def test_bulk_import_reports_bad_lines_and_exports_back(roformer, tmp_path):
    body = ndjson([{"id": "a", "text": TEXTS[0], "metadata": {"k": 1}}, {"text": TEXTS[1], "lang": "zh"},
                   {"id": "a", "text": TEXTS[2]}, {"id": "b", "text": ""}, {"id": "c", "text": "长" * 500}])
    body += b'{"id": "d"\n' + ndjson([{"id": "e", "text": TEXTS[3]}])
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        checked = client.post("/collections/faq/items/bulk?check_only=true", content=body, headers=NDJSON).json()
        assert checked["checked"] == 3 and checked["added"] == 0 and all_items(client, "faq") == {}
        refused = client.post("/collections/faq/items/bulk?on_bad_row=fail", content=body, headers=NDJSON)
        assert_error(refused, 422, "4 bad lines, nothing written", "line 3: duplicate id 'a' (first on line 1)")
        assert all_items(client, "faq") == {}
        answer = client.post("/collections/faq/items/bulk", content=body, headers=NDJSON).json()
        assert (answer["added"], answer["updated"], answer["checked"]) == (3, 0, 3)
        assert {s["line"]: s["reason"].split(" (")[0] for s in answer["skipped"]} == {
            3: "duplicate id 'a'", 4: "empty text", 5: "502 tokens, over the limit of 64", 6: "malformed JSON"}
        items = all_items(client, "faq")
        assert items["a"] == (TEXTS[0], {"k": 1}) and items["e"] == (TEXTS[3], {})
        assert [meta for text, meta in items.values() if text == TEXTS[1]] == [{"lang": "zh"}]
        again = client.post("/collections/faq/items/bulk", content=ndjson([{"id": "a", "text": TEXTS[4]}]),
                            headers=NDJSON).json()
        assert (again["added"], again["updated"]) == (0, 1)
        hit = client.post("/similar", json={"text": TEXTS[4], "collection": "faq", "k": 1}).json()["result"][0]
        assert hit["id"] == "a"
        with_vectors = client.get("/collections/faq/export?vectors=true").text.splitlines()
        vector = np.array(json.loads(with_vectors[0])["vector"])
        assert abs(np.linalg.norm(vector) - 1) < 1e-5
        assert_error(client.post("/collections/nope/items/bulk", content=body, headers=NDJSON), 404, "nope")


HOSTILE_LINES = [  # (NDJSON line, words of its reason): each skipped, none a 500
    ('{"id": "s1", "text": "\\ud800"}', "text holds a lone surrogate"),
    ('{"id": "s2", "text": "x", "metadata": {"\\udc00": 1}}', "a key of metadata"),
    ('{"id": "d1", "text": "x", "metadata": ' + '{"a": ' * 3000 + "1" + "}" * 3001, "nested deeper than 64"),
    ('{"id": "d2", "text": "x", "metadata": ' + "[" * 70 + "]" * 70 + "}", "metadata[0]"),
    ('{"id": "n1", "text": "x", "score": NaN}', "score: NaN is not a JSON number"),
    ('{"id": "n2", "text": "x", "metadata": {"w": -Infinity}}', "metadata.w: -Infinity"),
    ('{"id": "t1", "text": "x", "metadata": [1]}', "metadata must be a JSON object"),
    ('{"id": true, "text": "x"}', "is a bool"),
]


def test_hostile_bulk_lines_are_skipped_with_the_reason(roformer, tmp_path):
    body = "\n".join([line for line, _ in HOSTILE_LINES] + ['{"id": 7, "text": "好的"}']).encode()
    with running_app(roformer, tmp_path, model=MODEL) as client:
        answer = client.post("/collections/default/items/bulk", content=body, headers=NDJSON)
        assert answer.status_code == 200, answer.text
        reasons = {s["line"]: s["reason"] for s in answer.json()["skipped"]}
        for line, (_, words) in enumerate(HOSTILE_LINES, start=1):
            assert words in reasons.get(line, ""), (line, reasons.get(line))
        assert all_items(client, "default") == {"7": ("好的", {})}
        refused = client.post("/collections/default/items/bulk?on_bad_row=fail", content=body, headers=NDJSON)
        assert_error(refused, 422, f"{len(HOSTILE_LINES)} bad lines, nothing written")


def test_the_bulk_route_takes_bodies_over_the_general_limit(roformer, tmp_path):
    records = [{"id": f"r{i}", "text": f"{TEXTS[i % len(TEXTS)]}{i}", "note": "x" * 40} for i in range(400)]
    body = ndjson(records)
    with running_app(roformer, tmp_path, model=MODEL, max_body_bytes=4096) as client:
        client.post("/collections", json={"name": "faq"})
        assert len(body) > 4096
        assert client.post("/collections/faq/items/bulk", content=body, headers=NDJSON).json()["added"] == 400
        assert_error(client.post("/collections/faq/items", content=b"x" * 5000,
                                 headers={"content-type": "application/json"}), 413, "4096")


def test_snapshot_during_writes_restores_a_consistent_state(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        stop, sent = threading.Event(), []

        def writer():  # batches of 5 ids sharing a prefix: a consistent copy holds whole batches
            number = 0
            while not stop.is_set():
                batch = [{"id": f"b{number}-{j}", "text": f"{TEXTS[j]}{number}"} for j in range(5)]
                response = client.post("/collections/faq/items/bulk", content=ndjson(batch), headers=NDJSON)
                assert response.status_code == 200, response.text
                sent.append(number)
                number += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while len(sent) < 3:
                stop.wait(0.01)
            made = client.post("/collections/faq/snapshots")
            assert made.status_code == 201, made.text
        finally:
            stop.set()
            thread.join()
        snapshot = made.json()
        assert snapshot["manifest"]["labels"] == {"model": "roformer_tf1"}
        assert snapshot["manifest"]["config"]["dim"] == roformer.dim
        listed = client.get("/collections/faq/snapshots").json()["snapshots"]
        assert [s["name"] for s in listed] == [snapshot["name"]]
        assert_error(client.post(f"/collections/faq/snapshots/{snapshot['name']}/restore"), 409, "replace")
        restored = client.post(f"/collections/faq/snapshots/{snapshot['name']}/restore?replace=true")
        assert restored.status_code == 200, restored.text
        ids = list(all_items(client, "faq"))
        assert len(ids) == snapshot["manifest"]["count"] == restored.json()["count"]
        batches = {}
        for item_id in ids:
            batches[item_id.split("-")[0]] = batches.get(item_id.split("-")[0], 0) + 1
        assert set(batches.values()) == {5}
        downloaded = client.get(f"/collections/faq/snapshots/{snapshot['name']}")
        assert downloaded.status_code == 200 and downloaded.headers["content-type"] == "application/x-tar"
        assert_error(client.get("/collections/faq/snapshots/nope.snapshot"), 404, "nope.snapshot")
        assert_error(client.get("/collections/faq/snapshots/..%2Fx"), 404)
    with running_app(roformer, tmp_path / "other", model=str(FIXTURES / "bert_tf1")) as other:
        uploaded = other.post("/collections/faq/snapshots/upload", content=downloaded.content,
                              headers={"content-type": "application/octet-stream"})
        assert uploaded.status_code == 201, uploaded.text
        name = uploaded.json()["name"]
        assert_error(other.post(f"/collections/faq/snapshots/{name}/restore"), 422, "model 'roformer_tf1'",
                     "bert_tf1", "reindex")
        assert other.get("/collections/faq").status_code == 404
        forced = other.post(f"/collections/faq/snapshots/{name}/restore?allow_other_model=true")
        assert forced.status_code == 200 and forced.json()["count"] == len(ids)
        assert other.delete(f"/collections/faq/snapshots/{name}").status_code == 204
        assert other.get("/collections/faq/snapshots").json() == {"snapshots": []}


def test_a_snapshot_restores_by_name_into_a_new_collection(roformer, tmp_path):
    items = [{"id": str(i), "text": t} for i, t in enumerate(["怎么开通花呗", "北京明天天气如何"])]
    with running_app(roformer, tmp_path, model=MODEL) as client:
        assert client.post("/collections", json={"name": "faq"}).status_code == 201
        assert client.post("/collections/faq/items", json={"items": items}).status_code == 200
        name = client.post("/collections/faq/snapshots").json()["name"]
        assert_error(client.post(f"/collections/copy/snapshots/{name}/restore"), 404, name)
        restored = client.post(f"/collections/copy/snapshots/{name}/restore", params={"source": "faq"})
        assert restored.status_code == 200 and restored.json()["count"] == 2, restored.text
        assert client.get("/collections/copy/items/1").json()["text"] == items[1]["text"]
        [copied] = client.get("/collections/copy/snapshots").json()["snapshots"]
        assert copied["name"].startswith("copy-") and copied["manifest"]["count"] == 2
        assert [s["name"] for s in client.get("/collections/faq/snapshots").json()["snapshots"]] == [name]
        assert_error(client.post(f"/collections/copy/snapshots/{name}/restore", params={"source": "faq"}), 409,
                     "replace")
        assert client.get("/collections/copy/snapshots").json()["snapshots"] == [copied], "a refused copy is not kept"
        assert_error(client.post(f"/collections/new/snapshots/{name}/restore", params={"source": "nope"}), 404)
        assert_error(client.post(f"/collections/new/snapshots/{name}/restore", params={"source": "a/b"}), 422,
                     "source")
        assert client.get("/collections/new").status_code == 404


def test_restore_is_refused_on_a_dimension_mismatch(roformer, tmp_path):
    elsewhere = FaissCollections(str(tmp_path / "elsewhere"))
    dim = roformer.dim * 2
    elsewhere.create("faq", dim).upsert([Item("x", np.ones(dim, dtype=np.float32), "text")])
    made = elsewhere.create_snapshot("faq", {"model": "roformer_tf1"})
    data = open(elsewhere.snapshot_file("faq", made.name), "rb").read()
    elsewhere.close()
    with running_app(roformer, tmp_path / "here", model=MODEL) as client:
        name = client.post("/collections/faq/snapshots/upload", content=data).json()["name"]
        assert_error(client.post(f"/collections/faq/snapshots/{name}/restore?allow_other_model=true"), 422,
                     f"dimension {dim}", f"gives {roformer.dim}")
        assert client.get("/collections/faq").status_code == 404
        assert_error(client.post("/collections/faq/snapshots/upload", content=b"junk" * 100), 422,
                     "not a simservice snapshot")
        for manifest, words in ((b"[]", "has format 'list'"), (b"[" * 5000 + b"]" * 5000, "nested deeper than 64")):
            crafted = io.BytesIO()  # a tar whose manifest is JSON but not an object (the other damage: tests/index)
            with tarfile.open(fileobj=crafted, mode="w") as tar:
                member = tarfile.TarInfo("manifest.json")
                member.size = len(manifest)
                tar.addfile(member, io.BytesIO(manifest))
            assert_error(client.post("/collections/faq/snapshots/upload", content=crafted.getvalue()), 422, words)


def test_replace_swaps_a_collection_in_one_step(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL) as client:
        for name, text in (("faq", TEXTS[0]), ("faq-next", TEXTS[1])):
            client.post("/collections", json={"name": name})
            client.post(f"/collections/{name}/items/bulk", content=ndjson([{"id": name, "text": text}]),
                        headers=NDJSON)
        assert client.post("/collections/faq/replace", json={"source": "faq-next"}).status_code == 204
        assert all_items(client, "faq") == {"faq-next": (TEXTS[1], {})}
        assert "faq-next" not in client.get("/collections").json()["collections"]
        assert_error(client.post("/collections/faq/replace", json={"source": "gone"}), 404, "gone")


def test_replacing_a_collection_with_itself_is_refused_and_keeps_it(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "x"})
        client.post("/collections/x/items/bulk", content=ndjson([{"id": "a", "text": TEXTS[0]}]), headers=NDJSON)
        assert_error(client.post("/collections/x/replace", json={"source": "x"}), 422, "itself")
        assert all_items(client, "x") == {"a": (TEXTS[0], {})}
    with running_app(roformer, tmp_path, model=MODEL) as client:  # and after a restart
        assert all_items(client, "x") == {"a": (TEXTS[0], {})}


def test_a_backend_without_snapshots_refuses_them_clearly(roformer, tmp_path):
    from simservice.index import NumpyCollections

    with running_app(roformer, tmp_path, model=MODEL, index=NumpyCollections()) as client:
        client.post("/collections", json={"name": "faq"})
        assert_error(client.post("/collections/faq/snapshots"), 422, "numpy backend", "simservice export")
        assert_error(client.get("/collections/faq/snapshots"), 422, "not supported")
        assert_error(client.post("/collections/faq/replace", json={"source": "default"}), 422, "swapping")
