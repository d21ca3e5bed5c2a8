"""Start-up and clients over a real socket: /ready waits for warm-up; a client that leaves is
dropped before compute; the API key guards every route but /health and /ready."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient
from tests.serving.support import GatedPipeline, assert_error, running_app, wait_ready

from simservice.serving import Settings, create_app


def test_ready_is_503_until_warm_up_ends(roformer, tmp_path):
    gated = GatedPipeline(roformer, open_gate=False)  # warm-up ends with a paraphrase: held here
    with running_app(gated, tmp_path, wait=False, warmup=True) as client:
        assert gated.entered.wait(20)
        assert client.get("/health").json() == {"status": "ok"}
        response = client.get("/ready")
        assert response.status_code == 503 and response.json() == {"status": "warming up"}
        assert_error(client.post("/encode", json={"texts": ["你好"]}), 503, "warming up", "/ready")
        gated.gate.set()
        wait_ready(client)
        assert client.post("/encode", json={"texts": ["你好"]}).status_code == 200
        assert client.get("/collections").json() == {"collections": ["default"]}


def test_failed_start_is_reported_by_ready(tmp_path):
    app = create_app(Settings(model=str(tmp_path / "no-model"), data_dir=str(tmp_path / "index")))
    with TestClient(app) as client:
        deadline = time.monotonic() + 10
        while "failed" not in client.get("/ready").json()["status"]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert client.get("/ready").status_code == 503
        assert_error(client.post("/encode", json={"texts": ["你好"]}), 503, "no-model")


def test_api_key_guards_all_but_health_ready_and_docs(roformer, tmp_path):
    with running_app(roformer, tmp_path, api_key="s3cret") as client:
        assert client.get("/health").status_code == 200
        for method, path in [("get", "/info"), ("get", "/metrics"), ("get", "/collections"), ("post", "/encode")]:
            response = getattr(client, method)(path)
            assert_error(response, 401, "API key")
            assert response.headers["www-authenticate"] == "Bearer"
        assert_error(client.get("/info", headers={"Authorization": "Bearer wrong"}), 401)
        good = {"Authorization": "Bearer s3cret"}
        assert client.post("/encode", json={"texts": ["你好"]}, headers=good).status_code == 200
        assert client.get("/openapi.json", headers=good).json()["info"]["title"] == "simservice"


@pytest.fixture
def served(roformer, tmp_path):
    """The app under uvicorn on a loopback port, around a gated pipeline."""
    gated = GatedPipeline(roformer)
    app = create_app(Settings(data_dir=str(tmp_path), warmup=False), pipeline=gated)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and app.state.service.ready):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield gated, port, app
    server.should_exit = True
    thread.join(10)


def post_raw(port: int, path: str, body: dict) -> socket.socket:
    data = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return sock


def test_client_that_disconnects_is_dropped_before_compute(served):
    gated, port, app = served
    gated.gate.clear()
    holder = post_raw(port, "/paraphrase", {"text": "你好", "n": 2, "k": 1, "seed": 1})
    assert gated.entered.wait(10)
    leaver = post_raw(port, "/paraphrase", {"text": "再见", "n": 2, "k": 1, "seed": 2})
    state = app.state.service
    deadline = time.monotonic() + 10
    while state.admission.in_flight < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    leaver.close()
    while state.metrics.rejected.labels("disconnected")._value.get() < 1:
        assert time.monotonic() < deadline, "the server never noticed the client leave"
        time.sleep(0.01)
    gated.gate.set()
    assert b"200 OK" in holder.recv(65536)
    holder.close()
    time.sleep(0.3)
    assert gated.batches == [1], "the departed client's job reached the model"
    assert state.admission.in_flight == 0
