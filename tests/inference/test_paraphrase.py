"""gen_synonyms semantics: deduplicated, without the input, sorted by score, at most k."""

import numpy as np
import pytest

from simservice.inference.paraphrase import rank_candidates, unique_candidates


def test_unique_candidates_drops_input_duplicates_and_empty():
    assert unique_candidates("a", ["b", "a", "c", "b", "", "c", "d"]) == ["b", "c", "d"]


def test_rank_candidates_sorted_and_cut_to_k():
    vectors = np.array([[1, 0], [0.6, 0.8], [1, 0], [0, 1]], np.float32)
    ranked = rank_candidates("x", ["p", "q", "r"], vectors, k=2)
    assert [t for t, _ in ranked] == ["q", "p"]
    assert ranked[0][1] == pytest.approx(1.0) and ranked[1][1] == pytest.approx(0.6)


def test_paraphrase_on_the_model(roformer):
    text = "今天天气怎么样"
    out = roformer.paraphrase(text, n=12, k=5, max_length=8, seed=3)
    texts = [t for t, _ in out]
    scores = [s for _, s in out]
    assert 1 <= len(out) <= 5
    assert text not in texts and len(set(texts)) == len(texts)
    assert scores == sorted(scores, reverse=True)
    vectors = roformer.encode([text, *texts])
    assert np.allclose(scores, vectors[1:] @ vectors[0], atol=1e-5)
    assert roformer.paraphrase(text, n=12, k=5, max_length=8, seed=3) == out


@pytest.mark.parametrize("bad", [dict(n=0), dict(k=0), dict(max_length=0), dict(top_p=2.0), dict(mask_idxs=[9]),
                                 dict(sampler="top_k"), dict(sampler="beam")])
def test_bad_jobs_are_refused(roformer, bad):
    with pytest.raises(ValueError):
        roformer.paraphrase("你好", **bad)
