"""Slow and idle clients are cut off by the real server (uvicorn as `simservice serve` runs it)
while other clients are served; requests carry an id into the log and back out."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time

import httpx
import numpy as np
import pytest
import uvicorn
from tests.index.helpers import random_items

from simservice.index import FaissCollections
from simservice.serving import Settings, create_app
from simservice.serving.api.request_log import JsonFormatter
from simservice.serving.api.server import server_config

TIMEOUT = 1.0  # header and body deadlines of the server under test


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(roformer, tmp_path_factory):
    with running_server(roformer, tmp_path_factory.mktemp("index"), header_timeout=TIMEOUT, body_timeout=TIMEOUT,
                        keep_alive_timeout=TIMEOUT) as running:
        yield running


@contextlib.contextmanager
def running_server(pipeline, data_dir, **options):
    """The real server (`server_config`, as `simservice serve` runs it) on a free port: (port, base URL)."""
    settings = Settings(data_dir=str(data_dir), warmup=False, port=free_port(), **options)
    server = uvicorn.Server(server_config(create_app(settings, pipeline=pipeline), settings, "warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{settings.port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/ready").status_code == 200:
                break
        time.sleep(0.1)
    try:
        yield settings.port, base
    finally:
        server.should_exit = True
        thread.join(30)


def closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """(whether the server closed the connection within `seconds`, what it sent before)."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except socket.timeout:
        return False, received
    except ConnectionResetError:
        pass
    return True, received


def test_slow_and_idle_clients_are_cut_off_while_others_are_served(server):
    port, base = server
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    heads = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
    for sock in heads:  # a request head that never ends
        sock.sendall(b"POST /encode HTTP/1.1\r\nHost: x\r\n")
    bodies = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
    for sock in bodies:  # a body that stops half way
        sock.sendall(b"POST /encode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"texts\": [")
    start = time.monotonic()
    with httpx.Client(base_url=base) as client:  # others are served meanwhile
        assert client.get("/health").status_code == 200
        assert client.post("/encode", json={"texts": ["你好"]}).status_code == 200
    for sock in heads[:2]:  # trickling keeps nothing open: the deadline counts from the start
        for _ in range(3):
            with contextlib.suppress(OSError):
                sock.sendall(b"X-Slow: 1\r\n")
            time.sleep(0.2)
    for sock in [*idle, *heads]:
        closed, _ = closed_within(sock, 3 * TIMEOUT)
        assert closed, "an idle or unfinished-head connection was left open"
    for sock in bodies:
        closed, received = closed_within(sock, 3 * TIMEOUT)
        assert received.startswith(b"HTTP/1.1 408"), received[:200]
        assert json.loads(received.split(b"\r\n\r\n", 1)[1])["error_type"] == "request_timeout"
    assert time.monotonic() - start < 8 * TIMEOUT
    for sock in [*idle, *heads, *bodies]:
        sock.close()
    assert httpx.get(base + "/health").status_code == 200


def test_a_client_that_stops_reading_is_dropped_while_others_are_served(roformer, tmp_path):
    """Exports of ~10 MB to readers that never read: each is dropped --send-timeout after the
    server's send buffer filled (before: held open with its output buffered, for ever)."""
    manager = FaissCollections(str(tmp_path))
    manager.create("big", roformer.dim).upsert(random_items(np.random.default_rng(0), [f"item-{i:04d}" for i in range(8000)], roformer.dim))
    manager.close()
    with running_server(roformer, tmp_path, send_timeout=TIMEOUT, keep_alive_timeout=60.0) as (port, base):
        stalled = [socket.socket() for _ in range(4)]
        for sock in stalled:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", port))
            sock.sendall(b"GET /collections/big/export?vectors=true HTTP/1.1\r\nHost: x\r\n\r\n")
        whole = httpx.get(base + "/collections/big/export?vectors=true", timeout=60).text.splitlines()
        assert len(whole) == 8000 and json.loads(whole[-1])["id"] == "item-7999"
        time.sleep(3 * TIMEOUT)  # the stalled sends time out meanwhile
        for sock in stalled:
            closed, received = closed_within(sock, 10 * TIMEOUT)  # reset: what was on its way is gone
            assert closed and not received.endswith(b"0\r\n\r\n"), "a reader that stopped was served to the end"
            sock.close()
        assert httpx.get(base + "/health").status_code == 200


