"""`generate` (the cached decoder) and the reference decoder's output limits: greedy
determinism, seeds, max_length, mask_idxs and BERT's position limit."""

import pytest


def test_greedy_is_deterministic(roformer):
    a = roformer.generate("今天天气怎么样", n=2, top_k=1, max_length=8)
    b = roformer.generate("今天天气怎么样", n=2, top_k=1, max_length=8)
    assert a == b and a[0] == a[1]


def test_seed_reproduces_samples(roformer):
    a = roformer.generate("我想买一台电脑", n=4, top_p=0.95, max_length=8, seed=7)
    b = roformer.generate("我想买一台电脑", n=4, top_p=0.95, max_length=8, seed=7)
    c = roformer.generate("我想买一台电脑", n=4, top_p=0.95, max_length=8, seed=8)
    assert a == b
    assert len(a) == 4 and all(isinstance(t, str) for t in a)
    assert a != c


def test_max_length_bounds_the_output(roformer):
    source = roformer.tokenizer.encode("你好")
    from simservice.inference.reference_decoder import of as reference_of
    from simservice.inference.sampler import SamplingParams

    outs = reference_of(roformer).generate_ids(source, 3, SamplingParams(temperature=5.0), 5, seed=0)
    assert all(1 <= len(o) <= 5 for o in outs)
    assert all(roformer.tokenizer.sep_id not in o[:-1] for o in outs)


def test_mask_idxs_out_of_range(roformer):
    with pytest.raises(ValueError, match="mask index 99"):
        roformer.generate("你好", mask_idxs=[99])


def test_mask_idxs_without_a_mask_token_are_refused(roformer, monkeypatch):
    """A vocabulary without a mask token (an e5 checkpoint pruned before the converter kept <mask>)."""
    monkeypatch.setattr(roformer.tokenizer, "mask_id", None)
    with pytest.raises(ValueError, match="no mask token"):
        roformer.paraphrase_job("你好", mask_idxs=[1])
    assert roformer.paraphrase_job("你好").prompt_ids == roformer.paraphrase_job("你好").source_ids


def test_mask_idxs_change_the_source(roformer):
    job = roformer.paraphrase_job("你好", mask_idxs=[1])
    assert job.prompt_ids[1] == roformer.tokenizer.mask_id and job.source_ids[1] != roformer.tokenizer.mask_id


def test_bert_positions_are_not_outrun(bert):
    """The tiny BERT has 64 positions: a 60-token input cannot take 16 more."""
    with pytest.raises(ValueError, match="exceed the model's 64 positions"):
        bert.generate("好" * 58, max_length=16)
    assert len(bert.generate("好" * 58, max_length=4, top_k=1)) == 1


def test_min_p_one_is_greedy(roformer):
    for text in ("今天天气怎么样", "我想买一台电脑"):
        sampled = roformer.generate(text, n=3, min_p=1.0, temperature=1.5, max_length=12, seed=1)
        assert sampled == roformer.generate(text, n=3, top_k=1, max_length=12)


def test_huge_repetition_penalty_never_repeats_a_token(roformer):
    """Greedy, the plain model repeats itself; penalised, no token of the source or the output comes twice."""
    from simservice.inference.cached_decoder import DecodeRequest
    from simservice.inference.sampler import SamplingParams

    for text in ("今天天气怎么样", "我想买一台新的笔记本电脑"):
        source = roformer.tokenizer.encode(text)
        plain, = roformer.decoder.decode([DecodeRequest(source, 1, SamplingParams(top_k=1), 16)])[0]
        assert len(set(plain)) < len(plain)
        ids, = roformer.decoder.decode([DecodeRequest(source, 1, SamplingParams(top_k=1, repetition_penalty=100.0),
                                                      16)])[0]
        assert len(ids) == 16 and len(set(ids)) == len(ids) and not set(ids) & set(source)
