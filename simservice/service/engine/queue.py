"""The batching queue: handlers submit units; a batcher thread forms the next batch while a
single worker thread, which owns the model, runs the current one.

Units whose request was abandoned (client gone) or has waited past its deadline are dropped
when a batch is formed and again just before compute, so no model time is spent on them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import threading
import time
from typing import Any, Callable, Sequence

from simservice.inference.batching import BatchLimits
from simservice.service.engine.jobs import JobKind
from simservice.service.engine.packing import pick_encode_batch, pick_paraphrase_batch
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.engine.metrics import Metrics
from simservice.service.engine.tickets import Ticket, Unit

log = logging.getLogger(__name__)


def timeout_error(seconds: float) -> ServiceError:
    return ServiceError(ErrorKind.TIMEOUT, f"the request waited more than {seconds:g} s for the model: "
                        "retry later or send fewer texts", 1)


class BatchQueue:
    def __init__(self, limits: BatchLimits, max_batch_samples: int, request_timeout: float, metrics: Metrics):
        """`limits` bound an encoder batch (the encoder's own limits, so a batch formed here is
        one forward pass) and, in rows, a paraphrase batch's jobs; `max_batch_samples` its samples."""
        self.limits = limits
        self.max_batch_samples = max_batch_samples
        self.request_timeout = request_timeout
        self.metrics = metrics
        self._waiting: dict[JobKind, list[Unit]] = {kind: [] for kind in JobKind}
        self._cond = threading.Condition()
        self._ready_batches: queue.Queue = queue.Queue(maxsize=1)  # the one batch prepared ahead
        self._seq = itertools.count()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    # -- event loop side -------------------------------------------------------------------

    def submit(self, kind: JobKind, payloads: Sequence[Any], lengths: Sequence[int],
               timeout: float | None = None) -> Ticket:
        """Queue one request's units; the ticket resolves to their results in order, or fails
        once it has waited `timeout` seconds (default: the request timeout)."""
        deadline = time.monotonic() + (self.request_timeout if timeout is None else timeout)
        ticket = Ticket(asyncio.get_running_loop(), len(payloads), deadline)
        with self._cond:
            for row, (payload, length) in enumerate(zip(payloads, lengths)):
                self._waiting[kind].append(Unit(kind, ticket, row, payload, length, next(self._seq)))
            self.metrics.queue_size.labels(kind.value).set(len(self._waiting[kind]))
            self._cond.notify()
        return ticket

    # -- threads ---------------------------------------------------------------------------

    def start(self, startup: Callable[[], Callable[[JobKind, list[Unit]], None]]) -> None:
        """Start the threads; `startup` runs first on the worker thread (load, warm up) and
        returns the function that runs one batch."""
        self._threads = [
            threading.Thread(target=self._form_batches, name="simservice-batcher", daemon=True),
            threading.Thread(target=self._work, args=(startup,), name="simservice-worker", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def wait_stopping(self, seconds: float) -> bool:
        """Sleep up to `seconds` (on a worker's retry loop); True once stop() was called."""
        with self._cond:
            if not self._stopping:
                self._cond.wait(seconds)
            return self._stopping

    def _form_batches(self) -> None:
        """Form the next batch once the prepared slot is free, as late as possible, so it holds
        what arrived meanwhile (live units before background ones)."""
        while True:
            with self._cond:
                while self._ready_batches.full() and not self._stopping:
                    self._cond.wait()
                batch = self._next_batch()
                while batch is None and not self._stopping:
                    self._cond.wait()
                    batch = self._next_batch()
                if self._stopping:
                    return
                self._ready_batches.put_nowait(batch)  # the only producer: the slot is free

    def _next_batch(self) -> tuple[JobKind, list[Unit]] | None:
        """Called under the lock: drop dead units, pick the kind of the oldest unit, take a batch.
        Live kinds go first: a background kind runs only when no live unit waits."""
        now = time.monotonic()
        for kind, units in self._waiting.items():
            live = []
            for unit in units:
                if not unit.ticket.done and unit.ticket.expired(now):
                    unit.ticket.fail(timeout_error(self.request_timeout))
                if not unit.ticket.done:
                    live.append(unit)
            self._waiting[kind] = live
        heads = [(kind.background, units[0].seq, kind) for kind, units in self._waiting.items() if units]
        if not heads:
            self._update_sizes()
            return None
        kind = min(heads)[2]
        return kind, self._take(kind, [])

    def _take(self, kind: JobKind, taken: list[Unit]) -> list[Unit]:
        """Under the lock: `taken` plus the waiting units of `kind` that fit with it."""
        waiting = self._waiting[kind]
        if kind.encodes:
            added = pick_encode_batch(waiting, self.limits, taken)
        else:
            added = pick_paraphrase_batch(waiting, self.limits.max_rows, self.max_batch_samples, taken)
        chosen = set(map(id, added))
        self._waiting[kind] = [u for u in waiting if id(u) not in chosen]
        self._update_sizes()
        return taken + added

    def _top_up(self, kind: JobKind, units: list[Unit]) -> list[Unit]:
        """The prepared batch, filled with what arrived while the previous batch ran."""
        with self._cond:
            self._waiting[kind] = [u for u in self._waiting[kind] if not u.ticket.done]
            return self._take(kind, units)

    def _update_sizes(self) -> None:
        for kind, units in self._waiting.items():
            self.metrics.queue_size.labels(kind.value).set(len(units))

    def _work(self, startup) -> None:
        try:
            run_batch = startup()
        except Exception:  # reported by the service (not_ready); the threads stay so stop() is uniform
            log.exception("startup failed")
            return
        while not self._stopping:
            try:
                item = self._ready_batches.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                return
            with self._cond:
                self._cond.notify_all()  # the prepared slot is free again
            kind, units = item
            live = self._top_up(kind, [u for u in units if not u.ticket.done])  # last check before compute
            if not live:
                continue
            try:
                run_batch(kind, live)
            except Exception as exc:  # the runner answers model errors itself; this is a bug
                log.exception("batch failed")
                for unit in live:
                    unit.ticket.fail(ServiceError(ErrorKind.INTERNAL, f"batch failed: {exc}"))
