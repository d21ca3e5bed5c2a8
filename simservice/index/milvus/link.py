"""The connection to one Milvus server, which heals itself after Milvus comes back.

Every call (connecting included) is one attempt that gives up within `timeout`: the channel
(channel.py) bounds each RPC and stops pymilvus's own retries. Unreachable, slow or
temporarily not serving -> BackendUnavailable (503), the rest as errors.py says.
After a lost connection the gRPC channel may sit in reconnect back-off for up to two
minutes, so the next call reconnects first (at most once a second, one thread at a time;
the others fail fast).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator

import grpc
from pymilvus import connections
from pymilvus.exceptions import MilvusException

from ..errors import BackendUnavailable, IndexStoreError
from .channel import BoundedChannel, Deadlines
from .errors import translate
from .options import MilvusOptions

log = logging.getLogger(__name__)

RECONNECT_INTERVAL = 1.0


class MilvusLink:
    """One pymilvus connection (a private alias) that heals itself after Milvus comes back."""

    def __init__(self, options: MilvusOptions) -> None:
        self.options = options
        self.alias = f"simservice-{uuid.uuid4().hex}"
        self.rpc = {"timeout": options.timeout, "retry_times": 0}
        self.deadlines = Deadlines(options.timeout)
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
    def calling(self, what: str, name: str | None = None, seconds: float = 0.0) -> Iterator[None]:
        """Run pymilvus calls, translating their errors; `what` names the operation. They
        share one budget: the timeout, or `seconds` if longer (loading a collection)."""
        with self.deadlines.operation(max(seconds, self.options.timeout)):
            if self._stale:
                self._reconnect()
            try:
                yield
            except IndexStoreError:
                raise
            except (MilvusException, grpc.RpcError) as exc:
                error, lost = translate(exc, self.options.uri, what, name)
                if lost:
                    self._stale, self._last_error = True, str(error)
                raise error from exc

    def close(self) -> None:
        connections.disconnect(self.alias)
        connections.remove_connection(self.alias)

    def _connect(self) -> None:
        channel = None
        try:
            with self.deadlines.operation(self.options.timeout):
                channel = BoundedChannel(self.options.uri, self.deadlines)
                connections.connect(self.alias, uri=self.options.uri, token=self.options.token or "",
                                    timeout=self.options.timeout, channel=channel)
        except Exception as exc:  # pymilvus raises several types for one refused connection
            connections.remove_connection(self.alias)
            if channel is not None:
                channel.close()
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
