"""The wiring: settings, the engine (admission, queue, runner), the index, and readiness.

The model is loaded and warmed on the worker thread that will own it; until that ends,
/ready answers 503 and model routes answer 503 with Retry-After. The index backend is
opened here, in one place, from the settings' index URL.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Sequence

from starlette.requests import Request

from simservice.index import DEFAULT, BackendUnavailable, CollectionFailed, CollectionManager, registry
from simservice.inference.batching import BatchLimits
from simservice.inference.engine import InferenceEngine
from simservice.serving.engine.admission import Admission, await_ticket
from simservice.serving.engine.background import AugmentJobs
from simservice.serving.engine.errors import ErrorKind, ServiceError
from simservice.serving.engine.jobs import JobKind
from simservice.serving.engine.metrics import Metrics
from simservice.serving.engine.queue import BatchQueue
from simservice.serving.engine.runner import ModelRunner
from simservice.serving.settings import Settings

log = logging.getLogger(__name__)


class ServiceState:
    def __init__(self, settings: Settings, model: InferenceEngine | None = None,
                 index: CollectionManager | None = None):
        """`model` and `index` may be given (tests, embedding apps); `model`'s batch limits must
        then be the settings' (one encoder, one set of limits). Without `index`, the backend's
        client library must import: BackendNotInstalled now, not a service never ready."""
        if index is None:
            registry.require_client(settings.index_url().backend)
        self.settings = settings
        self.limits = BatchLimits(settings.max_batch_size, settings.max_batch_tokens)
        if model is not None and model.limits != self.limits:
            raise ValueError(f"the model's batch limits {model.limits} are not the settings' {self.limits}: "
                             "load it with load_model(..., max_batch_rows=, max_batch_tokens=) to match")
        self.metrics = Metrics()
        self.queue = BatchQueue(self.limits, settings.max_batch_samples, settings.request_timeout, self.metrics)
        self.admission = Admission(settings.max_concurrent_requests, self.metrics)
        self.jobs = AugmentJobs(self.queue, settings.max_augment_jobs)
        self.index = index
        self.model: InferenceEngine | None = None  # set once loaded and warmed
        self.max_input_tokens = 0  # set with the model
        self.startup_error: str | None = None
        self._given_model = model
        self._owns_index = index is None

    @property
    def ready(self) -> bool:
        return self.model is not None

    def start(self) -> None:
        self.queue.start(self._startup)

    def stop(self) -> None:
        self.jobs.close()
        self.queue.stop()
        if self._owns_index and self.index is not None:
            self.index.close()

    def _startup(self) -> ModelRunner:
        """On the worker thread: open the index, load, warm up, open the default collection, then report ready."""
        try:
            start = time.perf_counter()
            if self.index is None:
                self.index = self._while_unavailable(lambda: open_index(self.settings))
            model = self._given_model or self._load()
            max_input_tokens = self._input_limit(model)
            if self.settings.warmup:
                model.warm_up(max_input_tokens)
            try:
                self._while_unavailable(lambda: self.index.ensure(DEFAULT, model.dim))
            except CollectionFailed as exc:  # the other collections and the model routes still serve
                log.error("%s", exc)
            self.max_input_tokens = max_input_tokens
            self.startup_error = None
            self.model = model
            self.metrics.pending_compiles.set_function(model.pending_compiles)
            log.info("model %s (%s, %d layers, dim %d) ready in %.1f s; index %s", self.settings.model,
                     model.config.architecture, model.config.num_layers, model.dim, time.perf_counter() - start,
                     self.settings.index_url().shown)
            return ModelRunner(model, self.metrics)
        except Exception as exc:
            self.startup_error = f"{type(exc).__name__}: {exc}"
            raise

    def _while_unavailable(self, call):
        """`call()`, retried while the index backend is unreachable (reported by /ready meanwhile)."""
        while True:
            try:
                return call()
            except BackendUnavailable as exc:
                self.startup_error = f"index unavailable, retrying: {exc}"
                log.warning("%s", self.startup_error)
                if self.queue.wait_stopping(2.0):
                    raise

    def require_index(self) -> CollectionManager:
        if self.index is None:
            raise self._not_ready("the index is opening")
        return self.index

    def _load(self) -> InferenceEngine:
        from simservice import load_model

        return load_model(self.settings.model, max_batch_rows=self.limits.max_rows,
                          max_batch_tokens=self.limits.max_tokens, jit_compile=self.settings.xla,
                          precision=self.settings.precision, family=self.settings.family,
                          pooling=self.settings.pooling)

    def _input_limit(self, model: InferenceEngine) -> int:
        """Tokens per text: the setting, never more than the tokenizer's length or the batch budget."""
        longest = model.tokenizer.max_length
        limit = min(self.settings.max_input_tokens or longest, longest)
        return min(limit, self.limits.max_tokens)

    def require_ready(self) -> InferenceEngine:
        if self.model is None:
            raise self._not_ready("the model is loading and warming up")
        return self.model

    def _not_ready(self, meanwhile: str) -> ServiceError:
        reason = self.startup_error or meanwhile
        return ServiceError(ErrorKind.NOT_READY, f"not ready: {reason}; retry when /ready answers 200",
                            {"Retry-After": "5"})

    async def run(self, request: Request, kind: JobKind, payloads: Sequence[Any], lengths: Sequence[int]) -> list:
        """Queue a request's units and wait for their results (499, 503 as admission decides); the
        route's door has admitted the request (429) before its body was parsed."""
        ticket = self.queue.submit(kind, payloads, lengths)
        try:
            return await await_ticket(ticket, request, self.settings.request_timeout, self.metrics)
        finally:
            request.state.batch_size = ticket.batch_size  # for the request log


def open_index(settings: Settings) -> CollectionManager:
    """The collection manager the settings' index URL names (the one place it is opened)."""
    return registry.open_index(settings.index_url())
