"""POST /collections/{name}/items/upload: a whole file through the one dataset reader, all or nothing."""

from __future__ import annotations

import json

from tests.paths import FIXTURES
from tests.serving.support import assert_error, running_app

MODEL = str(FIXTURES / "roformer_tf1")
CSV = 'id,text,topic,rank,code\r\nq1,"今天天气怎么样",天气,1,"""7"""\r\nq2,"一个""引号""和\r\n换行",其他,2.5,0012\r\n'


def stored(client, name):
    lines = client.get(f"/collections/{name}/export").text.splitlines()
    return {r["id"]: (r["text"], r["metadata"]) for r in map(json.loads, lines)}


def upload(client, body: bytes, fmt: str = "csv", name: str = "faq", **params):
    return client.post(f"/collections/{name}/items/upload", content=body,
                       params={"format": fmt, "filename": f"faq.{fmt}", **params})


def test_a_csv_in_excel_encodings_stores_the_same_items(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        for encoding in ("utf-8", "gbk", "utf-8-sig", "utf-16"):
            answer = upload(client, CSV.encode(encoding))
            assert answer.status_code == 200, answer.text
            assert answer.json()["checked"] == 2
            assert stored(client, "faq") == {
                "q1": ("今天天气怎么样", {"topic": "天气", "rank": 1, "code": "7"}),
                "q2": ('一个"引号"和\r\n换行', {"topic": "其他", "rank": 2.5, "code": "0012"})}
        plain = upload(client, CSV.encode(), typed_cells="false")
        assert plain.json()["updated"] == 2 and stored(client, "faq")["q1"][1]["rank"] == "1"


def test_the_key_comes_before_the_file(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL, api_key="s3cret") as client:
        assert_error(upload(client, b"text\nx\n", name="default"), 401, "API key")
        answer = client.post("/collections/default/items/upload", params={"format": "csv"}, content=b"text\nx\n",
                             headers={"authorization": "Bearer s3cret"})
        assert answer.status_code == 200 and answer.json()["added"] == 1


def test_a_malformed_file_stores_nothing_and_names_the_line(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        unclosed = 'id,text\na,好的\nb,"没有闭合\nc,第三行\n'.encode()
        assert_error(upload(client, unclosed), 422, "faq.csv: line 3: a quoted field opened in this row is never "
                                                    "closed: nothing was read")
        bad_rows = 'id,text\na,好的\nb,\nc,三,多一列\na,重复\n'.encode("gbk")
        assert_error(upload(client, bad_rows), 422, "3 bad rows in faq.csv, nothing written",
                     "line 3: empty text", "line 4: 3 columns, the header has 2", "line 5: duplicate id 'a'")
        assert_error(upload(client, b'{"text": "ok"}\n{"text": \n', "jsonl"), 422, "line 2: malformed JSON")
        assert_error(upload(client, b"id,text\n"), 422, "faq.csv: no rows to import")
        assert_error(upload(client, b"id,text\n\x00\x01", "csv"), 422, "binary data")
        assert_error(upload(client, b"text\nx\n", "xlsx"), 422, "format")
        assert_error(upload(client, b"text\nx\n", filename="a\nb"), 422, "filename")
        assert stored(client, "faq") == {}
        assert_error(upload(client, b"text\nx\n", name="nope"), 404, "nope")
        too_big = upload(client, b"text\n" + b"x" * (16 << 20), "csv")  # over the upload's 16 MiB
        assert_error(too_big, 413, "over the limit")
        good = upload(client, "text\n明天会下雨吗\n".encode("gbk"), "txt")
        assert good.status_code == 200 and sorted(stored(client, "faq").values()) == [("text", {}), ("明天会下雨吗", {})]
