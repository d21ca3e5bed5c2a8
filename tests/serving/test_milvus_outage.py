"""kill -9 of the real Milvus server under a light load of HTTP requests against the real app:
every request answers 200, or 503 with Retry-After, within the Milvus timeout (plus the
model's share); once Milvus is started again the service answers 200 on its own; every write
it acknowledged is there. About a minute, most of it Milvus reloading after the restart."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

import pytest
from tests.milvus_server import kill, restart, session_server
from tests.serving.support import running_app

pytestmark = pytest.mark.milvus

TIMEOUT = 2.0  # --milvus-timeout
SLACK = 1.5  # encoding the text, and thread scheduling on a busy 2-core machine
NAME = "outage"


class Load:
    """Writers (each a new id per request) and a reader, a request every 50 ms each; every
    answer is recorded as (what, status, seconds, Retry-After, body)."""

    def __init__(self, client, writers: int = 2) -> None:
        self.client = client
        self.answers: list[tuple] = []
        self.acknowledged: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(n,)) for n in range(writers)]
        self._threads.append(threading.Thread(target=self._read))

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def latest(self, what: str) -> int | None:
        return next((status for kind, status, *_ in reversed(self.answers) if kind == what), None)

    def _send(self, what: str, path: str, body: dict) -> int:
        start = time.monotonic()
        answer = self.client.post(path, json=body)
        self.answers.append((what, answer.status_code, time.monotonic() - start,
                             answer.headers.get("retry-after"), answer.text[:300]))
        return answer.status_code

    def _write(self, writer: int) -> None:
        for n in itertools.count():
            item = {"id": f"w{writer}-{n}", "text": f"第{n}句话，来自{writer}号"}
            if self._send("upsert", f"/collections/{NAME}/items", {"items": [item]}) == 200:
                self.acknowledged.append(item["id"])
            if self._stop.wait(0.05):
                return

    def _read(self) -> None:
        while not self._stop.wait(0.05):
            self._send("similar", "/similar", {"text": "一句话", "collection": NAME})


def stored_ids(client) -> set[str]:
    ids, offset = set(), 0
    while page := client.get(f"/collections/{NAME}/items", params={"offset": offset, "limit": 1000}).json()["items"]:
        ids.update(item["id"] for item in page)
        offset += len(page)
    return ids


def test_kill_9_under_load_answers_503_in_time_and_recovers(roformer, tmp_path):
    server = session_server()
    if server is None:
        pytest.skip("a Milvus started by hand (SIMSERVICE_TEST_MILVUS_URI) is not this test's to kill")
    settings = {"index_backend": "milvus", "milvus_uri": f"http://127.0.0.1:{server.listen_port}",
                "milvus_prefix": f"out{uuid.uuid4().hex[:8]}_", "milvus_timeout": TIMEOUT}
    with running_app(roformer, tmp_path, **settings) as client:
        assert client.post("/collections", json={"name": NAME}).status_code == 201
        try:
            with Load(client) as load:
                time.sleep(2)
                before = len(load.answers)
                kill(server)
                time.sleep(4)
                restart(server)
                restarted = time.monotonic()
                while not (load.latest("upsert") == load.latest("similar") == 200):
                    assert time.monotonic() - restarted < 120, load.answers[-4:]
                    time.sleep(0.2)
                recovered = time.monotonic() - restarted
                time.sleep(1)
            assert all(status == 200 for _, status, *_ in load.answers[:before]), load.answers[:before]
            late = [a for a in load.answers if a[1] not in (200, 503) or a[2] > TIMEOUT + SLACK
                    or (a[1] == 503 and not a[3])]
            assert not late, late[:5]
            statuses = [a[1] for a in load.answers[before:]]
            assert 503 in statuses and statuses[-1] == 200
            assert client.get("/ready").status_code == 200
            missing = set(load.acknowledged) - stored_ids(client)
            assert not missing, f"{len(missing)} acknowledged writes lost: {sorted(missing)[:5]}"
            print(f"{len(load.answers)} requests, {statuses.count(503)} answered 503, the slowest in "
                  f"{max(a[2] for a in load.answers):.2f} s; {len(load.acknowledged)} writes acknowledged; "
                  f"200 again {recovered:.1f} s after the restart")
        finally:
            if server.server_proc is not None and server.server_proc.poll() is not None:
                restart(server)
            client.delete(f"/collections/{NAME}")
