"""One engine: one encoder built with the settings' limits runs what the queue forms, paraphrase
ranking included, and with XLA it is traced once."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from tests.paths import FIXTURES
from tests.serving.support import wait_ready

from simservice.inference.batching import bucket_length, bucket_rows, padded_tokens
from simservice.inference.encoder import Encoder
from simservice.serving import Settings, create_app


@pytest.fixture
def forwards(monkeypatch):
    """Every encoder construction and every forward batch shape (rows, longest) in the process."""
    built, shapes = [], []
    init, forward = Encoder.__init__, Encoder.forward

    def counting_init(self, *args, **kwargs):
        built.append(self)
        init(self, *args, **kwargs)

    def recording_forward(self, token_ids):
        shapes.append((len(token_ids), max(len(ids) for ids in token_ids)))
        return forward(self, token_ids)

    monkeypatch.setattr(Encoder, "__init__", counting_init)
    monkeypatch.setattr(Encoder, "forward", recording_forward)
    return built, shapes


def serve(tmp_path, **settings) -> TestClient:
    return TestClient(create_app(Settings(model=str(FIXTURES / "roformer_tf1"), data_dir=str(tmp_path), **settings)))


def test_max_batch_tokens_bounds_paraphrase_ranking(tmp_path, forwards):
    built, shapes = forwards
    with serve(tmp_path, warmup=False, max_batch_tokens=32, max_batch_size=8) as client:
        wait_ready(client)
        body = {"text": "今天天气怎么样", "n": 24, "k": 24, "max_length": 6, "seed": 1, "temperature": 3.0}
        response = client.post("/paraphrase", json=body)
        assert response.status_code == 200, response.text
        ranked = len(response.json()["result"])
    assert len(built) == 1, "more than one Encoder was built"
    assert ranked > 4  # the input and its candidates needed several 32-token batches
    assert len(shapes) > 1 and all(rows == 1 or padded_tokens(rows, longest) <= 32 for rows, longest in shapes)


def test_xla_encoder_is_traced_once_for_warm_up_encode_and_ranking(tmp_path, forwards):
    built, shapes = forwards
    with serve(tmp_path, xla=True, max_input_tokens=16, max_batch_size=4, max_batch_tokens=64) as client:
        wait_ready(client, timeout=120)
        encoder = client.app.state.service.model.encoder
        warm = {(bucket_rows(rows), bucket_length(longest)) for rows, longest in shapes}
        assert client.post("/encode", json={"texts": ["你好", "今天天气怎么样"]}).status_code == 200
        body = {"text": "明天会下雨吗", "n": 6, "k": 3, "max_length": 4, "seed": 2}
        assert client.post("/paraphrase", json=body).status_code == 200
        assert built == [encoder] and encoder.traces == 1
        assert {(1, 8), (1, 16), (2, 8), (4, 8)} <= warm  # each length bucket, each row bucket
        assert all(bucket_rows(rows) <= 4 for rows, _ in shapes)


def test_xla_decode_shapes_compile_in_the_background_and_metrics_count_them(tmp_path):
    """Warm-up queues the default request's decode shapes; /paraphrase answers meanwhile (on the
    traced loop), and the gauge falls to 0 once they are compiled."""
    with serve(tmp_path, xla=True, max_input_tokens=16, max_batch_size=4, max_batch_tokens=64) as client:
        wait_ready(client, timeout=120)
        model = client.app.state.service.model
        body = {"text": "明天会下雨吗", "n": 32, "k": 3, "max_length": 32, "seed": 2}
        assert client.post("/paraphrase", json=body).status_code == 200
        assert model.wait_for_compiles(timeout=300)
        assert model.decoder.compiles.compiled >= 12 and model.decoder.compiles.failed == 0  # 6 row buckets x 2 widths

        def gauge():
            return [line for line in client.get("/metrics").text.splitlines()
                    if line.startswith("simservice_xla_compiles_pending")]

        assert gauge() == ["simservice_xla_compiles_pending 0.0"]
        release = threading.Event()
        model.decoder.compiles._compile_shape = lambda shape: release.wait(30)  # a compile held open
        model.decoder.compiles.request((64, 8, 8))
        assert gauge() == ["simservice_xla_compiles_pending 1.0"]
        release.set()
        assert model.wait_for_compiles(timeout=30) and gauge() == ["simservice_xla_compiles_pending 0.0"]
