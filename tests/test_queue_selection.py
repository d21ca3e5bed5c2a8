"""Batch selection: the oldest unit first, neighbours in length, within the row and padded-token budget."""

from __future__ import annotations

from simservice.serving.batch_selection import padded_tokens, pick_encode_batch, pick_paraphrase_batch
from simservice.serving.tickets import Unit


def units(*lengths):
    return [Unit("encode", None, 0, None, length, seq) for seq, length in enumerate(lengths)]


def test_oldest_unit_is_always_taken():
    waiting = units(60, 5, 5, 5, 5)
    batch = pick_encode_batch(waiting, max_rows=8, max_tokens=128)
    assert waiting[0] in batch
    assert padded_tokens(len(batch), max(u.length for u in batch)) <= 128


def test_groups_by_length_within_budget():
    waiting = units(10, 60, 11, 58, 12, 9)
    batch = pick_encode_batch(waiting, max_rows=32, max_tokens=64)  # 4 rows x 16 tokens
    assert sorted(u.length for u in batch) == [9, 10, 11, 12]


def test_row_limit_and_budget_counts_padding():
    assert len(pick_encode_batch(units(*[8] * 10), max_rows=3, max_tokens=10_000)) == 3
    # 3 rows pad to 4: 4 x 8 = 32 tokens, over a budget of 24, so only 2 rows fit
    assert len(pick_encode_batch(units(8, 8, 8), max_rows=32, max_tokens=24)) == 2
    assert padded_tokens(3, 9) == 4 * 16


def test_single_unit_over_budget_still_runs():
    assert len(pick_encode_batch(units(64), max_rows=4, max_tokens=16)) == 1


def test_paraphrase_jobs_oldest_first():
    waiting = units(5, 6, 7)[::-1]
    assert [u.seq for u in pick_paraphrase_batch(waiting, max_jobs=2)] == [0, 1]
