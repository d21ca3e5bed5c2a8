"""A request's pending result: filled row by row on the worker thread, awaited on the event loop."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

from simservice.service.engine.jobs import JobKind


class Ticket:
    """`rows` results (one per text or paraphrase job) of one request; resolves once all are in."""

    def __init__(self, loop: asyncio.AbstractEventLoop, rows: int, deadline: float):
        self.future: asyncio.Future = loop.create_future()
        self.deadline = deadline  # time.monotonic() after which the call gives up (TIMEOUT)
        self.results: list[Any] = [None] * rows
        self._loop = loop
        self._left = rows
        self.done = False  # completed, failed or abandoned: the worker skips its units
        self.batch_size = 0  # the largest model batch its units ran in (set by the worker)

    def expired(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) > self.deadline

    def abandon(self) -> None:
        """The handler stopped waiting (client gone or timed out): drop the work before compute."""
        self.done = True

    def fill(self, row: int, value: Any) -> None:
        if self.done:
            return
        self.results[row] = value
        self._left -= 1
        if self._left == 0:
            self.done = True
            self._loop.call_soon_threadsafe(_settle, self.future, self.results, None)

    def fail(self, error: BaseException) -> None:
        if self.done:
            return
        self.done = True
        self._loop.call_soon_threadsafe(_settle, self.future, None, error)


def _settle(future: asyncio.Future, value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


@dataclasses.dataclass(eq=False)
class Unit:
    """One text to encode or one paraphrase job, waiting in the queue."""

    kind: JobKind
    ticket: Ticket
    row: int
    payload: Any  # token ids (ENCODE) or a checked ParaphraseJob (PARAPHRASE)
    length: int  # tokens of the input, [CLS] and [SEP] included
    seq: int = 0  # arrival order
