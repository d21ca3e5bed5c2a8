"""XLA compiles kept off the request path: one background thread compiles each shape once.

XLA builds one executable per input shape, and building the whole decode loop takes seconds
(2-7 s at base shape on 2 cores). A request whose shape is not compiled yet runs the
traced (non-XLA) function instead, which takes any shape, while the shape is compiled here;
later requests of that shape run the XLA executable. So no request waits for a compile, and
the service gets faster as the shapes it sees are compiled.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from typing import Callable, Hashable

log = logging.getLogger(__name__)


class BackgroundCompiler:
    """Runs `compile_shape(key)` once per key, in order of request, on a daemon thread that lives
    while there is work.

    `ready(key)` says whether the key's executable exists; `request(key)` queues it (once);
    `wait()` blocks until every queued key is compiled (benches and tests). A failed compile is
    logged and the key is never retried: its requests keep running the traced function. Past
    `limit` keys, new ones are not compiled (each executable holds memory; a long tail of rare
    shapes would keep a core compiling): they stay on the traced function."""

    def __init__(self, compile_shape: Callable[[Hashable], None], name: str, limit: int = 256):
        self._compile_shape = compile_shape
        self._name = name
        self._limit = limit
        self._ready: set = set()
        self._seen: set = set()
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.compiled = 0
        self.failed = 0
        self.refused = 0  # requests for shapes past the limit
        self.seconds = 0.0
        _LIVE.add(self)

    def ready(self, key: Hashable) -> bool:
        return key in self._ready

    def request(self, key: Hashable) -> None:
        with self._lock:
            if key in self._seen or self._stopping:
                return
            if len(self._seen) >= self._limit:
                if not self.refused:
                    log.warning("%d %s shapes compiled or queued: shapes not seen yet stay on the traced path",
                                self._limit, self._name)
                self.refused += 1
                return
            self._seen.add(key)
            self._queue.put(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"compile-{self._name}", daemon=True)
                self._thread.start()

    def pending(self) -> int:
        """Keys requested and not compiled yet (the one compiling included)."""
        return self._queue.unfinished_tasks

    def wait(self, timeout: float | None = None) -> bool:
        """True once every requested key is compiled (or failed); False if `timeout` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 300.0) -> None:
        """Drop the keys not started and let the running compile finish, so that the process
        never exits while XLA is compiling on the thread."""
        with self._lock:
            self._stopping = True
            while not self._queue.empty():
                self._queue.get_nowait()
                self._queue.task_done()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._queue.empty():
                    self._thread = None
                    return
                key = self._queue.get_nowait()
            try:
                start = time.perf_counter()
                self._compile_shape(key)
                elapsed = time.perf_counter() - start
                self._ready.add(key)
                self.compiled += 1
                self.seconds += elapsed
                log.info("compiled the %s for shape %s in %.1f s (in the background)", self._name, key, elapsed)
            except Exception:  # a failed compile only leaves the shape on the traced path
                self.failed += 1
                log.exception("could not compile the %s for shape %s: it stays on the traced path", self._name, key)
            finally:
                self._queue.task_done()


_LIVE: weakref.WeakSet[BackgroundCompiler] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for compiler in list(_LIVE):
        compiler.close()
