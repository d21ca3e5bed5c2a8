"""The cached, batched decoder against the uncached reference decoder.

Exact maths (a prefix-LM with a key/value cache): next-token distributions agree within
1e-5 at every step and greedy / seeded outputs are token-identical, for RoFormer and BERT,
and for RoFormer with int8 weights (its activations are quantized per token, so a token's
int8 inputs are the same whether it runs cached or not).
"""

import numpy as np
import pytest

from tests.paths import FIXTURES
from simservice import load_model
from simservice.inference.batching import bucket_rows
from simservice.inference.cached_decoder import DecodeRequest
from simservice.inference.reference_decoder import generate_uncached
from simservice.inference.reference_decoder import of as reference_of
from simservice.inference.sampler import SamplingParams, softmax

TEXTS = ["今天天气怎么样", "你好", "我想买一台新的笔记本电脑，有什么推荐吗？", "How are you 2024"]


@pytest.fixture(params=["roformer", "bert", "roformer_int8"])
def model(request):
    return request.getfixturevalue(request.param)


def test_distribution_equal_at_every_step(model):
    source = model.tokenizer.encode(TEXTS[2])
    targets = model.tokenizer.encode("我要买电脑")[1:]  # a forced continuation, ending with [SEP]
    cached = softmax(model.decoder.forced_logits(source, targets))
    for step in range(len(targets) + 1):
        reference = reference_of(model).last_probs(source, [targets[:step]])[0]
        assert np.abs(cached[step] - reference).max() < 1e-5, f"step {step}"


def test_greedy_tokens_identical(model):
    for text in TEXTS:
        source = model.tokenizer.encode(text)
        reference = reference_of(model).generate_ids(source, 1, SamplingParams(top_k=1), 16)
        cached = model.decoder.decode([DecodeRequest(source, 1, SamplingParams(top_k=1), 16)])[0]
        assert cached == reference


def test_left_padded_batch_equals_each_source_alone(model):
    requests = [DecodeRequest(model.tokenizer.encode(t), 2, SamplingParams(top_k=1), 10) for t in TEXTS]
    together = model.decoder.decode(requests)
    for request, result in zip(requests, together):
        assert model.decoder.decode([request])[0] == result


def test_seed_reproduces_a_request_alone_and_in_a_batch(model):
    params = SamplingParams(top_p=0.9, temperature=1.3)
    mine = DecodeRequest(model.tokenizer.encode(TEXTS[0]), 4, params, 10, seed=11)
    others = [DecodeRequest(model.tokenizer.encode(t), 3, SamplingParams(top_k=5), 6, seed=i)
              for i, t in enumerate(TEXTS[1:])]
    alone = model.decoder.decode([mine])[0]
    in_batch = model.decoder.decode([others[0], mine, *others[1:]])[1]
    assert alone == in_batch
    assert alone == reference_of(model).generate_ids(mine.source_ids, 4, params, 10, seed=11)


def test_rows_that_finish_early_leave_the_batch():
    """With [SEP] made likely, rows end at different steps: the step batch shrinks (by powers of
    two) as they finish, and the results still match the reference. The steps run in a compiled
    loop that hands back to the host when the live rows fit half the batch; each run's batch
    and the steps it ran give the batch of every step."""
    model = load_model(FIXTURES / "roformer_tf1")
    bias = model.model.mlm_head.bias
    values = bias.numpy()
    values[model.tokenizer.sep_id] += 5.5
    bias.assign(values)
    params = SamplingParams(top_p=0.95)
    source = model.tokenizer.encode(TEXTS[0])
    reference = reference_of(model).generate_ids(source, 12, params, 16, seed=4)
    lengths = {len(r) for r in reference}
    assert len(lengths) > 3 and any(r[-1] == model.tokenizer.sep_id for r in reference)
    batches = []
    run_steps = model.decoder.run_steps

    def recording_run(batch):
        after = run_steps(batch)
        batches.extend([batch.rows] * (after.t - batch.t))
        return after

    model.decoder.run_steps = recording_run
    cached = model.decoder.decode([DecodeRequest(source, 12, params, 16, seed=4)])[0]
    assert cached == reference
    # After step t's token, the rows still going are those longer than t + 1 tokens; the next
    # step runs on the smallest power of two that holds them.
    live = [sum(len(r) > t + 1 for r in reference) for t in range(16)]
    assert batches == [bucket_rows(n) for n in live if n] and batches[-1] < bucket_rows(12)


