"""What the service core is told: its limits and batch sizes (`ServiceConfig`), and, per call, who
asked (`Caller`): when they go away, and where to note the batch their work ran in."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Awaitable, Callable

from simservice.inference.batching import BatchLimits

UNLIMITED = sys.maxsize  # a limit that never refuses (the command line: one user, their own files)


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """The numbers the core enforces and runs with; the server takes them from its Settings."""

    model_path: str = ""  # the model's directory: its name labels snapshots
    index_label: str = ""  # how the log names the index (its URL, any password hidden)
    max_input_tokens: int | None = None  # longest text in tokens (None: the tokenizer's)
    max_client_batch_size: int = 64  # texts or items in one call
    max_paraphrase_n: int = 128
    max_job_rows: int = 100_000
    max_batch_size: int = 32
    max_batch_tokens: int = 2048
    max_batch_samples: int = 256
    max_concurrent_requests: int = 128
    request_timeout: float = 30.0
    max_augment_jobs: int = 2
    warmup: bool = True

    @property
    def model_label(self) -> str:
        return model_label(self.model_path)

    @property
    def limits(self) -> BatchLimits:
        return BatchLimits(self.max_batch_size, self.max_batch_tokens)

    @classmethod
    def unlimited(cls, model_path: str = "") -> "ServiceConfig":
        """No limit on texts, items or samples per call: what the command line runs with."""
        return cls(model_path, max_client_batch_size=UNLIMITED, max_paraphrase_n=UNLIMITED,
                   max_job_rows=UNLIMITED)


def model_label(model_path: str) -> str:
    """How a snapshot names the model: its directory's name (models/demo -> "demo")."""
    return os.path.basename(os.path.normpath(os.path.abspath(model_path)))


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who asked for a call: `disconnected()` returns once they have gone away (their queued work
    is then dropped before compute); `note_batch(size)` hears the largest model batch it ran in."""

    disconnected: Callable[[], Awaitable[None]] | None = None
    note_batch: Callable[[int], None] | None = None


NOBODY = Caller()  # a caller that never goes away and notes nothing (jobs, the command line)
