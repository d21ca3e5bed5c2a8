"""Backpressure: refuse past `max_concurrent_requests` at once (overloaded), and wait for a ticket
until it resolves, the caller goes away (work dropped before compute) or the deadline (timeout)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Awaitable, Callable

from simservice.service.engine.queue import timeout_error
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.engine.metrics import Metrics
from simservice.service.engine.tickets import Ticket


class Admission:
    """Counts model requests in flight; runs on the event loop, so a plain counter suffices."""

    def __init__(self, limit: int, metrics: Metrics):
        self.limit = limit
        self.in_flight = 0
        self.metrics = metrics

    @contextlib.contextmanager
    def slot(self):
        if self.in_flight >= self.limit:
            self.metrics.rejected.labels("overloaded").inc()
            raise ServiceError(ErrorKind.OVERLOADED, f"the server is busy ({self.limit} requests in flight): "
                               "retry after the Retry-After seconds", 1)
        self.in_flight += 1
        self.metrics.in_flight.set(self.in_flight)
        try:
            yield
        finally:
            self.in_flight -= 1
            self.metrics.in_flight.set(self.in_flight)


async def await_ticket(ticket: Ticket, disconnected: Callable[[], Awaitable[None]] | None, timeout: float,
                       metrics: Metrics) -> list:
    """The ticket's results; `disconnected()`, when given, returns once the caller has gone away."""
    watcher = asyncio.ensure_future(disconnected() if disconnected else asyncio.Event().wait())
    try:
        remaining = max(0.0, ticket.deadline - time.monotonic())
        done, _ = await asyncio.wait({ticket.future, watcher}, timeout=remaining,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if ticket.future in done:
        return ticket.future.result()
    ticket.abandon()
    if watcher in done:
        metrics.rejected.labels("disconnected").inc()
        raise ServiceError(ErrorKind.CLIENT_CLOSED, "the client closed the connection")
    metrics.rejected.labels("timeout").inc()
    raise timeout_error(timeout)
