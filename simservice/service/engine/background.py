"""Background jobs: a dataset paraphrased through the same queue as live traffic, or an uploaded
file's checked rows encoded and written a chunk at a time.

An augmentation job runs `simservice.augment` on its own thread; its paraphrase work is queued as
`JobKind.AUGMENT` units, which the queue takes only when no live unit waits, so live requests
go first (a live request waits at most for the batch running and the one prepared). An upload job
is a task on the event loop that writes chunk after chunk, stopping between chunks when cancelled.
Both kinds share one registry and its limit of jobs at once. Jobs and their results live in memory
and a temporary directory: a restart forgets them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable

from simservice.augment.filters import Filters
from simservice.augment.generators import LocalGenerator, Sampling, with_logprobs
from simservice.augment.output import Output
from simservice.datafiles import BadRow, Row
from simservice.augment.run import augment
from simservice.inference.loaded_model import LoadedModel
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.engine.jobs import JobKind
from simservice.service.engine.queue import BatchQueue

log = logging.getLogger(__name__)
WAIT = 24 * 3600.0  # a background unit may wait this long behind live traffic


class Cancelled(Exception):
    pass


@dataclasses.dataclass
class Job:
    id: str
    rows: int
    status: str = "running"  # running, done, failed, cancelled
    rows_done: int = 0
    error: str = ""
    started: float = dataclasses.field(default_factory=time.time)
    finished: float | None = None
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)


@dataclasses.dataclass
class AugmentJob(Job):
    kept: int = 0
    bad_rows: list[BadRow] = dataclasses.field(default_factory=list)
    dropped: dict[str, int] = dataclasses.field(default_factory=dict)
    result: Path | None = None


@dataclasses.dataclass
class UploadJob(Job):
    """A file's rows written in order, a chunk at a time: rows 1..rows_done are stored, the last of
    them on file line `stored_through` (0 while none is)."""
    collection: str = ""
    file_name: str = ""
    added: int = 0
    updated: int = 0
    stored_through: int = 0
    task: asyncio.Task | None = None


class QueueGenerator(LocalGenerator):
    """Runs a chunk's checked jobs through the service's queue instead of calling the model."""

    def __init__(self, model: LoadedModel, sampling: Sampling, truncate: bool, queue: BatchQueue,
                 loop: asyncio.AbstractEventLoop, cancel: threading.Event):
        super().__init__(model, sampling, truncate)
        self.queue, self.loop, self.cancel = queue, loop, cancel

    def run(self, jobs: list) -> list:
        if not jobs:
            return []
        tickets = []

        async def submit():
            ticket = self.queue.submit(JobKind.AUGMENT, jobs, [len(j.source_ids) for j in jobs], timeout=WAIT)
            tickets.append(ticket)
            return [with_logprobs(result) for result in await ticket.future]

        future = asyncio.run_coroutine_threadsafe(submit(), self.loop)
        while True:
            try:
                return future.result(timeout=0.5)
            except TimeoutError:
                if self.cancel.is_set():
                    if tickets:
                        tickets[0].abandon()  # its units are dropped before compute
                    future.cancel()
                    raise Cancelled from None


class Jobs:
    """The jobs of one service, of both kinds: start, look up, cancel; at most `max_running` run at once."""

    def __init__(self, queue: BatchQueue, max_running: int = 2):
        self.queue = queue
        self.max_running = max_running
        self._jobs: dict[str, AugmentJob] = {}
        self._lock = threading.Lock()
        self._directory = Path(tempfile.mkdtemp(prefix="simservice-jobs-"))

    def check_room(self) -> None:
        """OVERLOADED when `max_running` jobs run: asked before a long check, and again on start."""
        running = sum(job.status == "running" for job in self._jobs.values())
        if running >= self.max_running:
            raise ServiceError(ErrorKind.OVERLOADED, f"{running} background jobs are running, the most at once: "
                               "wait for one to finish or cancel one", 30)

    def _add(self, job: Job) -> None:
        with self._lock:
            self.check_room()
            self._jobs[job.id] = job

    def start(self, model: LoadedModel, items: list[Row | BadRow], text_key: str, sampling: Sampling,
              filters: Filters, k: int, truncate: bool) -> AugmentJob:
        job = AugmentJob(uuid.uuid4().hex, len(items))
        job.result = self._directory / f"{job.id}.jsonl"
        self._add(job)
        loop = asyncio.get_running_loop()
        generator = QueueGenerator(model, sampling, truncate, self.queue, loop, job.cancel)
        output = Output(job.result, "jsonl", None, text_key)
        thread = threading.Thread(target=self._run, args=(job, items, generator, filters, k, output),
                                  name=f"simservice-job-{job.id[:8]}", daemon=True)
        thread.start()
        return job

    def _run(self, job: AugmentJob, items, generator, filters, k, output) -> None:
        def progress(rows_done: int) -> None:
            job.rows_done = rows_done
            if job.cancel.is_set():
                raise Cancelled

        try:
            summary = augment(items, generator, filters, k, output, {"job": job.id}, progress=False,
                              on_chunk=progress)
            job.kept, job.bad_rows, job.dropped = summary.kept, summary.bad, dict(summary.dropped)
            job.status = "done"
        except Cancelled:
            job.status = "cancelled"
            job.result.unlink(missing_ok=True)
        except Exception as exc:  # reported by the job's status; the service goes on
            log.exception("augmentation job %s failed", job.id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            output.state_path.unlink(missing_ok=True)
            job.finished = time.time()

    def start_upload(self, rows: int, collection: str, file_name: str,
                     write: Callable[[UploadJob], Awaitable[None]]) -> UploadJob:
        """Run `write(job)` on the event loop: it writes chunk after chunk, noting each on the job, and
        returns early once `job.cancel` is set."""
        job = UploadJob(uuid.uuid4().hex, rows, collection=collection, file_name=file_name)
        self._add(job)
        job.task = asyncio.get_running_loop().create_task(self._run_upload(job, write))
        return job

    @staticmethod
    async def _run_upload(job: UploadJob, write: Callable[[UploadJob], Awaitable[None]]) -> None:
        try:
            await write(job)
            job.status = "done" if job.rows_done == job.rows else "cancelled"
        except Exception as exc:  # reported by the job's status, with the rows stored before it
            log.exception("upload job %s failed", job.id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise ServiceError(ErrorKind.NOT_FOUND, f"no job {job_id[:64]!r}: jobs are forgotten on restart")
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        job.cancel.set()
        return job

    def close(self) -> None:
        for job in list(self._jobs.values()):
            job.cancel.set()
        shutil.rmtree(self._directory, ignore_errors=True)
