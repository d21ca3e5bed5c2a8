"""Augmenting a dataset: in the background through the engine (a job, live calls first), or at
once on the caller's thread into a resumable file (the command line)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from simservice.augment.filters import Filters
from simservice.augment.generators import LocalGenerator, Sampling
from simservice.augment.output import Output
from simservice.datafiles import BadRow, Row, rows_from_records
from simservice.augment.run import Summary, augment
from simservice.service.base import ServiceBase, in_thread
from simservice.service.engine.background import AugmentJob, Job
from simservice.service.errors import ErrorKind, ServiceError
from simservice.service.texts import check_count, check_samples


class JobOperations(ServiceBase):
    async def start_augment(self, rows: list[dict], *, sampling: Sampling, filters: Filters, k: int,
                            text_key: str = "text", truncate: bool = False) -> AugmentJob:
        """Start paraphrasing every row (the text under `text_key`, other keys kept) in the background;
        OVERLOADED past the jobs allowed at once."""
        model = self.require_generator()
        check_samples(sampling.n, k, self.config.max_paraphrase_n)
        check_count(len(rows), self.config.max_job_rows, "rows")
        try:
            sampling.params(model.default_sampling)  # checked now: the job runs in the background
        except ValueError as exc:
            raise ServiceError(ErrorKind.INVALID, str(exc)) from None
        items = rows_from_records(rows, text_key)
        return self.require_jobs().start(model, items, text_key, sampling, filters, k, truncate)

    async def get_job(self, job_id: str) -> Job:
        return self.require_jobs().get(job_id)

    async def cancel_job(self, job_id: str) -> Job:
        """Cancel a job: an augmentation's queued work is dropped before compute, an upload stops after
        the chunk being written."""
        return self.require_jobs().cancel(job_id)

    async def job_result(self, job_id: str) -> Path:
        """The JSONL file of a finished job; CONFLICT until it is done."""
        job = self.require_jobs().get(job_id)
        if not isinstance(job, AugmentJob):
            raise ServiceError(ErrorKind.INVALID, f"job {job_id} is an upload: its rows are items of its collection")
        if job.status != "done":
            raise ServiceError(ErrorKind.CONFLICT, f"job {job_id} is {job.status}: the result is there once it is done")
        return job.result

    async def augment_rows(self, items: Sequence[Row | BadRow], output: Output, *, sampling: Sampling,
                           filters: Filters, k: int, options: dict, truncate: bool = False,
                           progress: bool | None = None) -> Summary:
        """Paraphrase every row into `output` on a thread of this process, resuming a run of the same
        `options` where it stopped (the command line's augment)."""
        check_samples(sampling.n, k, self.config.max_paraphrase_n)
        generator = LocalGenerator(self.require_generator(), sampling, truncate)
        return await in_thread(lambda: augment(items, generator, filters, k, output, options, progress=progress))
