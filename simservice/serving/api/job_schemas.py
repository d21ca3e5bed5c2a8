"""Request and response bodies of the /jobs routes (background dataset augmentation, and the
background uploads a job reports)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from simservice.service.engine.background import AugmentJob, Job, UploadJob
from simservice.serving.api.schemas import example, sampling_fields, Strict


class AugmentRequest(sampling_fields(), Strict):
    model_config = example(rows=[{"text": "今天天气不错", "label": "weather"}], n=32, k=5)
    rows: list[dict[str, Any]] = Field(min_length=1, description="the dataset: JSON objects, each with a text "
                                                                 "under `text_key` and any other keys (labels...)")
    text_key: str = Field("text", description="the key of each row's text")
    n: int = Field(32, ge=1, description="samples drawn per row (at most the server's max_paraphrase_n)")
    k: int = Field(5, ge=1, description="paraphrases kept per row, best first, at most n")
    max_length: int = Field(32, ge=1, le=128, description="most tokens per sample")
    seed: int | None = Field(None, ge=0, lt=2**63, description="makes the job reproducible")
    mask_fraction: float = Field(0.0, ge=0.0, lt=1.0, description="fraction of each row's tokens masked for variety")
    min_score: float = Field(-1.0, ge=-1.0, le=1.0, description="lowest cosine to the source kept")
    max_score: float = Field(1.0, ge=-1.0, le=1.0, description="highest cosine kept (drops near-copies)")
    min_edit: int = Field(1, ge=0, description="fewest characters changed")
    min_length_ratio: float = Field(0.0, ge=0.0, description="shortest paraphrase / source length kept")
    max_length_ratio: float = Field(1e9, ge=0.0, description="longest paraphrase / source length kept")
    dedupe: bool = Field(True, description="each paraphrase once in the whole result")
    truncate: bool = Field(False, description="cut rows over the token limit instead of skipping them")

    @model_validator(mode="after")
    def _consistent(self):
        if self.min_score > self.max_score or self.min_length_ratio > self.max_length_ratio:
            raise ValueError("each window needs its low end at most its high end")
        return self


class BadRowOut(BaseModel):
    model_config = example(row=3, reason="text is empty")
    row: int = Field(description="position of the row in `rows`, from 0")
    reason: str = Field(description="why it was skipped")


class UploadProgress(BaseModel):
    model_config = example(collection="faq", file="faq.csv", added=1024, updated=0, stored_through_line=1025,
                           stored="rows 1-1024 of faq.csv stored (through line 1025)")
    collection: str = Field(description="the collection written to")
    file: str = Field(description="the uploaded file's name")
    added: int = Field(description="items added so far")
    updated: int = Field(description="items replaced so far (same id)")
    stored_through_line: int = Field(description="the file line of the last row stored, 0 while none is")
    stored: str = Field(description="which rows are stored, in words: a failed or cancelled upload keeps them")


class JobStatus(BaseModel):
    model_config = example(id="3f2a9c", kind="augment", status="running", rows=1, rows_done=0, kept=0, bad_rows=[],
                           dropped={}, upload=None, error="", started=1767225600.0, finished=None)
    id: str = Field(description="the job's id")
    kind: Literal["augment", "upload"] = Field(description="augment (POST /jobs/augment) or upload (POST "
                                                           "/collections/{name}/items/upload?background=true)")
    status: str = Field(description="running, done, failed or cancelled")
    rows: int = Field(description="rows in the job")
    rows_done: int = Field(description="rows augmented, or rows stored, so far")
    kept: int = Field(0, description="paraphrases kept (an augmentation, when done)")
    bad_rows: list[BadRowOut] = Field([], description="rows skipped (an augmentation, when done)")
    dropped: dict[str, int] = Field({}, description="paraphrases dropped, by filter (an augmentation, when done)")
    upload: UploadProgress | None = Field(None, description="an upload's progress and what it stored")
    error: str = Field(description="why the job failed, if it did")
    started: float = Field(description="start time, seconds since the epoch")
    finished: float | None = Field(description="end time, once it ended")


def job_status(job: Job) -> JobStatus:
    common = dict(id=job.id, status=job.status, rows=job.rows, rows_done=job.rows_done, error=job.error,
                  started=job.started, finished=job.finished)
    if isinstance(job, AugmentJob):
        return JobStatus(kind="augment", kept=job.kept, dropped=job.dropped,
                         bad_rows=[BadRowOut(row=b.number, reason=b.reason) for b in job.bad_rows], **common)
    assert isinstance(job, UploadJob)
    stored = (f"rows 1-{job.rows_done} of {job.file_name} stored (through line {job.stored_through})"
              if job.rows_done else f"no row of {job.file_name} stored")
    return JobStatus(kind="upload", upload=UploadProgress(
        collection=job.collection, file=job.file_name, added=job.added, updated=job.updated,
        stored_through_line=job.stored_through, stored=stored), **common)
