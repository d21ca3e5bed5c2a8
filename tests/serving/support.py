"""Helpers shared by the service tests (imported by them; this module holds no tests).

`running_app` starts the real app in a TestClient around an already loaded pipeline, so
tests do not reload the model; `GatedPipeline` lets a test hold the worker thread.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time

from fastapi.testclient import TestClient

from simservice.serving import Settings, create_app


class GatedPipeline:
    """A pipeline whose paraphrase_batch and warm_up wait for `gate`, so a test can keep the worker busy."""

    def __init__(self, inner, open_gate: bool = True):
        self.inner = inner
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.batches: list[int] = []
        self.texts: list[list[str]] = []  # the input texts of each paraphrase batch, in run order
        if open_gate:
            self.gate.set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def paraphrase_batch(self, jobs):
        self._pass_gate()
        self.batches.append(len(jobs))
        self.texts.append([job.text for job in jobs])
        return self.inner.paraphrase_batch(jobs)

    def warm_up(self, max_tokens):
        self._pass_gate()
        self.inner.warm_up(max_tokens)

    def _pass_gate(self):
        self.entered.set()
        assert self.gate.wait(30), "test gate never opened"


def wait_ready(client: TestClient, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, client.get("/ready").json()
        time.sleep(0.02)


@contextlib.contextmanager
def running_app(pipeline, data_dir, wait: bool = True, index=None, **settings):
    settings.setdefault("warmup", False)
    app = create_app(Settings(data_dir=str(data_dir), **settings), pipeline=pipeline, index=index)
    with TestClient(app) as client:
        if wait:
            wait_ready(client)
        yield client


def metric(client: TestClient, name: str, **labels) -> float:
    """The value of one sample of the /metrics text (0 when absent)."""
    text = client.get("/metrics").text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name and ",".join(sorted((match[2] or "").split(","))) == wanted:
            return float(match[3])
    return 0.0


def assert_error(response, status: int, *words: str) -> dict:
    """The common error body, with the status and words expected in its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_type"}, body
    for word in words:
        assert word in body["error"], body
    return body
