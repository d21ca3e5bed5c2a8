"""int8 against float32 in one run: vector quality on real sentences, and the decoder's speed.

Quality: every distinct sentence of the dev pair files (../shared/data/dev by default) through
a real checkpoint (models/demo by default) in float32, in `--precision int8` (XLA) and, unless
--no-onnx, through ONNX Runtime int8 (our ONNX export quantized by `quantize_dynamic`, as in
bench/encode.py); the cosine of each int8 vector to its float32 vector (mean, min) and each
file's Spearman / AUC as `simservice eval` computes them, and how well each int8 way keeps the
order of float32's pair scores (their Spearman to float32's, meaningful on random weights too).

Speed: the cached decoder (compiled with XLA, as `--xla` serves it) decoding n=32 samples of 32 tokens for
one text and for 8 texts together, float32 against int8 on the same random weights, base and
small shapes, the two alternating for --rounds rounds; each keeps its best round.

    .venv/bin/python bench/int8.py [--shapes small base] [--rounds 2] [--model models/demo]
    .venv/bin/python bench/int8.py --random-shape base --pairs 500 --shapes   # quality at base shape
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from common import machine, write_result

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "dev"


def onnx_int8_encode(pipeline):
    """`texts -> unit vectors` through ONNX Runtime int8 on the batches the pipeline's encoder forms."""
    from encode import onnxruntime_encoder

    from simservice.inference.batching import length_sorted_batches

    run = onnxruntime_encoder(pipeline.encoder, os.cpu_count() or 1, int8=True)

    def encode(texts):
        ids = pipeline.tokenizer.encode_batch(texts)
        out = np.zeros((len(ids), pipeline.dim), dtype=np.float32)
        for batch in length_sorted_batches([len(row) for row in ids], pipeline.limits):
            out[batch] = run([ids[i] for i in batch])
        return out

    return encode


def quality(model_dir: Path, files: list[Path], onnx: bool, limit: int | None = None) -> dict:
    from simservice import load_model
    from simservice.evaluation.pairs_file import read_labelled_pairs
    from simservice.evaluation.report import evaluate_pairs
    from simservice.evaluation.metrics import spearman

    fp32 = load_model(model_dir, jit_compile=True)
    ways = {"simservice int8": load_model(model_dir, precision="int8", jit_compile=True).encode}
    if onnx:
        ways["onnxruntime int8"] = onnx_int8_encode(fp32)
    pairs = {path.stem: first_pairs(read_labelled_pairs(path), limit) for path in files}
    texts = list(dict.fromkeys(t for p in pairs.values() for t in (*p.first, *p.second)))
    reference = fp32.encode(texts)
    vectors = {"float32": dict(zip(texts, reference))}
    result = {"model": str(model_dir), "sentences": len(texts), "cosine_to_float32": {}, "files": {}}
    for name, encode in ways.items():
        found = encode(texts)
        cosines = np.sum(found * reference, axis=1)
        result["cosine_to_float32"][name] = {"mean": float(cosines.mean()), "min": float(cosines.min()),
                                             "p01": float(np.percentile(cosines, 1))}
        vectors[name] = dict(zip(texts, found))
    for stem, p in pairs.items():
        result["files"][stem] = {name: evaluate_pairs(stem, p, lambda ts, v=v: np.stack([v[t] for t in ts])).as_dict()
                                 for name, v in vectors.items()}
        scores = {name: np.array([v[a] @ v[b] for a, b in zip(p.first, p.second)]) for name, v in vectors.items()}
        for name in ways:  # do the pairs keep float32's order? (meaningful for random weights too)
            result["files"][stem][name]["spearman_to_float32"] = float(spearman(scores[name], scores["float32"]))
    return result


def first_pairs(pairs, limit: int | None):
    """The first `limit` pairs (all with None)."""
    from simservice.evaluation.pairs_file import LabelledPairs

    if limit is None:
        return pairs
    return LabelledPairs(pairs.first[:limit], pairs.second[:limit], pairs.labels[:limit])


