"""The service's state and life: the model, the index and the engine; start-up on the worker
thread, readiness, and how a call's model work runs (through the batching queue, or at once).

Served (`queued=True`), the model is loaded and warmed on the worker thread that will own it;
until that ends, calls that need it raise NOT_READY with a retry. On the command line
(`queued=False`), the model is loaded on first use and its work runs on the caller's thread.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from typing import Any, Callable, Sequence

import anyio.to_thread

from simservice.index import DEFAULT, BackendUnavailable, CollectionFailed, CollectionManager
from simservice.inference.batching import length_sorted_batches
from simservice.inference.loaded_model import LoadedModel
from simservice.service.config import Caller, ServiceConfig
from simservice.service.engine.admission import Admission, await_ticket
from simservice.service.engine.background import Jobs
from simservice.service.engine.jobs import JobKind
from simservice.service.engine.metrics import Metrics
from simservice.service.engine.queue import BatchQueue
from simservice.service.engine.runner import ModelRunner
from simservice.service.errors import ErrorKind, ServiceError

log = logging.getLogger(__name__)
NO_GENERATOR = ("this model only encodes: it has no generator, so it cannot paraphrase; serve a RoFormer-Sim or "
                "SimBERT model for paraphrases (/v1/models lists what the served model can do)")


async def in_thread(call: Callable, *args) -> Any:
    """`call(*args)` on a worker thread, so a blocking index or tokenizer call does not hold the event loop."""
    return await anyio.to_thread.run_sync(functools.partial(call, *args))


class ServiceBase:
    def __init__(self, config: ServiceConfig, load_model: Callable[[], LoadedModel], *,
                 model: LoadedModel | None = None, index: CollectionManager | None = None,
                 open_index: Callable[[], CollectionManager] | None = None, queued: bool = True):
        """`model` and `index` may be given (tests, embedding apps); `model`'s batch limits must
        then be the config's (one encoder, one set of limits). Without them, `load_model` and
        `open_index` make them at start-up (queued) or on first use."""
        self.config = config
        self.limits = config.limits
        if queued and model is not None and model.limits != self.limits:
            raise ValueError(f"the model's batch limits {model.limits} are not the settings' {self.limits}: "
                             "load it with load_model(..., max_batch_rows=, max_batch_tokens=) to match")
        self.metrics = Metrics()
        self.queue: BatchQueue | None = None  # served: the engine; on the command line, none
        self.admission: Admission | None = None
        self.jobs: Jobs | None = None
        if queued:
            self.queue = BatchQueue(self.limits, config.max_batch_samples, config.request_timeout, self.metrics)
            self.admission = Admission(config.max_concurrent_requests, self.metrics)
            self.jobs = Jobs(self.queue, config.max_augment_jobs)
        self.index = index
        self.model: LoadedModel | None = None  # set once loaded (and, when queued, warmed)
        self.max_input_tokens = 0  # set with the model
        self.startup_error: str | None = None
        self._load_model = (lambda: model) if model is not None else load_model
        self._open_index = open_index
        self._owns_index = index is None
        if not queued and model is not None:
            self._set_model(model)

    @property
    def ready(self) -> bool:
        return self.model is not None

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the engine; its worker thread opens the index and loads and warms the model."""
        self.queue.start(self._startup)

    def stop(self) -> None:
        if self.jobs is not None:
            self.jobs.close()
        if self.queue is not None:
            self.queue.stop()
        if self._owns_index and self.index is not None:
            self.index.close()

    def _startup(self) -> ModelRunner:
        """On the worker thread: open the index, load, warm up, open the default collection, then report ready."""
        try:
            start = time.perf_counter()
            if self.index is None:
                self.index = self._while_unavailable(self._open_index)
            model = self._load_model()
            max_input_tokens = self._input_limit(model)
            if self.config.warmup:
                model.warm_up(max_input_tokens)
            try:
                self._while_unavailable(lambda: self.index.ensure(DEFAULT, model.dim))
            except CollectionFailed as exc:  # the other collections and the model still serve
                log.error("%s", exc)
            self.startup_error = None
            self._set_model(model)
            self.metrics.pending_compiles.set_function(model.pending_compiles)
            log.info("model %s (%s, %d layers, dim %d) ready in %.1f s; index %s", self.config.model_path,
                     model.config.architecture, model.config.num_layers, model.dim, time.perf_counter() - start,
                     self.config.index_label or self.index.backend)
            return ModelRunner(model, self.metrics)
        except Exception as exc:
            self.startup_error = f"{type(exc).__name__}: {exc}"
            raise

    def _while_unavailable(self, call):
        """`call()`, retried while the index backend is unreachable (reported by `not_ready` meanwhile)."""
        while True:
            try:
                return call()
            except BackendUnavailable as exc:
                self.startup_error = f"index unavailable, retrying: {exc}"
                log.warning("%s", self.startup_error)
                if self.queue.wait_stopping(2.0):
                    raise

    def _set_model(self, model: LoadedModel) -> None:
        self.max_input_tokens = self._input_limit(model)
        self.model = model

    def _input_limit(self, model: LoadedModel) -> int:
        """Tokens per text: the configured limit, never more than the tokenizer's length or the batch budget."""
        longest = model.tokenizer.max_length
        limit = min(self.config.max_input_tokens or longest, longest)
        return min(limit, model.limits.max_tokens)

    # -- what a call needs -----------------------------------------------------------------

    def require_ready(self) -> LoadedModel:
        """The model; NOT_READY while it loads (on the command line: loaded now)."""
        if self.model is None and self.queue is None:
            self._set_model(self._load_model())
        if self.model is None:
            raise self._not_ready("the model is loading and warming up")
        return self.model

    def require_generator(self) -> LoadedModel:
        """The model, if it can paraphrase; UNSUPPORTED for an embedding model."""
        model = self.require_ready()
        if not model.can_generate:
            raise ServiceError(ErrorKind.UNSUPPORTED, NO_GENERATOR)
        return model

    def require_index(self) -> CollectionManager:
        if self.index is None:
            raise self._not_ready("the index is opening")
        return self.index

    def _not_ready(self, meanwhile: str) -> ServiceError:
        reason = self.startup_error or meanwhile
        return ServiceError(ErrorKind.NOT_READY, f"not ready: {reason}; retry when /ready answers 200", 5)

    async def not_ready(self) -> str | None:
        """Why the service cannot serve yet (None once it can): warming up, failed, or the index away."""
        if not self.ready:
            return f"failed: {self.startup_error}" if self.startup_error else "warming up"
        try:
            index = self.require_index()
            await in_thread(index.check)
            return index.failed().get(DEFAULT)  # other collections that failed answer for themselves
        except BackendUnavailable as exc:
            return f"index unavailable: {exc}"

    def admit(self):
        """A slot among the calls in flight (OVERLOADED past the limit); none is needed on the command line."""
        return self.admission.slot() if self.admission is not None else contextlib.nullcontext()

    def require_jobs(self) -> Jobs:
        """The background jobs; UNSUPPORTED on the command line, which runs its work at once."""
        if self.jobs is None:
            raise ServiceError(ErrorKind.UNSUPPORTED, "background jobs run in a served service (simservice serve)")
        return self.jobs

    async def _run(self, kind: JobKind, payloads: Sequence[Any], lengths: Sequence[int], caller: Caller,
                   timeout: float | None = None) -> list:
        """The results of a call's units of model work, in order (CLIENT_CLOSED, TIMEOUT as the engine decides);
        `timeout`: how long they may wait in the queue, the request timeout unless given."""
        if self.queue is None:
            return _run_now(self.require_ready(), kind, payloads, lengths)
        timeout = self.config.request_timeout if timeout is None else timeout
        ticket = self.queue.submit(kind, payloads, lengths, timeout)
        try:
            return await await_ticket(ticket, caller.disconnected, timeout, self.metrics)
        finally:
            if caller.note_batch is not None:
                caller.note_batch(ticket.batch_size)


def _run_now(model: LoadedModel, kind: JobKind, payloads: Sequence[Any], lengths: Sequence[int]) -> list:
    """Model work on this thread: texts in batches within the model's limits, shortest first, as
    the encoder batches them; paraphrase jobs in one batch."""
    if not kind.encodes:
        return model.paraphrase_batch(payloads)
    out: list = [None] * len(payloads)
    for batch in length_sorted_batches(lengths, model.limits):
        for i, vector in zip(batch, model.embed([payloads[i] for i in batch])):
            out[i] = vector
    return out

