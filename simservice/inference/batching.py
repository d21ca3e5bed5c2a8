"""Padding token-id lists into fixed-shape batches, so compiled functions see few distinct shapes.

The one padding rule: a batch of `rows` texts whose longest has `longest` tokens costs
`padded_tokens(rows, longest)` (rows rounded up to a power of two, length up to a multiple of
8). The serving queue packs batches with it and the encoder splits work with it, so a batch
the queue forms is exactly one forward pass.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

LENGTH_BUCKET = 8  # sequence lengths are padded up to a multiple of this


def bucket_length(length: int, multiple: int = LENGTH_BUCKET) -> int:
    return max(multiple, -(-length // multiple) * multiple)


def bucket_rows(rows: int) -> int:
    """Next power of two: batches of 1, 2, 4, ... rows."""
    return 1 << max(0, rows - 1).bit_length()


def padded_tokens(rows: int, longest: int) -> int:
    """Token slots a batch occupies once padded: what the token budget counts."""
    return bucket_rows(rows) * bucket_length(longest)


@dataclasses.dataclass(frozen=True)
class BatchLimits:
    """The most rows and padded tokens one encoder forward pass may take (a batch of one row
    always runs, whatever its length)."""

    max_rows: int = 32
    max_tokens: int = 2048

    def __post_init__(self) -> None:
        if self.max_rows < 1 or self.max_tokens < 8:
            raise ValueError(f"batch limits need max_rows >= 1 and max_tokens >= 8, got {self}")

    def fits(self, rows: int, longest: int) -> bool:
        return rows == 1 or (rows <= self.max_rows and padded_tokens(rows, longest) <= self.max_tokens)


def pad_right(sequences: Sequence[Sequence[int]], length: int, rows: int | None = None,
              pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """[rows, length] token ids padded on the right, and the padding mask (True on real tokens)."""
    rows = len(sequences) if rows is None else rows
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=bool)
    for i, seq in enumerate(sequences):
        ids[i, : len(seq)] = seq
        mask[i, : len(seq)] = True
    return ids, mask


def pad_left(sequences: Sequence[Sequence[int]], length: int, rows: int | None = None,
             pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """[rows, length] token ids padded on the left (real tokens end at the last column), and the mask."""
    rows = len(sequences) if rows is None else rows
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=bool)
    for i, seq in enumerate(sequences):
        if len(seq):
            ids[i, length - len(seq):] = seq
            mask[i, length - len(seq):] = True
    return ids, mask


def length_sorted_batches(lengths: Sequence[int], limits: BatchLimits) -> list[list[int]]:
    """Indices grouped into batches of similar length, each within `limits` (padding counted)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:  # ascending, so lengths[i] is the longest of the batch so far
        if current and not limits.fits(len(current) + 1, lengths[i]):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
