"""Where the paraphrase candidates come from: a model loaded here (batched, grouped by length)
or a running server's /paraphrase. Both return every unique candidate, ranked by cosine, as
(text, cosine to the source, the generator's mean log-probability per token)."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, Sequence

import numpy as np

from simservice.datafiles import Row
from simservice.http_client import HttpError, ServiceClient
from simservice.inference.sampler import DEFAULT_SAMPLING, SamplingParams, sampling_params
from simservice.token_limit import fit

SEED_SPACE = 2**63


@dataclasses.dataclass(frozen=True)
class Sampling:
    n: int = 32
    top_p: float | None = None  # None: the model's default sampling unless knobs name a sampler
    max_length: int = 32
    mask_fraction: float = 0.0  # of the source's tokens replaced by [MASK] for variety
    seed: int | None = None
    knobs: dict[str, Any] = dataclasses.field(default_factory=dict)  # sampler, other knobs: /paraphrase's names

    def params(self, default: dict[str, Any] = DEFAULT_SAMPLING) -> SamplingParams:
        """The checked sampling parameters (ValueError says what is wrong), `default` (the model's default
        sampling) where they name no sampler."""
        knobs = dict(self.knobs)
        return sampling_params(knobs.pop("sampler", None), {"top_p": self.top_p, **knobs}, default)

    def row_seed(self, row: Row) -> int | None:
        """Each row's own seed, so its samples do not depend on which rows run beside it."""
        return None if self.seed is None else (self.seed * 1_000_003 + row.number) % SEED_SPACE


class Generator(Protocol):
    def candidates(self, rows: Sequence[Row]) -> list[list[tuple[str, float, float]] | str]:
        """For each row, its ranked candidates, or a string saying why the row was refused."""


class LocalGenerator:
    """Decodes many rows together: rows sorted by length, up to `max_samples` samples a batch."""

    def __init__(self, pipeline, sampling: Sampling, truncate: bool = False, max_samples: int = 512):
        self.pipeline = pipeline
        self.sampling = sampling
        self.truncate = truncate
        self.max_samples = max(max_samples, sampling.n)

    def candidates(self, rows: Sequence[Row]) -> list[list[tuple[str, float]] | str]:
        out, jobs = self.prepare(rows)
        for i, paraphrases in zip(jobs, self.run(list(jobs.values()))):
            out[i] = paraphrases
        return out

    def run(self, jobs: list) -> list[list[tuple[str, float]]]:
        """The ranked candidates of checked jobs, in order: sorted by length, `max_samples` samples a batch."""
        order = sorted(range(len(jobs)), key=lambda i: len(jobs[i].source_ids))
        per_batch = max(1, self.max_samples // self.sampling.n)
        results: list = [None] * len(jobs)
        for start in range(0, len(order), per_batch):
            chunk = order[start:start + per_batch]
            for i, result in zip(chunk, self.pipeline.paraphrase_batch([jobs[i] for i in chunk])):
                results[i] = with_logprobs(result)
        return results

    def prepare(self, rows: Sequence[Row]) -> tuple[list, dict]:
        """Each row's checked job by its position, and a reason in `out` for each refused row."""
        out: list = [None] * len(rows)
        jobs = {}
        tokenizer = self.pipeline.tokenizer
        fitted = fit(tokenizer, [row.text for row in rows], tokenizer.max_length, self.truncate)
        for i, (row, source) in enumerate(zip(rows, fitted)):
            if source.problem:
                out[i] = source.reason("pass --truncate")
                continue
            text = tokenizer.decode(source.ids) if source.cut else row.text  # a cut row: what its kept tokens say
            jobs[i] = self.pipeline.paraphrase_job(
                text, source.ids, n=self.sampling.n, k=self.sampling.n,
                sampling=self.sampling.params(self.pipeline.default_sampling), max_length=self.sampling.max_length,
                mask_idxs=self._masks(row, len(source.ids)), seed=self.sampling.row_seed(row))
        return out, jobs

    def _masks(self, row: Row, length: int) -> list[int]:
        count = round(self.sampling.mask_fraction * (length - 2))
        if not count:
            return []
        rng = np.random.default_rng(None if self.sampling.seed is None else [self.sampling.seed, row.number])
        return sorted(int(i) for i in rng.choice(np.arange(1, length - 1), count, replace=False))


def with_logprobs(result) -> list[tuple[str, float, float]]:
    """A ParaphraseResult's candidates as (text, score, logprob)."""
    return [(text, score, result.logprobs[text]) for text, score in result.paraphrases]


class HttpGenerator:
    """Asks a running simservice for the candidates, `batch` texts a request."""

    def __init__(self, url: str, sampling: Sampling, api_key: str | None = None, truncate: bool = False,
                 batch: int = 16, timeout: float = 300.0):
        if sampling.mask_fraction:
            raise ValueError("--mask-fraction needs the tokenizer: use --model instead of --url")
        self.client = ServiceClient(url, api_key, timeout)
        self.sampling = sampling
        self.truncate = truncate
        self.batch = batch

    def candidates(self, rows: Sequence[Row]) -> list[list[tuple[str, float]] | str]:
        out: list = []
        for start in range(0, len(rows), self.batch):
            out += self._ask(rows[start:start + self.batch])
        return out

    def _ask(self, rows: Sequence[Row]) -> list:
        if len(rows) > 1 and self.sampling.seed is not None:  # a seed per row: one row a request
            return [r for row in rows for r in self._ask([row])]
        body = {"texts": [r.text for r in rows], "n": self.sampling.n, "k": self.sampling.n,
                "top_p": self.sampling.top_p, "max_length": self.sampling.max_length, "truncate": self.truncate,
                "with_logprob": True, **self.sampling.knobs}
        if self.sampling.seed is not None:
            body["seed"] = self.sampling.row_seed(rows[0])
        try:
            results = self.client.call_json("POST", "/paraphrase", body)["results"]
        except HttpError as exc:
            if exc.status == 422 and len(rows) > 1:  # find the row the server refused
                return [r for row in rows for r in self._ask([row])]
            if exc.status == 422:
                return [exc.detail]
            raise
        return [[(p["text"], p["score"], p["logprob"]) for p in row] for row in results]
