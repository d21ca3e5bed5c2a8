"""The gRPC channel under pymilvus: every RPC bounded by the timeout, one attempt per call.

pymilvus 2.3.7 retries a failed RPC up to 75 times, 3 s apart, and honours only whole-second
timeouts; its register call at connect passes none at all. Against a lost or not-ready
server that held a request for minutes. Here each call of the index layer (an operation,
however many RPCs pymilvus makes for it) has a time budget: every RPC gets the time left,
never more than the timeout, and once one RPC of the operation has failed (or was rate
limited) or the budget is spent, the next is refused at once with DEADLINE_EXCEEDED, which
pymilvus never retries.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import grpc
from pymilvus.grpc_gen import common_pb2

DEFAULT_PORT = 19530
RATE_LIMIT_CODE = 8  # merr.ErrServiceRateLimit
# as pymilvus 2.3.7 opens its channel (GrpcHandler._setup_grpc_channel)
OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1),
           ("grpc.enable_retries", 1), ("grpc.keepalive_time_ms", 55000)]


class GaveUp(grpc.RpcError, grpc.Call, grpc.Future):
    """An RPC not sent: its operation already failed or ran out of time. Also a finished
    call, as gRPC's own failed calls are (an outer interceptor takes it for one)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self._why = why

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.DEADLINE_EXCEEDED

    def details(self) -> str:
        return self._why

    def initial_metadata(self):
        return None

    def trailing_metadata(self):
        return None

    def is_active(self) -> bool:
        return False

    def time_remaining(self):
        return 0.0

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def running(self) -> bool:
        return False

    def done(self) -> bool:
        return True

    def result(self, timeout=None):
        raise self

    def exception(self, timeout=None):
        return self

    def traceback(self, timeout=None):
        return None

    def add_done_callback(self, fn) -> None:
        fn(self)


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds
        self.last: grpc.Call | None = None


class Deadlines:
    """The time budget of the operation running on each thread, and the cap of one RPC."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()

    @contextlib.contextmanager
    def operation(self, seconds: float) -> Iterator[None]:
        """Bound the RPCs of the enclosed pymilvus calls by `seconds` together (a nested
        operation has its own budget, the outer one's resumes after it)."""
        outer = getattr(self._local, "budget", None)
        self._local.budget = _Budget(seconds)
        try:
            yield
        finally:
            self._local.budget = outer

    def rpc_timeout(self, requested: float | None) -> tuple[float, _Budget]:
        """The timeout of the next RPC, or GaveUp; outside any operation, an RPC of its own."""
        budget = getattr(self._local, "budget", None) or _Budget(self.timeout)
        if budget.last is not None and (why := _refused(budget.last)):
            raise GaveUp(f"gave up after one attempt: {why}")
        left = budget.until - time.monotonic()
        if left <= 0:
            raise GaveUp(f"no answer within the {self.timeout:g} s timeout")
        return min(left, self.timeout, math.inf if requested is None else requested), budget


def _refused(call: grpc.Call) -> str | None:
    """Why a finished RPC failed (a gRPC error, or Milvus's rate limit), None if it did not."""
    if not call.done():
        return None
    code = call.code()
    if code != grpc.StatusCode.OK:
        return f"{code.name}: {call.details()}"
    answer = call.result()
    status = answer if isinstance(answer, common_pb2.Status) else getattr(answer, "status", None)
    if isinstance(status, common_pb2.Status) and (
            status.code == RATE_LIMIT_CODE or status.error_code == common_pb2.RateLimit):
        return f"rate limited: {status.reason}"
    return None


class _Details(grpc.ClientCallDetails):
    def __init__(self, details: grpc.ClientCallDetails, timeout: float) -> None:
        self.method, self.metadata, self.credentials = details.method, details.metadata, details.credentials
        self.wait_for_ready, self.compression = details.wait_for_ready, details.compression
        self.timeout = timeout


class _Bound(grpc.UnaryUnaryClientInterceptor):
    def __init__(self, deadlines: Deadlines) -> None:
        self._deadlines = deadlines

    def intercept_unary_unary(self, continuation, client_call_details, request):
        timeout, budget = self._deadlines.rpc_timeout(client_call_details.timeout)
        call = continuation(_Details(client_call_details, timeout), request)
        budget.last = call
        return call


class BoundedChannel(grpc.Channel):
    """A channel to the server of `uri` whose RPCs obey `deadlines`; pymilvus builds its own
    interceptors (credentials, database) on top of it."""

    def __init__(self, uri: str, deadlines: Deadlines) -> None:
        address, secure = server_address(uri)
        if secure:
            self._raw = grpc.secure_channel(address, grpc.ssl_channel_credentials(), options=OPTIONS)
        else:
            self._raw = grpc.insecure_channel(address, options=OPTIONS)
        self._channel = grpc.intercept_channel(self._raw, _Bound(deadlines))

    def subscribe(self, callback, try_to_connect=False):
        self._raw.subscribe(callback, try_to_connect=try_to_connect)

    def unsubscribe(self, callback):
        self._raw.unsubscribe(callback)

    def unary_unary(self, *args, **kwargs):
        return self._channel.unary_unary(*args, **kwargs)

    def unary_stream(self, *args, **kwargs):
        return self._channel.unary_stream(*args, **kwargs)

    def stream_unary(self, *args, **kwargs):
        return self._channel.stream_unary(*args, **kwargs)

    def stream_stream(self, *args, **kwargs):
        return self._channel.stream_stream(*args, **kwargs)

    def close(self):
        self._raw.close()

    def __deepcopy__(self, memo):
        return self  # pymilvus deep-copies its connection arguments; a channel is not copied

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def server_address(uri: str) -> tuple[str, bool]:
    """host:port and whether TLS is on, read from the URI as pymilvus reads it."""
    parsed = urlparse(uri)
    if not parsed.netloc:
        raise ValueError(f"Milvus URI {uri!r} is not of the form http[s]://host[:port]")
    secure = parsed.scheme == "https"
    port = parsed.port or (443 if secure else DEFAULT_PORT)
    return f"{parsed.hostname or 'localhost'}:{port}", secure
