"""Choosing the next batch from waiting units: oldest first, then its neighbours in length.

An encoder batch is bounded by rows and by tokens with padding counted (rows rounded up to
a power of two times the longest length rounded up to its bucket), as the encoder pads them.
"""

from __future__ import annotations

from typing import Sequence

from simservice.inference.batching import bucket_length, bucket_rows
from simservice.serving.tickets import Unit


def padded_tokens(rows: int, longest: int) -> int:
    return bucket_rows(rows) * bucket_length(longest)


def pick_encode_batch(waiting: Sequence[Unit], max_rows: int, max_tokens: int) -> list[Unit]:
    """The oldest unit plus the units closest to it in length that fit the budget."""
    if not waiting:
        return []
    anchor = min(waiting, key=lambda u: u.seq)
    by_closeness = sorted(waiting, key=lambda u: (abs(u.length - anchor.length), u.seq))
    chosen: list[Unit] = []
    longest = 0
    for unit in by_closeness:
        if len(chosen) >= max_rows:
            break
        wider = max(longest, unit.length)
        if chosen and padded_tokens(len(chosen) + 1, wider) > max_tokens:
            continue  # a shorter unit further down may still fit
        chosen.append(unit)
        longest = wider
    return chosen


def pick_paraphrase_batch(waiting: Sequence[Unit], max_jobs: int) -> list[Unit]:
    """The oldest paraphrase jobs, decoded together in one paraphrase_batch call."""
    return sorted(waiting, key=lambda u: u.seq)[:max_jobs]
