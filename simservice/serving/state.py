"""What the routes share: settings, the queue, the index, and whether the model is ready.

The model is loaded and warmed on the worker thread that will own it; until that ends,
/ready answers 503 and model routes answer 503 with Retry-After.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Sequence

from simservice.index import DEFAULT, CollectionManager, MilvusOptions, open_collections
from simservice.serving.admission import Admission, await_ticket
from simservice.serving.batch_queue import BatchQueue
from simservice.serving.errors import ErrorKind, ServiceError
from simservice.serving.metrics import Metrics
from simservice.serving.runner import ModelRunner
from simservice.serving.settings import Settings

log = logging.getLogger(__name__)


class ServiceState:
    def __init__(self, settings: Settings, pipeline=None, index: CollectionManager | None = None):
        self.settings = settings
        self.metrics = Metrics()
        self.queue = BatchQueue(settings.max_batch_size, settings.max_batch_tokens, settings.max_batch_samples,
                                settings.request_timeout, self.metrics)
        self.admission = Admission(settings.max_concurrent_requests, self.metrics)
        self.index = index
        self.pipeline = None  # set once loaded and warmed
        self.startup_error: str | None = None
        self._given_pipeline = pipeline
        self._owns_index = index is None

    @property
    def ready(self) -> bool:
        return self.pipeline is not None

    def start(self) -> None:
        if self.index is None:
            self.index = open_index(self.settings)
        self.queue.start(self._startup)

    def stop(self) -> None:
        self.queue.stop()
        if self._owns_index and self.index is not None:
            self.index.close()

    def _startup(self) -> ModelRunner:
        """On the worker thread: load, warm up, open the default collection, then report ready."""
        try:
            start = time.perf_counter()
            pipeline = self._given_pipeline
            if pipeline is None:
                from simservice import load_model

                pipeline = load_model(self.settings.model, jit_compile=self.settings.xla,
                                      precision=self.settings.precision)
            runner = ModelRunner(pipeline, self.settings.max_batch_size, self.settings.max_batch_tokens,
                                 self.metrics)
            self.max_input_tokens = self._input_limit(pipeline)
            if self.settings.warmup:
                runner.warm_up(self.max_input_tokens)
            self.index.ensure(DEFAULT, pipeline.dim)
            self.pipeline = pipeline
            log.info("ready in %.1f s (dim %d)", time.perf_counter() - start, pipeline.dim)
            return runner
        except Exception as exc:
            self.startup_error = f"{type(exc).__name__}: {exc}"
            raise

    def _input_limit(self, pipeline) -> int:
        """Tokens per text: the setting, never more than the tokenizer's length or the batch budget."""
        limit = min(self.settings.max_input_tokens or pipeline.tokenizer.max_length, pipeline.tokenizer.max_length)
        return min(limit, self.settings.max_batch_tokens)

    def require_ready(self):
        if self.pipeline is None:
            reason = self.startup_error or "the model is loading and warming up"
            raise ServiceError(ErrorKind.NOT_READY, f"not ready: {reason}; retry when /ready answers 200",
                               {"Retry-After": "5"})
        return self.pipeline

    async def run(self, request, kind: str, payloads: Sequence[Any], lengths: Sequence[int]) -> list:
        """Queue a request's units and wait for their results (429, 499, 503 as admission decides)."""
        with self.admission.slot():
            ticket = self.queue.submit(kind, payloads, lengths)
            return await await_ticket(ticket, request, self.settings.request_timeout, self.metrics)


def open_index(settings: Settings) -> CollectionManager:
    """The collection manager of the configured backend (the one place it is chosen)."""
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    milvus = MilvusOptions(settings.milvus_uri, token, settings.milvus_prefix, settings.milvus_timeout)
    return open_collections(settings.index_backend, data_dir=settings.data_dir, milvus=milvus)
