"""Choosing the next batch from waiting units: oldest first, then its neighbours in length.

An encoder batch is bounded by the encoder's own `BatchLimits` (rows, and tokens with padding
counted by `padded_tokens`), so the batch formed here is exactly one forward pass. Both
pickers can top up a batch prepared earlier (`taken`) with units that arrived since.
"""

from __future__ import annotations

from typing import Sequence

from simservice.inference.batching import BatchLimits
from simservice.service.engine.tickets import Unit


def pick_encode_batch(waiting: Sequence[Unit], limits: BatchLimits, taken: Sequence[Unit] = ()) -> list[Unit]:
    """Units to add to `taken`: the oldest unit, then those closest to it in length that fit."""
    if not waiting:
        return []
    chosen = list(taken)
    anchor = min(chosen or waiting, key=lambda u: u.seq)
    longest = max((u.length for u in chosen), default=0)
    added: list[Unit] = []
    for unit in sorted(waiting, key=lambda u: (abs(u.length - anchor.length), u.seq)):
        if len(chosen) >= limits.max_rows:
            break
        wider = max(longest, unit.length)
        if chosen and not limits.fits(len(chosen) + 1, wider):
            continue  # a shorter unit further down may still fit
        chosen.append(unit)
        added.append(unit)
        longest = wider
    return added


def pick_paraphrase_batch(waiting: Sequence[Unit], max_jobs: int, max_samples: int,
                          taken: Sequence[Unit] = ()) -> list[Unit]:
    """The oldest paraphrase jobs to add to `taken`, decoded together in one paraphrase_batch
    call while their samples (the decoder's rows) stay within `max_samples`; a batch is never empty."""
    jobs = len(taken)
    samples = sum(u.payload.n for u in taken)
    added: list[Unit] = []
    for unit in sorted(waiting, key=lambda u: u.seq):
        if jobs >= max_jobs or (jobs and samples + unit.payload.n > max_samples):
            break
        added.append(unit)
        jobs += 1
        samples += unit.payload.n
    return added
