"""Background augmentation jobs: progress and result, live requests first, cancel, bad rows."""

from __future__ import annotations

import json
import threading
import time

from tests.serving.support import GatedPipeline, assert_error, running_app

from simservice.augment.filters import Filters
from simservice.augment.generators import LocalGenerator, Sampling
from simservice.augment.output import Output
from simservice.datafiles import rows_from_records
from simservice.augment.run import augment

SENTENCES = ["今天天气怎么样", "怎么开通花呗", "我想买一台新的笔记本电脑", "北京到上海的高铁要多久", "这部电影好看吗",
             "如何提高英语口语"]


def wait_for(client, job_id, status, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while (body := client.get(f"/jobs/{job_id}").json())["status"] != status:
        assert time.monotonic() < deadline and body["status"] == "running", body
        time.sleep(0.05)
    return body


def test_job_reports_progress_and_gives_the_local_result(roformer, tmp_path):
    rows = [{"text": t, "label": i % 3} for i, t in enumerate(SENTENCES)] + [{"text": "  "}, {"label": 1}]
    request = {"rows": rows, "n": 8, "k": 3, "max_length": 8, "seed": 4, "top_p": 1.0}
    with running_app(roformer, tmp_path / "index") as client:
        started = client.post("/jobs/augment", json=request)
        assert started.status_code == 202, started.text
        done = wait_for(client, started.json()["id"], "done")
        result = client.get(f"/jobs/{done['id']}/result")
    assert result.status_code == 200 and result.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in result.text.splitlines()]
    assert done["rows_done"] == done["rows"] == 8 and done["kept"] == len(lines) > 0
    assert done["bad_rows"] == [{"row": 6, "reason": "empty text"}, {"row": 7, "reason": "no 'text' key"}]
    assert all(line["label"] == line["source_row"] % 3 for line in lines)
    local = Output(tmp_path / "local.jsonl", "jsonl", None, "text")
    augment(rows_from_records(rows, "text"), LocalGenerator(roformer, Sampling(8, 1.0, 8, 0.0, 4)), Filters(), 3,
            local, {}, progress=False)
    expected = [json.loads(line) for line in local.path.read_text(encoding="utf-8").splitlines()]
    assert [(r["source_row"], r["text"]) for r in lines] == [(r["source_row"], r["text"]) for r in expected]


def test_job_takes_the_sampling_knobs(roformer, tmp_path):
    rows = [{"text": t} for t in SENTENCES[:3]]
    knobs = {"min_p": 0.05, "repetition_penalty": 1.5, "top_k": 30, "temperature": 1.2}
    with running_app(roformer, tmp_path / "index") as client:
        started = client.post("/jobs/augment", json={"rows": rows, "n": 6, "k": 3, "max_length": 8, "seed": 2, **knobs})
        assert started.status_code == 202, started.text
        wait_for(client, started.json()["id"], "done")
        lines = [json.loads(line) for line in client.get(f"/jobs/{started.json()['id']}/result").text.splitlines()]
    local = Output(tmp_path / "local.jsonl", "jsonl", None, "text")
    sampling = Sampling(6, None, 8, 0.0, 2, {"sampler": None, **knobs})  # top_k named: no default top_p
    augment(rows_from_records(rows, "text"), LocalGenerator(roformer, sampling), Filters(), 3, local, {},
            progress=False)
    expected = [json.loads(line) for line in local.path.read_text(encoding="utf-8").splitlines()]
    assert lines and [r["text"] for r in lines] == [r["text"] for r in expected]
    plain = Output(tmp_path / "plain.jsonl", "jsonl", None, "text")
    augment(rows_from_records(rows, "text"), LocalGenerator(roformer, Sampling(6, 0.95, 8, 0.0, 2)), Filters(), 3,
            plain, {}, progress=False)
    assert plain.path.read_text(encoding="utf-8") != local.path.read_text(encoding="utf-8")


def test_live_requests_go_before_queued_background_work(roformer, tmp_path):
    gated = GatedPipeline(roformer, open_gate=False)
    rows = [{"text": t + str(i)} for i in range(4) for t in SENTENCES]  # 24 rows, 4 a batch: 6 batches
    with running_app(gated, tmp_path / "index", max_batch_samples=16) as client:
        job = client.post("/jobs/augment", json={"rows": rows, "n": 4, "k": 2, "max_length": 4, "seed": 1})
        assert job.status_code == 202, job.text
        assert gated.entered.wait(10)  # the first background batch is held in the model
        time.sleep(0.5)  # the next one is prepared meanwhile
        live = threading.Thread(target=client.post, args=("/paraphrase",),
                                kwargs={"json": {"text": "一个在线请求", "n": 2, "k": 1, "max_length": 4}})
        live.start()
        time.sleep(0.5)
        gated.gate.set()
        live.join(30)
        wait_for(client, job.json()["id"], "done")
    where = next(i for i, texts in enumerate(gated.texts) if texts == ["一个在线请求"])
    assert where <= 2 and len(gated.texts) - where > 3, gated.texts


def test_cancel_drops_the_queued_work(roformer, tmp_path):
    gated = GatedPipeline(roformer, open_gate=False)
    rows = [{"text": t} for t in SENTENCES * 3]
    with running_app(gated, tmp_path / "index", max_batch_samples=8) as client:
        job_id = client.post("/jobs/augment", json={"rows": rows, "n": 4, "k": 2, "max_length": 4}).json()["id"]
        assert gated.entered.wait(10)
        assert client.delete(f"/jobs/{job_id}").status_code == 200
        cancelled = wait_for(client, job_id, "cancelled", timeout=10)
        gated.gate.set()
        time.sleep(0.5)
        assert cancelled["rows_done"] == 0 and len(gated.batches) <= 2  # the held batch and the prepared one
        assert_error(client.get(f"/jobs/{job_id}/result"), 409, "cancelled")
        assert client.post("/paraphrase", json={"text": "你好", "n": 2, "k": 1}).status_code == 200


def test_job_errors(roformer, tmp_path):
    with running_app(roformer, tmp_path / "index", max_job_rows=3, max_augment_jobs=1) as client:
        assert_error(client.get("/jobs/nope"), 404, "no job")
        assert_error(client.post("/jobs/augment", json={"rows": [{"text": "a"}] * 4}), 422, "4 rows", "limit of 3")
        assert_error(client.post("/jobs/augment", json={"rows": [{"text": "a"}], "n": 2, "k": 3}), 422, "k=3")
        assert_error(client.post("/jobs/augment", json={"rows": []}), 422, "rows")
        one = {"rows": [{"text": "a"}], "n": 2, "k": 1}
        assert_error(client.post("/jobs/augment", json={**one, "min_p": 2}), 422, "min_p", "less than or equal to 1")
        assert_error(client.post("/jobs/augment", json={**one, "sampler": "top_k"}), 422, "top_k sampler needs top_k")
        for raw, field in ((b'{"rows": [{"text": "a", "w": NaN}]}', "rows[0].w: NaN"),
                           (b'{"rows": [{"text": "a", "w": [Infinity]}]}', "rows[0].w[0]: Infinity")):
            assert_error(client.post("/jobs/augment", content=raw, headers={"content-type": "application/json"}),
                         422, field, "not a JSON number")
