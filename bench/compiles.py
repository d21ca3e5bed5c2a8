"""With --xla, the first request of a decode shape: compiled on the request's path against
compiled in the background (the traced loop answering meanwhile).

One process; for each model, two fresh XLA decoders: "on the request path" runs the XLA loop
for every shape at once (so a new shape compiles inside the request, as before background
compiles), "background" is the decoder as served. Each is warmed on a 2-sample request (which
traces the prefill and the traced loop), then answers one paraphrase-sized request (n=32,
max_length=32, top-p 0.95, seed 0) per text, texts of different source widths, so every
request brings new shapes: its first-request latency. Then, all compiles done, the same
requests again, twice each: the steady latency (the faster of the two). `demo` is the shipped
model (samples finish at different steps, so a request halves its batch through several
shapes); `base` is 12 x 768 with random weights and its [SEP] logit raised by 7 so that its
samples, too, end at varied steps. `--int8` quantizes the blocks as `--precision int8` does.

    .venv/bin/python bench/compiles.py [--models demo base] [--int8]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import machine, write_result  # noqa: E402

TEXTS = ["今天天气怎么样", "我想买一台新的笔记本电脑，有什么推荐吗", "怎么开通花呗",
         "北京到上海的高铁要多久才能到，票价是多少钱一张"]


def load(name: str):
    if name == "demo":
        from simservice import load_model

        return load_model(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "demo"))
    from generate import pipeline

    model = pipeline(name)
    bias = model.model.mlm_head.bias  # [SEP] made likely (about 1 in 12): samples end at varied steps
    values = bias.numpy()
    values[model.tokenizer.sep_id] += 7.0
    bias.assign(values)
    return model


def run(model, mode: str) -> dict:
    from simservice.inference.cached_decoder import CachedDecoder, DecodeRequest
    from simservice.inference.sampler import SamplingParams

    decoder = CachedDecoder(model.model, model.tokenizer.sep_id, jit_compile=True)
    if mode == "on the request path":
        decoder.compiles.ready = lambda shape: True  # the XLA loop at once: it compiles when first run
    params = SamplingParams(top_p=0.95)
    decoder.decode([DecodeRequest(model.tokenizer.encode("你好"), 2, params, 8, 0)])
    decoder.compiles.wait()
    requests = [DecodeRequest(model.tokenizer.encode(t), 32, params, 32, 0) for t in TEXTS]
    first, steady = [], []
    for request in requests:
        start = time.perf_counter()
        decoder.decode([request])
        first.append(time.perf_counter() - start)
    decoder.compiles.wait()
    for request in requests:
        times = []
        for _ in range(2):  # the best of two: an executable's first run is slower
            start = time.perf_counter()
            decoder.decode([request])
            times.append(time.perf_counter() - start)
        steady.append(min(times))
    return {"first": [round(s, 2) for s in first], "steady": [round(s, 2) for s in steady],
            "background_compiles": decoder.compiles.compiled, "background_compile_s": round(decoder.compiles.seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["demo", "base"], choices=["demo", "small", "base"])
    parser.add_argument("--int8", action="store_true", help="quantize the models' blocks to int8 (--precision int8)")
    args = parser.parse_args()
    result = {"machine": machine(), "texts": TEXTS, "int8": args.int8, "models": {}}
    for name in args.models:
        model = load(name)
        if args.int8:
            from simservice.model.quantization import quantize_int8

            quantize_int8(model.model)
        rows = {mode: run(model, mode) for mode in ("on the request path", "background")}
        result["models"][name] = rows
        print(f"{name}: first request of new shapes / steady, seconds per request (load {os.getloadavg()[0]:.1f})")
        for mode, row in rows.items():
            print(f"  {mode:20s} first {row['first']} (total {sum(row['first']):.1f} s)  steady {row['steady']}  "
                  f"{row['background_compiles']} background compiles, {row['background_compile_s']} s")
    write_result("compiles", result)


if __name__ == "__main__":
    main()
