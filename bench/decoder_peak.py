"""The cached decoder against this machine's matmul peak, the uncached decoder and an older cached decoder.

n samples of max_length tokens of one 9-token input, top-p 0.95, vocab 12,000, random
weights (flat distributions, almost never [SEP]: every row runs every step, and the nucleus
never fits the sampler's shortlist, the worst case for choosing tokens). In one process, in
interleaved rounds: TensorFlow's float32 GEMM rate (2048 x 2048 matmuls for 2 s, same
threads; the highest of the run is the peak, as other work on shared cores lowers the
rest), the cached decoder (tf.function, and with `--xla` compiled by XLA), with `--old` the
cached decoder of an older commit (its `cached_decoder.py` and `sampler.py` from `git show`, run
on today's model code, so only commits whose cache has today's layout) and, once, the uncached
reference decoder. Useful FLOPs count the
matmuls a generated token needs: every layer's projections and feed-forward, attention over
the keys it sees (no padding), and the MLM head.

    .venv/bin/python bench/decoder_peak.py [--shape base] [--old COMMIT] [--rounds 3] [--xla]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import SHAPES, VOCAB, machine, write_result  # noqa: E402
from generate import TEXTS, measure, pipeline  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tf_gemm_peak(n: int = 2048, seconds: float = 2.0) -> float:
    """float32 GEMM GFLOP/s of TensorFlow sustained over `seconds` (as long as a decode, so it
    sees the same share of a shared machine), same threads."""
    import tensorflow as tf

    a, b = tf.random.normal([n, n]), tf.random.normal([n, n])
    tf.matmul(a, b).numpy()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        tf.matmul(a, b).numpy()
        count += 1
    return count * 2 * n**3 / (time.perf_counter() - start) / 1e9


def decode_flops(shape: str, source: int, lengths: list[int]) -> float:
    """Matmul FLOPs of generating `lengths` tokens per sample after a `source`-token input."""
    layers, hidden, _, intermediate = SHAPES[shape]
    per_token = layers * 2 * (4 * hidden * hidden + 2 * hidden * intermediate) + 2 * (hidden * hidden + hidden * VOCAB)
    keys = sum(source + t + 1 for length in lengths for t in range(length))  # keys each token attends to
    return sum(lengths) * per_token + keys * layers * 2 * 2 * hidden


def old_decoder(commit: str):
    """The `CachedDecoder` and `SamplingParams` of `commit`, loaded from `git show` into a temp module."""
    folder = tempfile.mkdtemp(prefix="old_decoder_")
    sources = {}
    for name in ("sampler", "cached_decoder"):
        text = subprocess.run(["git", "show", f"{commit}:simservice/inference/{name}.py"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
        sources[name] = text.replace("from simservice.inference.sampler import", "from old_sampler import")
    modules = {}
    sys.path.insert(0, folder)
    for name in ("sampler", "cached_decoder"):
        path = os.path.join(folder, f"old_{name}.py")
        with open(path, "w") as f:
            f.write(sources[name])
        spec = importlib.util.spec_from_file_location(f"old_{name}", path)
        modules[name] = importlib.util.module_from_spec(spec)
        sys.modules[f"old_{name}"] = modules[name]
        spec.loader.exec_module(modules[name])
    return modules["cached_decoder"], modules["sampler"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="base", choices=sorted(SHAPES))
    parser.add_argument("-n", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=32)
    parser.add_argument("--old", default="", help="commit whose cached decoder is compared (none by default: "
                        "commits before the cache's [batch, heads, length, size] layout cannot run on today's model)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--xla", action="store_true", help="also the cached decoder compiled by XLA")
    parser.add_argument("--no-uncached", action="store_true", help="skip the (slow) uncached decoder")
    args = parser.parse_args()

    from simservice.inference.cached_decoder import CachedDecoder, DecodeRequest
    from simservice.inference.reference_decoder import of as reference_of
    from simservice.inference.sampler import SamplingParams

    model = pipeline(args.shape)
    source = model.tokenizer.encode(TEXTS[0])
    request = DecodeRequest(source, args.n, SamplingParams(top_p=0.95), args.max_length, 0)
    decoders = {"cached": lambda: model.decoder.decode([request])[0]}
    if args.xla:
        xla = CachedDecoder(model.model, model.tokenizer.sep_id, jit_compile=True)
        decoders["cached, XLA"] = lambda: xla.decode([request])[0]
    if args.old:
        old, old_sampler = old_decoder(args.old)
        old_request = old.DecodeRequest(source, args.n, old_sampler.SamplingParams(top_p=0.95), args.max_length, 0)
        old_cached = old.CachedDecoder(model.model, model.tokenizer.sep_id)
        decoders[f"cached of {args.old}"] = lambda: old_cached.decode([old_request])[0]
    for fn in decoders.values():
        fn()  # traces for this shape (and queues its XLA compiles)
    if args.xla:
        xla.compiles.wait()

    rounds = []
    for r in range(args.rounds):
        row = {"load": round(os.getloadavg()[0], 2), "peak_gflops": round(tf_gemm_peak(), 1)}
        for name, fn in decoders.items():
            seconds, outputs = measure(fn)
            row[name] = {"seconds": round(seconds, 3), "tokens": sum(map(len, outputs)),
                         "gflop": round(decode_flops(args.shape, len(source), list(map(len, outputs))) / 1e9, 1)}
        row["load_after"] = round(os.getloadavg()[0], 2)
        rounds.append(row)
        print(f"round {r + 1}: load {row['load']}-{row['load_after']}, TF GEMM rate {row['peak_gflops']} GFLOP/s")
        for name in decoders:
            d = row[name]
            rate = d["gflop"] / d["seconds"]
            print(f"  {name:24s} {d['seconds']:6.2f} s  {d['tokens'] / d['seconds']:6.0f} tok/s  {rate:6.1f} GFLOP/s  "
                  f"{rate / row['peak_gflops']:4.0%} of this GEMM rate  "
                  f"{d['seconds'] / row['cached']['seconds']:.2f}x the time of cached")
    result = {"machine": machine(), "shape": args.shape, "n": args.n, "max_length": args.max_length,
              "old": args.old, "rounds": rounds}
    if not args.no_uncached:
        load = os.getloadavg()[0]
        seconds, outputs = measure(lambda: reference_of(model).generate_ids(
            source, args.n, request.params, args.max_length, 0))
        result["uncached"] = {"seconds": round(seconds, 3), "tokens": sum(map(len, outputs)), "load": round(load, 2),
                              "peak_gflops_after": round(tf_gemm_peak(), 1)}
        print(f"uncached: {seconds:.2f} s ({result['uncached']['tokens']} tokens), load {load:.2f}")
    peak = max(r["peak_gflops"] for r in rounds)
    print(f"median of the rounds; peak = the highest of the run, {peak} GFLOP/s (other work lowers the rest):")
    for name in decoders:
        median = statistics.median(r[name]["seconds"] for r in rounds)
        best = min(r[name]["seconds"] for r in rounds)
        versus = f", {result['uncached']['seconds'] / median:.1f}x faster than uncached" if "uncached" in result else ""
        print(f"  {name:24s} {median:6.2f} s  {rounds[0][name]['tokens'] / median:6.0f} tok/s  "
              f"{rounds[0][name]['gflop'] / median / peak:4.0%} of peak (best round {best:.2f} s, "
              f"{rounds[0][name]['gflop'] / best / peak:.0%}){versus}")
        if name != "cached":
            ratios = [r[name]["seconds"] / r["cached"]["seconds"] for r in rounds]
            print(f"  {'':24s} {statistics.median(ratios):.2f}x the time of cached (median of the rounds' ratios)")
    write_result("decoder_peak", result)


if __name__ == "__main__":
    main()
