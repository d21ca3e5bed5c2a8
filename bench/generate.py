"""Paraphrase speed: the cached, batched decoder vs the uncached reference decoder, one run.

paraphrase(n=32, k=8, max_length=32) on the base (12 x 768) and small (6 x 384) shapes,
vocab 12,000, random weights (which rarely emit [SEP], so nearly every sample runs the full
32 steps: the worst case). Also 8 different texts in one batch vs 8 calls one after another.

    .venv/bin/python bench/generate.py [--shapes small base]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import SHAPES, VOCAB, machine, write_result  # noqa: E402

TEXTS = ["今天天气怎么样", "我想买一台新的笔记本电脑", "怎么开通花呗", "北京到上海的高铁要多久",
         "这部电影好看吗", "如何提高英语口语", "手机充不进电怎么办", "周末去哪里玩比较好"]


def pipeline(shape: str):
    from simservice.inference.pipeline import SimPipeline
    from simservice.model import ModelConfig, SimModel, Tokenizer

    layers, hidden, heads, intermediate = SHAPES[shape]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = sorted(set("".join(TEXTS)))
    chars += [chr(c) for c in range(0x4E00, 0x9FFF) if chr(c) not in chars][: VOCAB - len(specials) - len(chars)]
    vocab = {t: i for i, t in enumerate(specials + chars)}
    config = ModelConfig(vocab_size=VOCAB, hidden_size=hidden, num_layers=layers, num_heads=heads,
                         intermediate_size=intermediate)
    return SimPipeline(SimModel(config), Tokenizer(vocab))


def paraphrase_uncached(model, text: str, n: int, k: int, max_length: int, seed: int):
    """gen_synonyms exactly as bert4keras runs it: every step recomputes the whole sequence."""
    from simservice.inference.paraphrase import rank_candidates, unique_candidates

    candidates = unique_candidates(text, model.generate_uncached(text, n, top_p=0.95, max_length=max_length,
                                                                 seed=seed))
    return rank_candidates(text, candidates, model.encode([text, *candidates]), k)


def measure(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=["small", "base"], choices=sorted(SHAPES))
    parser.add_argument("-n", type=int, default=32)
    parser.add_argument("-k", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=32)
    args = parser.parse_args()
    from simservice.inference.paraphrase import ParaphraseJob

    result = {"machine": machine(), "n": args.n, "k": args.k, "max_length": args.max_length, "shapes": {}}
    for shape in args.shapes:
        model = pipeline(shape)
        job = dict(n=args.n, k=args.k, max_length=args.max_length, seed=0)
        model.paraphrase(TEXTS[0], **job)  # warm-up: traces the compiled functions
        model.paraphrase_batch([ParaphraseJob(t, **job) for t in TEXTS])
        paraphrase_uncached(model, TEXTS[0], args.n, args.k, 2, 0)

        def tokens_of(decode_rows):
            return sum(len(o) for rows in decode_rows for o in rows)

        from simservice.inference.cached_decoder import DecodeRequest
        from simservice.inference.sampler import SamplingParams

        one = [DecodeRequest(model.source_ids(TEXTS[0]), args.n, SamplingParams(top_p=0.95), args.max_length, 0)]
        generated_one = tokens_of(model.decoder.decode(one))
        cached_s, _ = measure(lambda: model.paraphrase(TEXTS[0], **job))
        uncached_s, _ = measure(lambda: paraphrase_uncached(model, TEXTS[0], args.n, args.k, args.max_length, 0))
        jobs = [ParaphraseJob(t, **job) for t in TEXTS]
        batched_s, _ = measure(lambda: model.paraphrase_batch(jobs))
        sequential_s, _ = measure(lambda: [model.paraphrase_batch([j]) for j in jobs])
        generated_eight = tokens_of(model.decoder.decode(
            [DecodeRequest(model.source_ids(t), args.n, SamplingParams(top_p=0.95), args.max_length, 0)
             for t in TEXTS]))
        row = {
            "one_text": {"cached_seconds": round(cached_s, 3), "uncached_seconds": round(uncached_s, 3),
                         "generated_tokens": generated_one,
                         "cached_tokens_per_second": round(generated_one / cached_s, 1),
                         "uncached_tokens_per_second": round(generated_one / uncached_s, 1),
                         "speedup": round(uncached_s / cached_s, 1)},
            "eight_texts": {"batched_seconds": round(batched_s, 3), "sequential_seconds": round(sequential_s, 3),
                            "generated_tokens": generated_eight,
                            "batched_tokens_per_second": round(generated_eight / batched_s, 1),
                            "sequential_tokens_per_second": round(generated_eight / sequential_s, 1),
                            "speedup": round(sequential_s / batched_s, 2)},
        }
        result["shapes"][shape] = row
        print(f"\n{shape}: paraphrase(n={args.n}, k={args.k}, max_length={args.max_length})")
        o, e = row["one_text"], row["eight_texts"]
        print(f"  one text : cached {o['cached_seconds']:.2f}s ({o['cached_tokens_per_second']} tok/s), "
              f"uncached {o['uncached_seconds']:.2f}s ({o['uncached_tokens_per_second']} tok/s) -> {o['speedup']}x")
        print(f"  8 texts  : batched {e['batched_seconds']:.2f}s ({e['batched_tokens_per_second']} tok/s), "
              f"one by one {e['sequential_seconds']:.2f}s -> {e['speedup']}x")
    write_result("generate", result)


if __name__ == "__main__":
    main()
