"""Runs the batches the queue formed on the model (worker thread only), exactly as formed."""

from __future__ import annotations

import logging
import time

from simservice.inference.batching import padded_tokens
from simservice.inference.loaded_model import LoadedModel
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.engine.jobs import JobKind
from simservice.service.engine.metrics import Metrics
from simservice.service.engine.tickets import Unit

log = logging.getLogger(__name__)


class ModelRunner:
    """One queue batch of encode units is one `embed` call; one of paraphrase units, one
    `paraphrase_batch` call (whose ranking runs through the same encoder and limits)."""

    def __init__(self, model: LoadedModel, metrics: Metrics):
        self.model = model
        self.metrics = metrics

    def __call__(self, kind: JobKind, units: list[Unit]) -> None:
        start = time.perf_counter()
        for unit in units:  # for the request log: the largest batch each request's units ran in
            unit.ticket.batch_size = max(unit.ticket.batch_size, len(units))
        if kind.encodes:
            self._encode(kind, units)
        else:
            self._paraphrase(units)
        self.metrics.batch_seconds.labels(kind.value).observe(time.perf_counter() - start)
        self.metrics.batch_size.labels(kind.value).observe(len(units))

    def _encode(self, kind: JobKind, units: list[Unit]) -> None:
        self.metrics.batch_tokens.labels(kind.value).observe(padded_tokens(len(units), max(u.length for u in units)))
        try:
            vectors = self.model.embed([u.payload for u in units])
        except Exception as exc:
            log.exception("encoder batch failed")
            for unit in units:
                unit.ticket.fail(ServiceError(ErrorKind.INTERNAL, f"encoding failed: {exc}"))
            return
        for unit, vector in zip(units, vectors):
            unit.ticket.fill(unit.row, vector)

    def _paraphrase(self, units: list[Unit]) -> None:
        self.metrics.batch_tokens.labels(units[0].kind.value).observe(sum(u.length for u in units))
        try:
            results = self.model.paraphrase_batch([u.payload for u in units])
        except Exception:
            if len(units) > 1:  # one bad job must not fail the others: run them one by one
                for unit in units:
                    self._paraphrase([unit])
                return
            log.exception("paraphrase job failed")
            units[0].ticket.fail(ServiceError(ErrorKind.INTERNAL, "paraphrase failed; see the server log"))
            return
        for unit, result in zip(units, results):
            self.metrics.generation_tokens.inc(result.generated_tokens)
            self.metrics.paraphrases.inc(len(result.paraphrases))
            unit.ticket.fill(unit.row, result)
