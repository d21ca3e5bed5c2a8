"""Sampling rules: greedy, top-k, top-p (smallest prefix of mass >= p), temperature, seeds.

A grid of uniforms u = (i + 0.5) / R over R copies of one row shows exactly which tokens a
row may take and with what share: each kept token gets the u's that fall in its slice of
the kept mass.
"""

import numpy as np
import pytest

from simservice.inference.sampler import RowLimits, SamplingParams, row_uniforms, softmax
from simservice.inference.token_choice import SHORTLIST, sample


def grid(logits, params: SamplingParams, rows: int = 4000):
    """Tokens chosen for `rows` copies of each row of `logits` with u spread evenly over [0, 1)."""
    logits = np.asarray(logits, np.float32)
    u = (np.arange(rows) + 0.5) / rows
    out = []
    for row in logits:
        tokens, _ = sample(np.tile(row, (rows, 1)), RowLimits.of([params] * rows, logits.shape[-1]), u)
        out.append(tokens)
    return out


def shares(tokens, vocab):
    return np.bincount(tokens, minlength=vocab) / len(tokens)


PROBS = np.array([[0.1, 0.4, 0.3, 0.2]], np.float32)


@pytest.mark.parametrize("top_p, kept", [(0.69, {1, 2}), (0.71, {1, 2, 3}), (0.3, {1}), (1.0, {0, 1, 2, 3})])
def test_top_p_keeps_smallest_prefix_reaching_p(top_p, kept):
    tokens, = grid(np.log(PROBS), SamplingParams(top_p=top_p, strategy="top_p"))
    assert set(tokens.tolist()) == kept
    expected = np.where(np.isin(np.arange(4), list(kept)), PROBS[0], 0)
    assert np.allclose(shares(tokens, 4), expected / expected.sum(), atol=1e-3)


def test_top_k_keeps_k_most_likely():
    tokens, = grid(np.log(PROBS), SamplingParams(top_k=2))
    assert np.allclose(shares(tokens, 4), [0, 4 / 7, 3 / 7, 0], atol=1e-3)


def test_greedy_is_argmax_and_draws_nothing():
    logits = np.array([[0.0, 3.0, 1.0], [5.0, 0.0, 0.0]], np.float32)
    for u in (0.0, 0.5, 0.999):
        tokens, _ = sample(logits, RowLimits.of([SamplingParams(top_k=1)] * 2, 3), np.full(2, u))
        assert tokens.tolist() == [1, 0]


def test_temperature_sharpens():
    logits = np.array([[1.0, 2.0]])
    assert softmax(logits, 0.5)[0, 1] > softmax(logits, 1.0)[0, 1] > softmax(logits, 2.0)[0, 1]
    hot, = grid(logits, SamplingParams(temperature=2.0))
    cold, = grid(logits, SamplingParams(temperature=0.5))
    assert np.allclose(shares(hot, 2), softmax(logits, 2.0)[0], atol=1e-3)
    assert np.allclose(shares(cold, 2), softmax(logits, 0.5)[0], atol=1e-3)


def test_logprobs_are_under_the_temperature_softmax():
    logits = np.random.default_rng(0).normal(size=(5, 300)).astype(np.float32)
    for params in (SamplingParams(top_p=0.5, temperature=0.7), SamplingParams(top_k=1, temperature=2.0)):
        tokens, logprobs = sample(logits, RowLimits.of([params] * 5, 300), row_uniforms(3, 5, 1)[:, 0])
        z = logits.astype(np.float64) / params.temperature
        expected = z[np.arange(5), tokens] - np.log(np.exp(z).sum(axis=1))
        assert np.allclose(logprobs, expected, atol=1e-5)


def test_sampling_follows_the_distribution():
    tokens, = grid(np.log(np.array([[0.5, 0.3, 0.2, 1e-30]])), SamplingParams())
    assert np.allclose(shares(tokens, 4), [0.5, 0.3, 0.2, 0.0], atol=1e-3)


def test_seeded_rows_are_independent_of_batch_and_path():
    """Peaked rows fit the shortlist; with a flat row in the batch the batch takes the whole-vocabulary
    path, yet the peaked rows choose exactly the tokens they choose alone."""
    rng = np.random.default_rng(3)
    peaked = rng.normal(size=(3, 500)) * 8
    flat = rng.normal(size=(5, 500)) * 0.1
    params = SamplingParams(top_p=0.9)
    u = row_uniforms(42, 8, 1)[:, 0]
    alone, _ = sample(peaked, RowLimits.of([params] * 3, 500), u[:3])
    together, _ = sample(np.concatenate([peaked, flat]), RowLimits.of([params] * 8, 500), u)
    assert np.array_equal(alone, together[:3])


@pytest.mark.parametrize("scale", [8.0, 0.1])  # peaked rows take the shortlist, flat rows the vocabulary
def test_shortlist_and_whole_vocabulary_keep_the_nucleus(scale):
    logits = np.random.default_rng(5).normal(size=(2, 500)) * scale
    probs = softmax(logits)
    for row, tokens in zip(probs, grid(logits, SamplingParams(top_p=0.9), rows=20000)):
        order = np.argsort(-row)
        cum = np.cumsum(row[order])
        needed = int(np.searchsorted(cum, 0.9 * cum[-1])) + 1
        assert set(tokens.tolist()) == set(order[:needed].tolist())
        assert (needed < SHORTLIST) == (scale > 1)
        kept = np.zeros_like(row)
        kept[order[:needed]] = row[order[:needed]]
        assert np.abs(shares(tokens, 500) - kept / kept.sum()).max() < 2e-4