def decoder_speed(shape: str, rounds: int) -> dict:
    from generate import TEXTS, pipeline

    from simservice.inference.cached_decoder import CachedDecoder, DecodeRequest
    from simservice.inference.sampler import SamplingParams
    from simservice.model import SimModel
    from simservice.model.quantization import quantize_int8

    fp32 = pipeline(shape)
    int8_model = SimModel(fp32.config)
    int8_model.set_weights(fp32.model.get_weights())
    quantize_int8(int8_model)
    sep = fp32.tokenizer.sep_id
    decoders = {"float32": CachedDecoder(fp32.model, sep, jit_compile=True),
                "int8": CachedDecoder(int8_model, sep, jit_compile=True)}
    params = SamplingParams(top_p=0.95)
    requests = [DecodeRequest(fp32.tokenizer.encode(t), 32, params, 32, seed=0) for t in TEXTS]
    cases = {"one_text": requests[:1], "eight_texts": requests}
    for decoder in decoders.values():  # compile every loop shape once
        for case in cases.values():
            decoder.decode(case)
        decoder.compiles.wait()
    best: dict = {}
    loads = [os.getloadavg()[0]]
    for _ in range(rounds):
        for case, batch in cases.items():
            for name, decoder in decoders.items():
                start = time.perf_counter()
                outputs = decoder.decode(batch)
                seconds = time.perf_counter() - start
                tokens = sum(len(o) for rows in outputs for o in rows)
                if seconds < best.get((case, name), (np.inf,))[0]:
                    best[(case, name)] = (seconds, tokens)
        loads.append(os.getloadavg()[0])
    rows = {}
    for case in cases:
        base_s = best[(case, "float32")][0]
        for name in decoders:
            seconds, tokens = best[(case, name)]
            rows[f"{case}, {name}"] = {"seconds": round(seconds, 3), "tokens": tokens,
                                       "tokens_per_second": round(tokens / seconds, 1),
                                       "vs_float32": round(base_s / seconds, 2)}
    return {"rows": rows, "load_average": [round(x, 2) for x in loads]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="*", default=["small", "base"], choices=["small", "base"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "demo")
    parser.add_argument("--random-shape", choices=["small", "base"],
                        help="instead of --model, a checkpoint of this shape with random weights")
    parser.add_argument("--pairs", type=int, help="only the first PAIRS pairs of each file")
    parser.add_argument("--data", type=Path, nargs="*", default=sorted(DEV.glob("*.tsv")))
    parser.add_argument("--no-onnx", dest="onnx", action="store_false", help="leave ONNX Runtime int8 out")
    args = parser.parse_args()

    result = {"machine": machine(), "decoder": {}}
    if args.data:
        start = os.getloadavg()[0]
        from gpu import write_model

        with tempfile.TemporaryDirectory() as tmp:
            model = Path(write_model(args.random_shape, tmp)) if args.random_shape else args.model
            result["quality"] = q = quality(model, args.data, args.onnx, args.pairs)
            q["model"] = f"random weights, {args.random_shape} shape" if args.random_shape else q["model"]
        print(f"quality: {q['model']}, {q['sentences']} distinct sentences, load average "
              f"{start:.1f} to {os.getloadavg()[0]:.1f}")
        for name, c in q["cosine_to_float32"].items():
            print(f"  {name:18s} cosine to float32: mean {c['mean']:.6f}, 1st percentile {c['p01']:.6f}, "
                  f"min {c['min']:.6f}")
        for stem, by_way in q["files"].items():
            print(f"  {stem:12s} " + "  ".join(f"{name} spearman {s['spearman']:.4f}" for name, s in by_way.items()))
            print(f"  {'':12s} " + "  ".join(f"{name} pair scores' spearman to float32 {s['spearman_to_float32']:.5f}"
                                             for name, s in by_way.items() if name != "float32"))
    for shape in args.shapes:
        result["decoder"][shape] = d = decoder_speed(shape, args.rounds)
        print(f"decoder, {shape}, XLA, n=32, max_length 32, load average "
              f"{min(d['load_average']):.1f} to {max(d['load_average']):.1f}")
        for name, row in d["rows"].items():
            print(f"  {name:24s} {row['seconds']:7.2f} s {row['tokens_per_second']:8.1f} tok/s "
                  f"{row['vs_float32']:5.2f}x")
    write_result("int8", result)


if __name__ == "__main__":
    main()
