"""Batch selection: the oldest unit first, neighbours in length, within the row and padded-token budget."""

from __future__ import annotations

from simservice.inference.batching import BatchLimits, padded_tokens
from simservice.inference.paraphrase import ParaphraseJob
from simservice.inference.sampler import SamplingParams
from simservice.service.engine.jobs import JobKind
from simservice.service.engine.packing import pick_encode_batch, pick_paraphrase_batch
from simservice.service.engine.tickets import Unit


def units(*lengths):
    return [Unit(JobKind.ENCODE, None, 0, None, length, seq) for seq, length in enumerate(lengths)]


def job(n):
    return ParaphraseJob("你好", (2, 5, 3), (2, 5, 3), n=n, k=1, max_length=32, sampling=SamplingParams(top_p=0.95))


def jobs(*ns):
    return [Unit(JobKind.PARAPHRASE, None, 0, job(n), 4, seq) for seq, n in enumerate(ns)]


def test_oldest_unit_is_always_taken():
    waiting = units(60, 5, 5, 5, 5)
    batch = pick_encode_batch(waiting, BatchLimits(8, 128))
    assert waiting[0] in batch
    assert padded_tokens(len(batch), max(u.length for u in batch)) <= 128


def test_groups_by_length_within_budget():
    waiting = units(10, 60, 11, 58, 12, 9)
    batch = pick_encode_batch(waiting, BatchLimits(32, 64))  # 4 rows x 16 tokens
    assert sorted(u.length for u in batch) == [9, 10, 11, 12]


def test_row_limit_and_budget_counts_padding():
    assert len(pick_encode_batch(units(*[8] * 10), BatchLimits(3, 10_000))) == 3
    # 3 rows pad to 4: 4 x 8 = 32 tokens, over a budget of 24, so only 2 rows fit
    assert len(pick_encode_batch(units(8, 8, 8), BatchLimits(32, 24))) == 2
    assert padded_tokens(3, 9) == 4 * 16


def test_single_unit_over_budget_still_runs():
    assert len(pick_encode_batch(units(64), BatchLimits(4, 16))) == 1


def test_paraphrase_jobs_oldest_first_within_jobs_and_samples():
    waiting = jobs(8, 8, 8)[::-1]
    assert [u.seq for u in pick_paraphrase_batch(waiting, max_jobs=2, max_samples=100)] == [0, 1]
    assert [u.seq for u in pick_paraphrase_batch(waiting, max_jobs=3, max_samples=20)] == [0, 1]
    assert [u.seq for u in pick_paraphrase_batch(jobs(64, 2), max_jobs=8, max_samples=16)] == [0]


def test_top_up_fills_a_prepared_batch():
    prepared, *waiting = units(10, 40, 11, 9)
    added = pick_encode_batch(waiting, BatchLimits(3, 1000), taken=[prepared])
    assert sorted(u.length for u in added) == [9, 11]
    assert pick_encode_batch(waiting, BatchLimits(1, 1000), taken=[prepared]) == []
    first, *later = jobs(8, 8, 8)
    assert [u.seq for u in pick_paraphrase_batch(later, max_jobs=8, max_samples=16, taken=[first])] == [1]
