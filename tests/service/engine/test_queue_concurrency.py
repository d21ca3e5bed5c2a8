"""The batching queue under load: same answers as sequential, real batches, 429, 503, dropped clients."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from tests.paths import FIXTURES
from tests.serving.support import GatedPipeline, assert_error, metric, running_app

from simservice import load_model

TEXTS = [f"第{i}个句子" + "今天天气不错" * (1 + i % 6) for i in range(64)]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    model = load_model(FIXTURES / "roformer_tf1", max_batch_rows=16, max_batch_tokens=1024)
    with running_app(model, tmp_path_factory.mktemp("index"), max_batch_size=16, max_batch_tokens=1024) as c:
        yield c


def concurrently(fn, args, workers=64):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, args))


def test_concurrent_encodes_equal_sequential_and_are_batched(client):
    sequential = [client.post("/encode", json={"texts": [t]}).json()["vectors"][0] for t in TEXTS]
    before = metric(client, "simservice_batch_size_count", kind="encode")
    parallel = concurrently(lambda t: client.post("/encode", json={"texts": [t]}).json()["vectors"][0], TEXTS)
    batches = metric(client, "simservice_batch_size_count", kind="encode") - before
    np.testing.assert_allclose(parallel, sequential, atol=1e-5)
    assert batches < len(TEXTS), "64 concurrent requests ran as 64 batches: no batching happened"
    assert metric(client, "simservice_batch_size_bucket", kind="encode", le="1.0") < \
        metric(client, "simservice_batch_size_count", kind="encode")


def test_concurrent_seeded_paraphrases_equal_sequential(client):
    # top_p=1: a nucleus cut below 1 can flip on float noise between a batched and a lone decode
    # (seen on the tiny model, whose flat distributions put many tokens at the cut).
    def ask(i):
        body = {"text": TEXTS[i % 8][:12], "n": 4, "k": 4, "max_length": 6, "seed": i, "top_p": 1.0}
        return client.post("/paraphrase", json=body).json()["result"]

    sequential = [ask(i) for i in range(64)]
    parallel = concurrently(ask, range(64))
    for seq, par in zip(sequential, parallel):
        assert {p["text"] for p in par} == {p["text"] for p in seq}
        np.testing.assert_allclose(sorted(p["score"] for p in par), sorted(p["score"] for p in seq), atol=1e-5)
    assert metric(client, "simservice_batch_size_bucket", kind="paraphrase", le="1.0") < \
        metric(client, "simservice_batch_size_count", kind="paraphrase"), "paraphrase jobs were never batched"


def test_overload_is_429_at_once(roformer, tmp_path):
    gated = GatedPipeline(roformer, open_gate=False)
    with running_app(gated, tmp_path, max_concurrent_requests=2) as client:
        with ThreadPoolExecutor(2) as pool:
            held = [pool.submit(client.post, "/paraphrase", json={"text": "你好", "n": 2, "k": 1, "seed": 1})
                    for _ in range(2)]
            assert gated.entered.wait(10)
            deadline = time.monotonic() + 10
            while metric(client, "simservice_requests_in_flight") < 2:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            start = time.monotonic()
            response = client.post("/encode", json={"texts": ["你好"]})
            assert time.monotonic() - start < 1.0
            body = assert_error(response, 429, "busy", "Retry-After")
            assert body["error_type"] == "overloaded" and response.headers["retry-after"] == "1"
            gated.gate.set()
            assert all(f.result().status_code == 200 for f in held)
        assert client.post("/encode", json={"texts": ["你好"]}).status_code == 200
        assert metric(client, "simservice_requests_rejected_total", reason="overloaded") == 1


def test_request_waiting_past_the_timeout_is_503_and_never_computed(roformer, tmp_path):
    gated = GatedPipeline(roformer, open_gate=False)
    with running_app(gated, tmp_path, request_timeout=0.5) as client:
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(client.post, "/paraphrase", json={"text": "你好", "n": 2, "k": 1, "seed": 1})
            assert gated.entered.wait(10)
            late = client.post("/paraphrase", json={"text": "再见", "n": 2, "k": 1, "seed": 1})
            assert_error(late, 503, "waited more than 0.5 s")
            gated.gate.set()
            assert held.result().status_code == 503  # it too waited past 0.5 s
        time.sleep(0.3)
        assert gated.batches == [1], "the late job reached the model"
