"""Padding token-id lists into fixed-shape batches, so compiled functions see few distinct shapes."""

from __future__ import annotations

from typing import Sequence

import numpy as np

LENGTH_BUCKET = 8  # sequence lengths are padded up to a multiple of this


def bucket_length(length: int, multiple: int = LENGTH_BUCKET) -> int:
    return max(multiple, -(-length // multiple) * multiple)


def bucket_rows(rows: int) -> int:
    """Next power of two: batches of 1, 2, 4, ... rows."""
    return 1 << max(0, rows - 1).bit_length()


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


def length_sorted_batches(lengths: Sequence[int], max_rows: int, max_tokens: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, each within `max_rows` and `max_tokens`
    (padding counted: rows x the longest bucketed length of the batch)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = bucket_length(lengths[i])  # the longest so far, as the order is ascending
        if current and (len(current) + 1 > max_rows or (len(current) + 1) * width > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