def test_past_the_connection_limit_the_answer_is_the_json_503(roformer, tmp_path):
    with running_server(roformer, tmp_path, max_connections=3, header_timeout=30.0) as (port, base):
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        time.sleep(0.3)  # the server has accepted them
        try:
            refused = httpx.post(base + "/encode", json={"texts": ["你好"]})
            refused_v1 = httpx.post(base + "/v1/embeddings", json={"model": "m", "input": "你好"})
            alive = httpx.get(base + "/health")  # liveness is not a connection to ration
        finally:
            for sock in idle:
                sock.close()
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert alive.status_code == 200 and alive.json() == {"status": "ok"}
        assert refused.json()["error_type"] == "too_many_connections"
        assert "--max-connections" in refused.json()["error"]
        assert refused_v1.status_code == 503  # in OpenAI's shape on /v1
        assert refused_v1.json()["error"]["code"] == "too_many_connections"
        assert refused_v1.json()["error"]["type"] == "server_error"
        deadline = time.monotonic() + 10
        while (answer := httpx.post(base + "/encode", json={"texts": ["你好"]})).status_code == 503:
            assert time.monotonic() < deadline, "the idle connections' close was never noticed"
            time.sleep(0.05)
        assert answer.status_code == 200 and len(answer.json()["vectors"]) == 1


def test_keep_alive_connections_are_closed_when_idle(server):
    port, _ = server
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    closed, received = closed_within(sock, 3 * TIMEOUT)
    assert received.startswith(b"HTTP/1.1 200") and closed
    sock.close()


def logged(caplog) -> dict:
    return {r.request_id: r for r in caplog.records if r.name == "simservice.requests"}


def test_request_ids_are_echoed_and_logged(server, caplog):
    _, base = server
    with caplog.at_level(logging.INFO, logger="simservice.requests"):
        given = httpx.post(base + "/encode", json={"texts": ["你好"]}, headers={"X-Request-ID": "abc-123"})
        made = httpx.get(base + "/health", headers={"X-Request-ID": "bad id\twith spaces"})
        # the server logs a request once its answer is sent: wait for the line, do not race it
        deadline = time.monotonic() + 5
        while not {"abc-123", made.headers["x-request-id"]} <= logged(caplog).keys():
            assert time.monotonic() < deadline, list(logged(caplog))
            time.sleep(0.02)
    assert given.headers["x-request-id"] == "abc-123"
    assert made.headers["x-request-id"] != "bad id\twith spaces" and len(made.headers["x-request-id"]) == 32
    records = logged(caplog)
    line = json.loads(JsonFormatter().format(records["abc-123"]))
    assert (line["route"], line["method"], line["status"], line["batch_size"]) == ("/encode", "POST", 200, 1)
    assert line["latency_ms"] > 0 and line["level"] == "INFO"
    assert json.loads(JsonFormatter().format(records[made.headers["x-request-id"]]))["route"] == "/health"


@pytest.mark.parametrize("host, key, warned", [("0.0.0.0", None, True), ("::", None, True), ("10.1.2.3", None, True),
                                               ("0.0.0.0", "k", False), ("127.0.0.1", None, False),
                                               ("localhost", None, False), ("::1", None, False)])
def test_a_non_loopback_address_without_a_key_is_warned_about(host, key, warned):
    warning = Settings(host=host, api_key=key).exposure_warning()
    assert (warning is not None) == warned
    assert warning is None or "SIMSERVICE_API_KEY" in warning
