"""The connection to one Milvus server, and its errors in the index layer's terms.

Every call is one attempt bounded by `timeout` (pymilvus otherwise retries an unreachable
server 75 times, minutes). Unreachable or slow -> BackendUnavailable (503); a collection
that vanished -> CollectionNotFound (404); anything else -> IndexStoreError. After a failure
the gRPC channel may sit in reconnect back-off for up to two minutes, so the next call
reconnects first (at most once a second, one thread at a time; the others fail fast).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterator

import grpc
from pymilvus import connections
from pymilvus.exceptions import ErrorCode, MilvusException

from .backends import MilvusOptions
from .errors import BackendUnavailable, CollectionNotFound, IndexStoreError

log = logging.getLogger(__name__)

RECONNECT_INTERVAL = 1.0
_UNAVAILABLE_CODES = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                      grpc.StatusCode.CANCELLED, grpc.StatusCode.RESOURCE_EXHAUSTED}
_UNAVAILABLE_WORDS = ("unavailable", "deadline", "retry timeout", "fail connecting", "failed to connect",
                      "connection refused", "socket closed", "rate limit", "quota", "not healthy",
                      "timeout", "shutting down", "connect first")
_MISSING_WORDS = ("collection not found", "can't find collection", "not exist")


class MilvusLink:
    """One pymilvus connection (a private alias) that heals itself after Milvus comes back."""

    def __init__(self, options: MilvusOptions) -> None:
        self.options = options
        self.alias = f"simservice-{uuid.uuid4().hex}"
        self.rpc = {"timeout": options.timeout, "retry_times": 0}
        # list and drop take no retry_times; an int timeout also bounds their retries (2x at worst)
        self.seconds = max(1, math.ceil(options.timeout))
        self._stale = False
        self._last_attempt = 0.0
        self._last_error = ""
        self._reconnecting = threading.Lock()
        self._connect()

    def slow(self, seconds: float) -> dict:
        """Call options for a slow operation (loading a collection): the larger timeout."""
        return {"timeout": max(self.options.timeout, seconds), "retry_times": 0}

    def handler(self):
        """pymilvus's handler of this connection: its has_collection and version calls take
        `retry_times`, which pymilvus.utility's do not."""
        return connections._fetch_handler(self.alias)

    @contextlib.contextmanager
    def calling(self, what: str, name: str | None = None) -> Iterator[None]:
        """Run pymilvus calls, translating their errors; `what` names the operation."""
        if self._stale:
            self._reconnect()
        try:
            yield
        except IndexStoreError:
            raise
        except (MilvusException, grpc.RpcError) as exc:
            error = self._translate(exc, what, name)
            if isinstance(error, BackendUnavailable):
                self._stale, self._last_error = True, str(error)
            raise error from exc

    def close(self) -> None:
        connections.disconnect(self.alias)
        connections.remove_connection(self.alias)

    def _connect(self) -> None:
        try:
            connections.connect(self.alias, uri=self.options.uri, token=self.options.token or "",
                                timeout=self.options.timeout)
        except Exception as exc:  # pymilvus raises several types for one refused connection
            connections.remove_connection(self.alias)
            raise BackendUnavailable(
                f"cannot connect to Milvus at {self.options.uri} within {self.options.timeout:g} s: "
                f"{getattr(exc, 'message', exc)}; start Milvus or fix --milvus-uri / --milvus-token"
            ) from exc

    def _reconnect(self) -> None:
        if not self._reconnecting.acquire(blocking=False):
            raise BackendUnavailable(f"{self._last_error} (reconnecting)")
        try:
            if not self._stale:
                return
            if time.monotonic() - self._last_attempt < RECONNECT_INTERVAL:
                raise BackendUnavailable(self._last_error)
            self._last_attempt = time.monotonic()
            with contextlib.suppress(Exception):
                connections.disconnect(self.alias)
            try:
                self._connect()
            except BackendUnavailable as exc:
                self._last_error = str(exc)
                raise
            self._stale = False
            log.info("reconnected to Milvus at %s", self.options.uri)
        finally:
            self._reconnecting.release()

    def _translate(self, exc: Exception, what: str, name: str | None) -> IndexStoreError:
        text = _message(exc)
        lowered = text.lower()
        if _unavailable(exc, lowered):
            return BackendUnavailable(f"Milvus at {self.options.uri} did not answer {what}: {text}; "
                                      "check that Milvus is running and reachable, then retry")
        missing = isinstance(exc, MilvusException) and exc.code == ErrorCode.COLLECTION_NOT_FOUND
        if name is not None and (missing or ("collection" in lowered
                                             and any(word in lowered for word in _MISSING_WORDS))):
            return CollectionNotFound(f"collection {name!r} does not exist (dropped by another replica?)")
        return IndexStoreError(f"Milvus refused {what}: {text}")


def _unavailable(exc: BaseException, lowered: str) -> bool:
    """A gRPC status of a lost or slow server anywhere in the chain (pymilvus stores the
    status's bound `code` method in MilvusException.code), or words that say so."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "code", None)
        if callable(code):
            with contextlib.suppress(Exception):
                code = code()
        if code in _UNAVAILABLE_CODES or code == ErrorCode.RATE_LIMIT:
            return True
        exc = exc.__cause__ if exc.__cause__ is not exc else exc.__context__
    return any(word in lowered for word in _UNAVAILABLE_WORDS)


def _message(exc: BaseException) -> str:
    if isinstance(exc, grpc.RpcError) and callable(getattr(exc, "details", None)):
        return f"{exc.code().name}: {exc.details()}"
    if isinstance(exc, MilvusException):
        return str(exc.message)
    return str(exc)
