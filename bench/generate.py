"""Paraphrase speed: the cached, batched decoder vs the uncached reference decoder, one run.

paraphrase(n=32, k=8, max_length=32) on the base (12 x 768) and small (6 x 384) shapes,
vocab 12,000, random weights (which rarely emit [SEP], so nearly every sample runs the full
32 steps: the worst case). Decoding alone, and the whole paraphrase (decoding, then encoding
the input and every candidate to rank them, a cost both decoders share). Also 8 different
texts in one batch vs 8 calls one after another.

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
    from simservice.inference.reference_decoder import generate_uncached

    candidates = unique_candidates(text, generate_uncached(model, text, n, top_p=0.95, max_length=max_length,
                                                                 seed=seed))
    return rank_candidates(text, candidates, model.encode([text, *candidates]), k)


def _pair(fast: str, fast_s: float, slow: str, slow_s: float, tokens: int) -> dict:
    return {f"{fast}_seconds": round(fast_s, 3), f"{slow}_seconds": round(slow_s, 3),
            "generated_tokens": tokens, "speedup": round(slow_s / fast_s, 2)}


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

    result = {"machine": machine(), "n": args.n, "k": args.k, "max_length": args.max_length, "shapes": {}}
    from simservice.inference.cached_decoder import CachedDecoder, DecodeRequest
    from simservice.inference.reference_decoder import of as reference_of
    from simservice.inference.sampler import SamplingParams

    params = SamplingParams(top_p=0.95)
    for shape in args.shapes:
        model = pipeline(shape)
        job = dict(n=args.n, k=args.k, max_length=args.max_length, seed=0)
        jobs = [model.paraphrase_job(t, **job) for t in TEXTS]
        requests = [DecodeRequest(model.tokenizer.encode(t), args.n, params, args.max_length, 0) for t in TEXTS]
        model.paraphrase_batch(jobs[:1])  # warm-up: traces the compiled functions
        model.paraphrase_batch(jobs)
        reference_of(model).generate_ids(requests[0].source_ids, args.n, params, 2, 0)

        cached_s, decoded = measure(lambda: model.decoder.decode(requests[:1]))
        xla = CachedDecoder(model.model, model.tokenizer.sep_id, jit_compile=True)
        xla.decode(requests[:1])  # queues the XLA compiles of this request's shapes
        xla.compiles.wait()
        xla_s, _ = measure(lambda: xla.decode(requests[:1]))
        uncached_s, _ = measure(lambda: reference_of(model).generate_ids(
            requests[0].source_ids, args.n, params, args.max_length, 0))
        tokens_one = sum(len(o) for o in decoded[0])
        para_cached_s, _ = measure(lambda: model.paraphrase(TEXTS[0], **job))
        para_uncached_s, _ = measure(lambda: paraphrase_uncached(model, TEXTS[0], args.n, args.k,
                                                                 args.max_length, 0))
        batched_s, decoded8 = measure(lambda: model.decoder.decode(requests))
        sequential_s, _ = measure(lambda: [model.decoder.decode([r]) for r in requests])
        tokens_eight = sum(len(o) for rows in decoded8 for o in rows)
        para_batched_s, _ = measure(lambda: model.paraphrase_batch(jobs))
        para_sequential_s, _ = measure(lambda: [model.paraphrase_batch([j]) for j in jobs])
        row = {
            "decode_one_text": _pair("cached", cached_s, "uncached", uncached_s, tokens_one),
            "decode_one_text_xla": _pair("cached_xla", xla_s, "uncached", uncached_s, tokens_one),
            "paraphrase_one_text": _pair("cached", para_cached_s, "uncached", para_uncached_s, tokens_one),
            "decode_eight_texts": _pair("batched", batched_s, "one_by_one", sequential_s, tokens_eight),
            "paraphrase_eight_texts": _pair("batched", para_batched_s, "one_by_one", para_sequential_s,
                                            tokens_eight),
        }
        result["shapes"][shape] = row
        layers, hidden, *_ = SHAPES[shape]
        print(f"\n{shape} ({layers} x {hidden}): n={args.n}, k={args.k}, max_length={args.max_length}")
        for name, r in row.items():
            (a, a_s), (b, b_s) = [(key[:-8], r[key]) for key in r if key.endswith("_seconds")]
            print(f"  {name:24s} {a} {a_s:7.2f}s vs {b} {b_s:7.2f}s -> {r['speedup']:5.2f}x "
                  f"({r['generated_tokens']} tokens, {r['generated_tokens'] / a_s:.0f} tok/s)")
    write_result("generate", result)


if __name__ == "__main__":
    main()
