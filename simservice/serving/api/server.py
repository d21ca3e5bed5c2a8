"""Slow and idle clients cut off: uvicorn's options (keep-alive, connection limit) plus what it
lacks, a deadline for the request head (idle or trickled headers: the connection is closed),
one for the body (a trickled body: 408) and one for a client that stops reading the response
(dropped), and the connection limit's 503 in the service's JSON error body. `run_server` is what
`simservice serve` runs."""

from __future__ import annotations

import asyncio
import functools
import socket
import struct
import time

import uvicorn
from starlette.exceptions import HTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

from simservice.serving.api.error_handlers import door_error_response
from simservice.service.errors import ErrorKind
from simservice.serving.api.status_codes import ApiError
from simservice.serving.settings import Settings


class HeadDeadlineH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that has not sent a whole request head
    within `header_timeout` seconds of connecting or of its last response, dropping one whose
    client stopped reading for `send_timeout` seconds, and answering past the connection limit
    with the service's JSON error rather than uvicorn's plain text."""

    header_timeout = 10.0  # set per server by `server_config`
    send_timeout = 30.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn's own check would answer first, in plain text: the limit is applied in `_limited`.
        self.connection_limit, self.limit_concurrency = self.limit_concurrency, None
        if self.connection_limit is not None:
            self.app = functools.partial(self._limited, self.app)

    async def _limited(self, app, scope, receive, send) -> None:
        """uvicorn's rule (open connections or running requests at the limit: 503); this request's
        own task is already among the running ones. /health is exempt: a crowded server is alive."""
        limit = self.connection_limit
        crowded = len(self.connections) >= limit or len(self.tasks) > limit
        if crowded and scope.get("path") != "/health":
            self.logger.warning("Exceeded concurrency limit.")
            error = ApiError(ErrorKind.BUSY, f"the server has {limit} connections or requests open "
                                                 "(--max-connections): retry shortly",
                                 {"Retry-After": "1", "Connection": "close"})
            return await door_error_response(scope, error)(scope, receive, send)
        await app(scope, receive, send)

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since: float | None = time.monotonic()
        self._seen_cycle = None
        self._timer = self.loop.call_later(self.header_timeout, self._check_head)
        self._stalled: asyncio.TimerHandle | None = None  # while the send buffer is full

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and self.cycle is not self._seen_cycle:  # a whole head arrived
            self._seen_cycle, self._waiting_since = self.cycle, None

    def on_response_complete(self) -> None:
        self._waiting_since = time.monotonic()
        super().on_response_complete()
        if self.cycle is not self._seen_cycle:  # a pipelined request already started
            self._seen_cycle, self._waiting_since = self.cycle, None

    def pause_writing(self) -> None:
        """The send buffer is full (uvicorn's sends now wait for the client): past `send_timeout`
        without it draining, the connection is dropped."""
        super().pause_writing()
        self._stalled = self.loop.call_later(self.send_timeout, self._drop)

    def _drop(self) -> None:
        """Reset the connection, so neither this process nor the kernel keeps its unsent output."""
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

    def resume_writing(self) -> None:
        if self._stalled:
            self._stalled.cancel()
        super().resume_writing()

    def connection_lost(self, exc) -> None:
        self._timer.cancel()
        if self._stalled:
            self._stalled.cancel()
        super().connection_lost(exc)
        self.flow.resume_writing()  # a send waiting for the buffer to drain returns (to a closed connection)

    def _check_head(self) -> None:
        if self.transport.is_closing():
            return
        waited = None if self._waiting_since is None else time.monotonic() - self._waiting_since
        if waited is not None and waited >= self.header_timeout:
            self.transport.close()
            return
        left = self.header_timeout - (waited or 0.0)
        self._timer = self.loop.call_later(max(left, 0.05), self._check_head)


class BodyDeadline:
    """ASGI middleware: a request body must arrive whole within `timeout` seconds (408 past it)."""

    def __init__(self, app, timeout: float):
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        deadline = None
        complete = False

        async def timed_receive():
            nonlocal deadline, complete
            if complete:  # the body is in; later receives wait for a disconnect, unbounded
                return await receive()
            deadline = deadline or time.monotonic() + self.timeout
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0.0))
            except asyncio.TimeoutError:
                raise HTTPException(408, f"the request body did not arrive within {self.timeout:g} s: "
                                         "send it whole and without pauses") from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed_receive, send)


def server_config(app, settings: Settings, log_level: str = "info", **options) -> uvicorn.Config:
    """The uvicorn configuration of the service: its address, timeouts and connection limit."""
    protocol = type("Guarded", (HeadDeadlineH11,), {"header_timeout": settings.header_timeout,
                                                    "send_timeout": settings.send_timeout})
    return uvicorn.Config(BodyDeadline(app, settings.body_timeout), host=settings.host, port=settings.port,
                          http=protocol, log_level=log_level, timeout_keep_alive=settings.keep_alive_timeout,
                          limit_concurrency=settings.max_connections, timeout_graceful_shutdown=10,
                          access_log=False, log_config=None, **options)  # requests: request_log.py


def run_server(app, settings: Settings, log_level: str = "info") -> None:
    """Serve `app` under uvicorn with the service's configuration until the process is told to stop."""
    uvicorn.Server(server_config(app, settings, log_level)).run()