def test_each_request_keeps_its_max_length(model):
    requests = [DecodeRequest(model.tokenizer.encode(TEXTS[0]), 2, SamplingParams(top_k=1), 3),
                DecodeRequest(model.tokenizer.encode(TEXTS[1]), 2, SamplingParams(top_k=1), 9)]
    short, long = model.decoder.decode(requests)
    assert all(len(o) <= 3 for o in short) and all(len(o) <= 9 for o in long)
    assert any(len(o) > 3 for o in long)


def test_generate_runs_cached_and_matches_uncached(model):
    kwargs = dict(n=3, top_p=0.95, max_length=8, seed=2)
    assert model.generate(TEXTS[0], **kwargs) == generate_uncached(model, TEXTS[0], **kwargs)


def test_paraphrase_batch_equals_one_by_one(roformer):
    jobs = [roformer.paraphrase_job(t, n=6, k=3, max_length=8, seed=i) for i, t in enumerate(TEXTS[:3])]
    together = [result.paraphrases for result in roformer.paraphrase_batch(jobs)]
    for job, result in zip(jobs, together):
        alone = roformer.paraphrase_batch([job])[0].paraphrases
        assert [t for t, _ in alone] == [t for t, _ in result]
        assert np.allclose([s for _, s in alone], [s for _, s in result], atol=1e-5)


def test_empty_request_list(roformer):
    assert roformer.decoder.decode([]) == []
    assert roformer.paraphrase_batch([]) == []


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_decode_scores_are_the_mean_logprob_of_the_sampled_tokens(model, temperature):
    source = model.tokenizer.encode(TEXTS[1])
    request = DecodeRequest(source, 4, SamplingParams(top_p=0.9, temperature=temperature), 6, seed=2)
    outputs, scores = model.decoder.decode_scored([request])
    assert outputs == model.decoder.decode([request])
    for ids, score in zip(outputs[0], scores[0]):
        logits = model.decoder.forced_logits(source, ids)[: len(ids)] / temperature
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits[np.arange(len(ids)), ids] - np.log(np.exp(logits).sum(axis=1))
        assert score == pytest.approx(float(logp.mean()), abs=1e-4)


SAMPLINGS = {"greedy": SamplingParams(strategy="greedy"),
             "random": SamplingParams(strategy="random", temperature=1.5),
             "top_k": SamplingParams(top_k=5), "top_p": SamplingParams(top_p=0.8, top_k=20),
             "min_p": SamplingParams(min_p=0.3), "penalty": SamplingParams(top_p=0.9, repetition_penalty=1.5),
             "reward": SamplingParams(repetition_penalty=0.7, temperature=1.3),
             "greedy_penalty": SamplingParams(top_k=1, repetition_penalty=3.0),
             "all": SamplingParams(top_k=8, min_p=0.1, repetition_penalty=2.0)}


@pytest.mark.parametrize("params", SAMPLINGS.values(), ids=SAMPLINGS)
def test_every_sampler_and_knob_cached_equals_uncached(model, params):
    for i, text in enumerate(TEXTS[:2]):
        source = model.tokenizer.encode(text)
        cached = model.decoder.decode([DecodeRequest(source, 3, params, 10, seed=i)])[0]
        assert cached == reference_of(model).generate_ids(source, 3, params, 10, seed=i)


def test_knobs_are_per_row_in_a_batch(roformer):
    """Requests with different knobs decoded together give what each gives alone."""
    requests = [DecodeRequest(roformer.tokenizer.encode(t), 2, p, 8, seed=i)
                for i, (t, p) in enumerate(zip(TEXTS * 3, SAMPLINGS.values()))]
    together = roformer.decoder.decode(requests)
    assert together == [roformer.decoder.decode([r])[0] for r in requests]
