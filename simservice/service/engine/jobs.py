"""The kinds of work the engine queues: each kind is batched and run on its own."""

from __future__ import annotations

import enum


class JobKind(str, enum.Enum):
    ENCODE = "encode"  # a unit is one text's token ids -> its pooler output
    PARAPHRASE = "paraphrase"  # a unit is one checked ParaphraseJob -> its ParaphraseResult
    AUGMENT = "augment"  # a PARAPHRASE unit of a background job: runs only when no live unit waits
    UPLOAD = "upload"  # an ENCODE unit of a background upload: runs only when no live unit waits

    @property
    def background(self) -> bool:
        return self in (JobKind.AUGMENT, JobKind.UPLOAD)

    @property
    def encodes(self) -> bool:
        """Whether a unit is a text's token ids, run through the encoder."""
        return self in (JobKind.ENCODE, JobKind.UPLOAD)
