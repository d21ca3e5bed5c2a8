"""Request and response bodies of the /jobs routes (background dataset augmentation)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from simservice.serving.api.schemas import example, sampling_fields, Strict


class AugmentRequest(sampling_fields(top_p=0.95), Strict):
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


class JobStatus(BaseModel):
    model_config = example(id="3f2a9c", status="running", rows=1, rows_done=0, kept=0, bad_rows=[], dropped={},
                           error="", started=1767225600.0, finished=None)
    id: str = Field(description="the job's id")
    status: str = Field(description="running, done, failed or cancelled")
    rows: int = Field(description="rows in the job")
    rows_done: int = Field(description="rows augmented so far")
    kept: int = Field(description="paraphrases kept (when done)")
    bad_rows: list[BadRowOut] = Field(description="rows skipped (when done)")
    dropped: dict[str, int] = Field(description="paraphrases dropped, by filter (when done)")
    error: str = Field(description="why the job failed, if it did")
    started: float = Field(description="start time, seconds since the epoch")
    finished: float | None = Field(description="end time, once it ended")
