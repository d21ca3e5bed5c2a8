"""Runs batches on the model (worker thread only): encoder forwards and paraphrase_batch calls."""

from __future__ import annotations

import logging
import time

from simservice.inference.encoder import Encoder
from simservice.inference.paraphrase import ParaphraseJob
from simservice.serving.batch_selection import padded_tokens
from simservice.serving.errors import ErrorKind, ServiceError
from simservice.serving.metrics import Metrics
from simservice.serving.tickets import Unit

log = logging.getLogger(__name__)


class ModelRunner:
    """Owns an encoder sized to the queue's batches, so one queue batch is one forward pass."""

    def __init__(self, pipeline, max_batch_size: int, max_batch_tokens: int, metrics: Metrics):
        self.pipeline = pipeline
        self.metrics = metrics
        self.encoder = Encoder(pipeline.model, pipeline.tokenizer, max_batch_rows=max_batch_size,
                               max_batch_tokens=max_batch_tokens, jit_compile=pipeline.encoder.jit_compile)

    def __call__(self, kind: str, units: list[Unit]) -> None:
        start = time.perf_counter()
        if kind == "encode":
            self._encode(units)
        else:
            self._paraphrase(units)
        self.metrics.batch_seconds.labels(kind).observe(time.perf_counter() - start)
        self.metrics.batch_size.labels(kind).observe(len(units))

    def _encode(self, units: list[Unit]) -> None:
        self.metrics.batch_tokens.labels("encode").observe(padded_tokens(len(units), max(u.length for u in units)))
        try:
            vectors = self.encoder.encode_ids([u.payload for u in units], normalize=False)
        except Exception as exc:
            log.exception("encoder batch failed")
            for unit in units:
                unit.ticket.fail(ServiceError(ErrorKind.INTERNAL, f"encoding failed: {exc}"))
            return
        for unit, vector in zip(units, vectors):
            unit.ticket.fill(unit.row, vector)

    def _paraphrase(self, units: list[Unit]) -> None:
        jobs: list[ParaphraseJob] = [u.payload for u in units]
        self.metrics.batch_tokens.labels("paraphrase").observe(sum(u.length for u in units))
        before = self.pipeline.decoder.tokens_generated
        try:
            results = self.pipeline.paraphrase_batch(jobs)
            self.metrics.generation_tokens.inc(self.pipeline.decoder.tokens_generated - before)
        except Exception:
            if len(units) > 1:  # one bad job must not fail the others: run them one by one
                for unit in units:
                    self._paraphrase([unit])
                return
            log.exception("paraphrase job failed")
            units[0].ticket.fail(ServiceError(ErrorKind.INTERNAL, "paraphrase failed; see the server log"))
            return
        for unit, result in zip(units, results):
            self.metrics.paraphrases.inc(len(result))
            unit.ticket.fill(unit.row, result)

    def warm_up(self, max_tokens: int) -> None:
        """Run the encoder at every length bucket and a full batch, and one short paraphrase,
        so the first requests do not pay for tracing."""
        tok = self.pipeline.tokenizer
        filler_id = tok.unk_id
        for length in range(8, max_tokens + 8, 8):
            length = min(length, max_tokens)
            ids = [tok.cls_id, *[filler_id] * (length - 2), tok.sep_id]
            self.encoder.encode_ids([ids])
        rows = max(1, min(self.encoder.max_batch_rows, self.encoder.max_batch_tokens // max(8, max_tokens)))
        self.encoder.encode_ids([[tok.cls_id, filler_id, tok.sep_id]] * rows)
        self.pipeline.paraphrase_batch([ParaphraseJob("warm up", n=2, k=1, max_length=2, seed=0)])
