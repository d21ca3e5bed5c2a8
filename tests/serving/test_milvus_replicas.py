"""Two `simservice serve` processes sharing one Milvus: what one writes, the other reads."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.paths import FIXTURES

pytestmark = pytest.mark.milvus
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, uri: str, prefix: str, data_dir) -> subprocess.Popen:
    command = [sys.executable, "-m", "simservice", "serve", "--model", str(FIXTURES / "roformer_tf1"),
               "--host", "127.0.0.1", "--port", str(port), "--index-backend", "milvus",
               "--milvus-uri", uri, "--milvus-prefix", prefix, "--no-warmup", "--data-dir", str(data_dir)]
    log = open(os.path.join(data_dir, f"serve-{port}.log"), "wb")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen, log: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"{url} exited: {open(log).read()[-3000:]}"
        assert time.monotonic() < deadline, f"{url} not ready: {open(log).read()[-3000:]}"
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


def test_two_replicas_share_one_index(tmp_path):
    from tests.milvus_server import session_uri

    uri, prefix = session_uri(), f"rep{uuid.uuid4().hex[:10]}_"
    ports = [free_port(), free_port()]
    procs = [serve(port, uri, prefix, tmp_path) for port in ports]
    one, two = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url, proc, port in zip((one, two), procs, ports):
            wait_ready(url, proc, str(tmp_path / f"serve-{port}.log"))
        items = [{"id": "r1", "text": "我想去北京旅游", "metadata": {"city": "北京"}},
                 {"id": "r2", "text": "明天会下雨吗", "metadata": {"city": "上海"}}]
        assert httpx.post(f"{one}/collections/default/items", json={"items": items}).json() == {"upserted": 2}
        query = {"text": "明天会下雨吗", "k": 1, "filter": {"city": "上海"}}
        hits = httpx.post(f"{two}/similar", json=query).json()["result"]  # at once: Strong reads
        assert [h["id"] for h in hits] == ["r2"]
        assert httpx.post(f"{two}/collections/default/items/delete", json={"ids": ["r2"]}).json() == {"deleted": 1}
        for url in (one, two):
            assert httpx.post(f"{url}/similar", json=query).json()["result"] == []
            assert httpx.get(f"{url}/collections/default").json()["count"] == 1
        assert httpx.post(f"{two}/collections", json={"name": "shared"}).status_code == 201
        assert httpx.get(f"{one}/collections").json() == {"collections": ["default", "shared"]}
        assert httpx.delete(f"{one}/collections/shared").status_code == 204
        assert httpx.get(f"{two}/collections/shared").status_code == 404
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
