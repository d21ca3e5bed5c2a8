"""Sampling rules: greedy, top-k, top-p (smallest prefix of mass >= p), temperature, seeds."""

import numpy as np
import pytest

from simservice.inference.sampler import SamplingParams, filter_probs, row_generators, sample, softmax


def test_top_p_keeps_smallest_prefix_reaching_p():
    probs = np.array([[0.1, 0.4, 0.3, 0.2]], np.float32)
    kept = filter_probs(probs, SamplingParams(top_p=0.7))  # 0.4 + 0.3 = 0.7 >= 0.7
    assert np.array_equal(kept > 0, [[False, True, True, False]])
    kept = filter_probs(probs, SamplingParams(top_p=0.71))  # needs 0.2 as well
    assert np.array_equal(kept > 0, [[False, True, True, True]])
    kept = filter_probs(probs, SamplingParams(top_p=0.3))  # the top token alone is enough
    assert np.array_equal(kept > 0, [[False, True, False, False]])
    assert np.allclose(kept.sum(), 1.0)


def test_top_k_keeps_k_most_likely():
    probs = np.array([[0.1, 0.4, 0.3, 0.2]], np.float32)
    kept = filter_probs(probs, SamplingParams(top_k=2))
    assert np.array_equal(kept > 0, [[False, True, True, False]])
    assert np.allclose(kept, [[0, 4 / 7, 3 / 7, 0]])


def test_greedy_is_argmax():
    probs = softmax(np.array([[0.0, 3.0, 1.0], [5.0, 0.0, 0.0]]))
    assert sample(probs, SamplingParams(top_k=1), row_generators(0, 2)).tolist() == [1, 0]


def test_temperature_sharpens():
    logits = np.array([[1.0, 2.0]])
    assert softmax(logits, 0.5)[0, 1] > softmax(logits, 1.0)[0, 1] > softmax(logits, 2.0)[0, 1]


def test_sampling_follows_the_distribution():
    probs = np.tile(np.array([[0.5, 0.3, 0.2, 0.0]], np.float32), (4000, 1))
    ids = sample(probs, SamplingParams(), row_generators(1, 4000))
    freq = np.bincount(ids, minlength=4) / len(ids)
    assert np.abs(freq - [0.5, 0.3, 0.2, 0.0]).max() < 0.03
    assert freq[3] == 0


def test_seeded_rows_are_independent_of_batch_size():
    probs = np.tile(softmax(np.random.default_rng(3).normal(size=(1, 50))), (8, 1))
    alone = sample(probs[:3], SamplingParams(top_p=0.9), row_generators(42, 3))
    together = sample(probs, SamplingParams(top_p=0.9), row_generators(42, 8))
    assert np.array_equal(alone, together[:3])


@pytest.mark.parametrize("bad", [dict(top_k=0), dict(top_p=0.0), dict(top_p=1.5), dict(temperature=0.0)])
def test_bad_params_are_refused(bad):
    with pytest.raises(ValueError):
        SamplingParams(**bad)


def test_shortlist_and_full_sort_agree_on_the_nucleus():
    """Peaked rows take the shortlist, flat rows the full sort; both keep the same tokens."""
    rng = np.random.default_rng(5)
    peaked = softmax(rng.normal(size=(3, 500)) * 8)
    flat = softmax(rng.normal(size=(3, 500)) * 0.1)
    probs = np.concatenate([peaked, flat])
    params = SamplingParams(top_p=0.9)
    got = filter_probs(probs, params) > 0
    for row, p in zip(got, probs):
        order = np.argsort(-p)
        cum = np.cumsum(p[order])
        needed = int(np.searchsorted(cum, 0.9 * cum[-1])) + 1
        assert set(np.flatnonzero(row)) == set(order[:needed].tolist())
    assert got[:3].sum() < 64 < got[3:].sum(axis=1).min()


@pytest.mark.parametrize("params", [SamplingParams(), SamplingParams(top_p=1.0), SamplingParams(top_k=2, top_p=1.0)])
def test_sampling_without_a_nucleus(params):
    probs = np.tile(np.array([[0.5, 0.3, 0.2]], np.float32), (3000, 1))
    ids = sample(probs, params, row_generators(2, 3000))
    expected = [0.5, 0.3, 0.2] if params.top_k is None else [0.625, 0.375, 0.0]
    assert np.abs(np.bincount(ids, minlength=3) / 3000 - expected).max() < 0.03
    assert np.allclose(filter_probs(probs[:1], params), [expected], atol=1e-6)