def test_top_k_beyond_the_shortlist():
    logits = np.random.default_rng(6).normal(size=(1, 500)) * 0.1
    for params, keep in ((SamplingParams(top_k=100), 100), (SamplingParams(top_k=100, top_p=0.5), None)):
        tokens, = grid(logits, params, rows=20000)
        top = np.argsort(-logits[0])[:100]
        if keep is None:  # top_p of the top-100 mass
            p = softmax(logits[:, top])[0]
            keep = int(np.searchsorted(np.cumsum(p), 0.5 * p.sum())) + 1
        assert set(tokens.tolist()) == set(top[:keep].tolist())


def test_top_p_within_a_top_k_beyond_the_shortlist_is_measured_against_the_top_k_mass():
    """Ten likely tokens hold 0.6 of the mass and 64 tokens hold more than 0.55 of it; with top_k=100
    the nucleus of 0.55 is measured against the top-100 mass (about 0.67), so fewer tokens make it."""
    rng = np.random.default_rng(7)
    likely = np.array([0.15, 0.12, 0.1, 0.08, 0.05, 0.04, 0.03, 0.02, 0.006, 0.004])
    rest = 0.4 * softmax(rng.normal(size=(1, 490)) * 0.01)[0]
    probs = np.concatenate([likely, rest])
    params = SamplingParams(top_k=100, top_p=0.55)
    tokens, = grid(np.log(probs)[None, :], params, rows=20000)
    top = np.argsort(-probs)[:100]
    cum = np.cumsum(probs[top])
    needed = int(np.searchsorted(cum, 0.55 * cum[-1])) + 1
    assert needed == 4 and set(tokens.tolist()) == set(top[:needed].tolist())


def test_row_uniforms_are_reproducible_and_per_row():
    a, b = row_uniforms(7, 4, 10), row_uniforms(7, 4, 10)
    assert np.array_equal(a, b) and a.shape == (4, 10)
    assert np.array_equal(row_uniforms(7, 6, 12)[:4, :10], a)  # more rows or steps leave these alone
    assert not np.array_equal(row_uniforms(8, 4, 10), a)


@pytest.mark.parametrize("bad", [dict(top_k=0), dict(top_p=0.0), dict(top_p=1.5), dict(temperature=0.0)])
def test_bad_params_are_refused(bad):
    with pytest.raises(ValueError):
        SamplingParams(**bad)


@pytest.mark.parametrize("min_p, kept", [(0.45, {1, 2, 3}), (0.7, {1, 2}), (1.0, {1}), (0.0, {0, 1, 2, 3})])
def test_min_p_keeps_tokens_at_least_min_p_times_the_most_likely(min_p, kept):
    tokens, = grid(np.log(PROBS), SamplingParams(min_p=min_p))
    assert set(tokens.tolist()) == kept
    expected = np.where(np.isin(np.arange(4), list(kept)), PROBS[0], 0)
    assert np.allclose(shares(tokens, 4), expected / expected.sum(), atol=1e-3)


@pytest.mark.parametrize("scale", [8.0, 0.1])  # peaked rows take the shortlist, flat rows the vocabulary
def test_min_p_within_the_nucleus_on_both_paths(scale):
    logits = np.random.default_rng(8).normal(size=(1, 500)) * scale
    probs = softmax(logits)[0]
    tokens, = grid(logits, SamplingParams(top_p=0.9, min_p=0.8), rows=20000)
    order = np.argsort(-probs)
    nucleus = order[:int(np.searchsorted(np.cumsum(probs[order]), 0.9 * probs.sum())) + 1]
    assert set(tokens.tolist()) == {t for t in nucleus if probs[t] >= 0.8 * probs.max()}


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits_of_seen_tokens():
    logits = np.array([[2.0, -1.0, 1.0, 0.5]], np.float32)
    seen = np.array([[True, True, False, False]])
    penalised = np.array([[1.0, -2.0, 1.0, 0.5]], np.float32)
    params = SamplingParams(repetition_penalty=2.0)
    u = (np.arange(4000) + 0.5) / 4000
    tokens, logprobs = sample(np.tile(logits, (4000, 1)), RowLimits.of([params] * 4000, 4), u,
                              np.tile(seen, (4000, 1)))
    assert np.allclose(shares(tokens, 4), softmax(penalised)[0], atol=1e-3)
    assert np.allclose(logprobs, np.log(softmax(penalised)[0, tokens]), atol=1e-5)


def test_default_knobs_leave_tokens_and_logprobs_bit_identical():
    logits = np.random.default_rng(9).normal(size=(6, 300)).astype(np.float32)
    u = row_uniforms(4, 6, 1)[:, 0]
    for params in (SamplingParams(top_p=0.8), SamplingParams(top_k=1), SamplingParams(temperature=0.7)):
        limits = RowLimits.of([params] * 6, 300)
        plain = sample(logits, limits, u)
        all_seen = sample(logits, limits, u, np.ones((6, 300), bool))
        assert all(np.array_equal(a, b) for a, b in zip(plain, all_seen))


@pytest.mark.parametrize("bad", [dict(min_p=-0.1), dict(min_p=1.5), dict(repetition_penalty=0.0),
                                 dict(repetition_penalty=-1.0), dict(repetition_penalty=101.0),
                                 dict(min_p=float("nan")), dict(top_k=2.5)])
def test_bad_knobs_are_refused_with_their_name(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        SamplingParams(**bad)
