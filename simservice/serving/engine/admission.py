"""Backpressure: refuse past `max_concurrent_requests` at once (429), and wait for a ticket
until it resolves, the client disconnects (work dropped before compute) or the deadline (503)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from starlette.requests import Request

from simservice.serving.engine.queue import timeout_error
from simservice.serving.engine.errors import ErrorKind, ServiceError
from simservice.serving.engine.metrics import Metrics
from simservice.serving.engine.tickets import Ticket


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
                               "retry after the Retry-After seconds", {"Retry-After": "1"})
        self.in_flight += 1
        self.metrics.in_flight.set(self.in_flight)
        try:
            yield
        finally:
            self.in_flight -= 1
            self.metrics.in_flight.set(self.in_flight)


async def _disconnected(request: Request) -> None:
    """Returns when the client goes away (the body has been read, so only that message is left)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def await_ticket(ticket: Ticket, request: Request, timeout: float, metrics: Metrics) -> list:
    watcher = asyncio.ensure_future(_disconnected(request))
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
