"""POST /collections/{name}/items/upload?background=true: the file read and every row checked at once
(a bad file is a 422 and no job), then a /jobs job writing the rows a chunk at a time."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from simservice.inference.batching import BatchLimits
from simservice.service.engine.jobs import JobKind
from simservice.service.engine.metrics import Metrics
from simservice.service.engine.queue import BatchQueue
from simservice.service.engine.tickets import Ticket, Unit
from simservice.service import corpus_ops
from simservice.service.base import in_thread
from tests.paths import FIXTURES
from tests.serving.api.test_upload import stored, upload
from tests.serving.support import assert_error, running_app

MODEL = str(FIXTURES / "roformer_tf1")
ROWS = [(f"q{i}", f"第{i}个问题是什么") for i in range(1, 6)]
CSV = ("id,text,topic\n" + "".join(f"{id_},{text},t{i}\n" for i, (id_, text) in enumerate(ROWS))).encode()


def start(client, body: bytes = CSV, **params) -> dict:
    answer = upload(client, body, background="true", **params)
    assert answer.status_code == 202, answer.text
    return answer.json()


def wait_until(client, job_id: str, done, timeout: float = 60.0, **headers) -> dict:
    end = time.monotonic() + timeout
    while not done(body := client.get(f"/jobs/{job_id}", headers=headers).json()):
        assert time.monotonic() < end, body
        time.sleep(0.02)
    return body


@pytest.fixture
def chunks_of_two(monkeypatch):
    monkeypatch.setattr(corpus_ops, "ENCODE_CHUNK", 2)


@pytest.fixture
def gated_writes(monkeypatch):
    """Each chunk after the first waits for the gate; `fail_at` makes that chunk raise instead."""
    gate, calls, fail_at = threading.Event(), [], []
    write = corpus_ops.CorpusOperations._write

    async def gated(self, store, rows, *args):
        calls.append(len(rows))
        if len(calls) > 1:
            await in_thread(gate.wait, 30)
        if len(calls) in fail_at:
            raise OSError("the index refused the write")
        return await write(self, store, rows, *args)

    monkeypatch.setattr(corpus_ops.CorpusOperations, "_write", gated)
    return gate, calls, fail_at


def test_the_job_moves_to_done_and_stores_the_file(roformer, tmp_path, chunks_of_two):
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        job = start(client)
        assert job["kind"] == "upload" and job["status"] == "running" and job["rows"] == 5
        assert job["upload"]["collection"] == "faq" and job["upload"]["file"] == "faq.csv"
        seen = []
        done = wait_until(client, job["id"], lambda b: seen.append(b["rows_done"]) or b["status"] != "running")
        assert done["status"] == "done" and done["rows_done"] == 5 and done["error"] == ""
        assert seen == sorted(seen) and set(seen) <= {0, 2, 4, 5}
        assert done["upload"]["added"] == 5 and done["upload"]["updated"] == 0
        assert done["upload"]["stored"] == "rows 1-5 of faq.csv stored (through line 6)"
        assert stored(client, "faq") == {id_: (text, {"topic": f"t{i}"}) for i, (id_, text) in enumerate(ROWS)}
        again = wait_until(client, start(client)["id"], lambda b: b["status"] != "running")
        assert again["upload"]["updated"] == 5 and again["upload"]["added"] == 0


def test_a_bad_file_is_refused_before_any_job(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL, max_augment_jobs=1) as client:
        client.post("/collections", json={"name": "faq"})
        assert_error(upload(client, b"id,text\na,\nb,\"open\n", background="true"), 422, "faq.csv: line 3")
        assert_error(upload(client, b"id,text\na,\nb,x\n", background="true"), 422, "1 bad row in faq.csv, "
                     "nothing written", "line 2: empty text")
        assert_error(upload(client, b"id,text\n", background="true"), 422, "no rows to import")
        assert stored(client, "faq") == {}
        job = start(client)  # no refused file holds the one job allowed
        wait_until(client, job["id"], lambda b: b["status"] == "done")


def test_cancel_stops_after_the_chunk_and_says_what_was_stored(roformer, tmp_path, chunks_of_two, gated_writes):
    gate, calls, _ = gated_writes
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        job = start(client)
        wait_until(client, job["id"], lambda b: len(calls) == 2)  # the first chunk stored, the second waiting
        assert client.delete(f"/jobs/{job['id']}").status_code == 200
        gate.set()
        done = wait_until(client, job["id"], lambda b: b["status"] != "running")
        assert done["status"] == "cancelled" and done["rows_done"] == 4 and len(calls) == 2
        assert done["upload"]["stored"] == "rows 1-4 of faq.csv stored (through line 5)"
        assert set(stored(client, "faq")) == {"q1", "q2", "q3", "q4"}


def test_a_failure_midway_reports_the_rows_stored(roformer, tmp_path, chunks_of_two, gated_writes):
    gate, _, fail_at = gated_writes
    fail_at.append(2)
    gate.set()
    with running_app(roformer, tmp_path, model=MODEL) as client:
        client.post("/collections", json={"name": "faq"})
        done = wait_until(client, start(client)["id"], lambda b: b["status"] != "running")
        assert done["status"] == "failed" and "the index refused the write" in done["error"]
        assert done["rows_done"] == 2 and done["upload"]["stored_through_line"] == 3
        assert done["upload"]["stored"] == "rows 1-2 of faq.csv stored (through line 3)"
        assert set(stored(client, "faq")) == {"q1", "q2"}


def test_the_key_is_required_for_the_upload_and_its_job(roformer, tmp_path):
    with running_app(roformer, tmp_path, model=MODEL, api_key="s3cret") as client:
        assert_error(upload(client, CSV, name="default", background="true"), 401, "API key")
        key = {"authorization": "Bearer s3cret"}
        answer = client.post("/collections/default/items/upload", params={"format": "csv", "background": "true"},
                             content=CSV, headers=key)
        assert answer.status_code == 202, answer.text
        assert_error(client.get(f"/jobs/{answer.json()['id']}"), 401, "API key")
        assert_error(client.delete(f"/jobs/{answer.json()['id']}"), 401, "API key")
        done = wait_until(client, answer.json()["id"], lambda b: b["status"] != "running", **key)
        assert done["status"] == "done" and done["rows_done"] == 5


def test_a_hostile_client_gets_clear_4xx(roformer, tmp_path, chunks_of_two, gated_writes):
    gate, _, _ = gated_writes
    with running_app(roformer, tmp_path, model=MODEL, max_augment_jobs=1) as client:
        client.post("/collections", json={"name": "faq"})
        assert_error(upload(client, CSV, "xlsx", background="true"), 422, "format")
        assert_error(upload(client, CSV, background="maybe"), 422, "background")
        assert_error(upload(client, CSV, background="true", filename="x" * 20_000), 422, "filename")
        assert_error(upload(client, CSV, background="true", filename="a\x00b"), 422, "filename")
        assert_error(upload(client, CSV, name="nowhere", background="true"), 404, "nowhere")
        assert_error(upload(client, b"\x00\x01\x02" * 100, background="true"), 422, "binary data")
        assert_error(client.get("/jobs/" + "z" * 5000), 404, "no job")
        assert_error(client.delete("/jobs/nosuchjob"), 404, "no job")
        job = start(client)
        assert_error(upload(client, CSV, background="true"), 429, "background jobs are running")
        assert_error(client.get(f"/jobs/{job['id']}/result"), 422, "is an upload")
        gate.set()
        wait_until(client, job["id"], lambda b: b["status"] == "done")
        assert client.delete(f"/jobs/{job['id']}").json()["status"] == "done"  # too late to cancel: stays done


def test_an_uploads_texts_wait_behind_live_ones():
    loop = asyncio.new_event_loop()
    try:
        queue = BatchQueue(BatchLimits(8, 1024), 64, 5.0, Metrics())
        ticket = Ticket(loop, 1, time.monotonic() + 60)
        upload_unit = Unit(JobKind.UPLOAD, ticket, 0, [2, 5, 3], 3, 0)  # the older one
        live_unit = Unit(JobKind.ENCODE, ticket, 0, [2, 6, 3], 3, 1)
        queue._waiting[JobKind.UPLOAD].append(upload_unit)
        queue._waiting[JobKind.ENCODE].append(live_unit)
        assert queue._next_batch() == (JobKind.ENCODE, [live_unit])
        assert queue._next_batch() == (JobKind.UPLOAD, [upload_unit])  # an encoder batch, once none is live
        assert queue._next_batch() is None
    finally:
        loop.close()
