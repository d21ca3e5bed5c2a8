"""Sentence-vector throughput of simservice's encoder vs Hugging Face's PyTorch RoFormer and ONNX Runtime.

Base shape (12 x 768) and small shape (6 x 384), vocab 12,000, random weights, batch 32
of ~24 tokens, all in one run on this machine, with the numpy GEMM peak measured in the
same run as the ceiling. PyTorch runs with 1 and with 2 threads; the faster is the
baseline. The ONNX Runtime rows run simservice's own export of the same model
(`simservice export-model --format onnx`, fp32) on the encoder's padded batch, with 1 and
with 2 threads, and the same file quantized to int8 by ONNX Runtime's `quantize_dynamic`
(MatMul weights per channel). The int8 rows of simservice are `--precision int8` (the blocks'
Dense kernels in int8, Keras's quantization) under XLA, and without XLA to show why int8 needs
it; `mixed_bfloat16` is the same weights computing in bfloat16 (tf.function: XLA's CPU backend runs
bfloat16 dots in float32). Every row is also given against simservice's tf.function row and against
the faster ONNX Runtime int8 row, with the smallest cosine of its vectors to the float32 ones (the
same weights; not for PyTorch, whose weights are its own), and against two peaks measured in the same run:
numpy's float32 GEMM ("of peak") and the GEMM of the precision the row computes in ("own peak": `tf.matmul`
float32 or bfloat16, TensorFlow's int8 matmul under XLA or not, ONNX Runtime's `MatMulInteger`). Needs the
`bench` extra (torch, transformers; without torch its rows are left out) and the `export`
extra (tf2onnx, onnxruntime):

    .venv/bin/pip install -e '.[cpu,bench,export]' && .venv/bin/python bench/encode.py
"""

from __future__ import annotations

import argparse
import os
from functools import partial

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from common import (SHAPES, VOCAB, cosines, encoder_flops, gemm_peak_gflops, gemm_peaks, machine, ort_options,  # noqa: E402
                    timed, write_result)


def make_batch(rows: int, length: int, seed: int = 0) -> list[list[int]]:
    """Token ids [CLS] ... [SEP] of lengths around `length` (+-3), as real sentences vary."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(length - 3, length + 4, size=rows)
    return [[2, *rng.integers(5, VOCAB, size=n - 2).tolist(), 3] for n in lengths]


def own_peak(name: str, peaks: dict[str, float]) -> str:
    """The GEMM peak of the precision the row `name` computes in (a key of `gemm_peaks`)."""
    if name.startswith("onnxruntime int8"):
        return "onnxruntime MatMulInteger u8 x s8->s32"
    if "int8" in name:
        return f"tf.matmul int8->int32, {'XLA' if 'XLA' in name else 'tf.function'}"
    return "tf.matmul bfloat16" if "bfloat16" in name else "tf.matmul float32"


def simservice_encoder(shape: str, jit_compile: bool, of=None, int8: bool = False, precision: str = "float32"):
    """An encoder of `shape` with random weights, or with `of`'s weights (quantized to int8 with `int8`), built
    under the dtype policy `precision` (mixed_bfloat16: as `--precision mixed_bfloat16` loads a model)."""
    from simservice.inference.batching import BatchLimits
    from simservice.inference.encoder import Encoder
    from simservice.model import ModelConfig, Tokenizer
    from simservice.model.loader import build_model
    from simservice.model.quantization import quantize_int8

    layers, hidden, heads, intermediate = SHAPES[shape]
    config = ModelConfig(vocab_size=VOCAB, hidden_size=hidden, num_layers=layers, num_heads=heads,
                         intermediate_size=intermediate)
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])}
    model = build_model(config, precision)
    if of is not None:
        model.set_weights(of.model.get_weights())
    if int8:
        quantize_int8(model)
    return Encoder(model, Tokenizer(vocab), BatchLimits(32, 2048), jit_compile=jit_compile)


def onnxruntime_encoder(encoder, threads: int, int8: bool = False):
    """Our ONNX export of `encoder.model`, run by ONNX Runtime on the batch `encoder.forward` would run;
    with `int8`, the export quantized by `quantize_dynamic` (int8 MatMul weights, one scale per column)."""
    import tempfile

    import onnxruntime as ort

    from simservice.inference.batching import bucket_length, bucket_rows, pad_right
    from simservice.model_export.onnx_files import ENCODER_FILE, write_onnx

    with tempfile.TemporaryDirectory() as directory:
        write_onnx(encoder.model, directory)
        path = f"{directory}/{ENCODER_FILE}"
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            path = f"{directory}/encoder.int8.onnx"
            quantize_dynamic(f"{directory}/{ENCODER_FILE}", path, op_types_to_quantize=["MatMul"],
                             per_channel=True, weight_type=QuantType.QInt8)
        session = ort.InferenceSession(path, ort_options(threads), providers=["CPUExecutionProvider"])

    def run(batch: list[list[int]]):
        ids, mask = pad_right(batch, bucket_length(max(len(r) for r in batch)), bucket_rows(len(batch)))
        feed = {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask.astype(np.int32)}
        return session.run(None, feed)[0][: len(batch)]

    return run


def torch_roformer(shape: str):
    import torch
    from transformers import RoFormerConfig, RoFormerModel

    layers, hidden, heads, intermediate = SHAPES[shape]
    config = RoFormerConfig(vocab_size=VOCAB, embedding_size=hidden, hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=heads, intermediate_size=intermediate, max_position_embeddings=512)
    model = RoFormerModel(config).eval()
    pooler = torch.nn.Linear(hidden, hidden)

    def run(batch: list[list[int]]):
        width = max(len(ids) for ids in batch)
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        with torch.inference_mode():
            hidden_states = model(input_ids=ids, attention_mask=mask).last_hidden_state
            vectors = pooler(hidden_states[:, 0])
            return torch.nn.functional.normalize(vectors, dim=-1)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="+", default=["small", "base"], choices=sorted(SHAPES))
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--length", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1, help="measure every row this many times, interleaved; "
                                                             "each row keeps its best round")
    args = parser.parse_args()

    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed (the bench extra): its rows are left out")

    thread_counts = sorted({1, os.cpu_count() or 1})
    peak = gemm_peak_gflops()
    peaks = gemm_peaks(2048, 5, max(thread_counts))
    result = {"machine": machine(), "gemm_peak_gflops": round(peak, 1), "rows": args.rows,
              "length": args.length, "gemm_peaks": {k: round(v, 1) for k, v in peaks.items()}, "shapes": {}}
    print(f"numpy float32 GEMM peak: {peak:.1f} GFLOP/s")
    for name, value in peaks.items():
        print(f"GEMM peak 2048^3, {name}: {value:.1f} GFLOP/s")
    batch = make_batch(args.rows, args.length)
    tokens = sum(len(ids) for ids in batch)
    padded = args.rows * max(len(ids) for ids in batch)
    for shape in args.shapes:
        layers, hidden, _, intermediate = SHAPES[shape]
        flops = encoder_flops(tokens, layers, hidden, intermediate, args.length)
        rows = {}
        runners = {}
        if torch is not None:
            torch_run = torch_roformer(shape)
            # OpenMP threads that wait for a busy core are slow on a shared machine: both counts
            # are measured and the faster is the baseline.
            runners |= {f"pytorch RoFormerModel, {n} thread{'s' if n > 1 else ''}":
                        (lambda n=n: (torch.set_num_threads(n), torch_run(batch))) for n in thread_counts}
        encoder = simservice_encoder(shape, False)
        runners["simservice (tf.function)"] = lambda: encoder.encode_ids(batch)
        runners["simservice (XLA)"] = partial(simservice_encoder(shape, True, encoder).encode_ids, batch)
        runners["simservice int8 (XLA)"] = partial(simservice_encoder(shape, True, encoder, int8=True).encode_ids, batch)
        runners["simservice int8 (tf.function)"] = partial(
            simservice_encoder(shape, False, encoder, int8=True).encode_ids, batch)
        runners["simservice mixed_bfloat16 (tf.function)"] = partial(
            simservice_encoder(shape, False, encoder, precision="mixed_bfloat16").encode_ids, batch)
        for int8 in (False, True):
            runners |= {f"onnxruntime{' int8' if int8 else ''}, our export, {n} thread{'s' if n > 1 else ''}":
                        partial(onnxruntime_encoder(encoder, n, int8), batch) for n in thread_counts}
        best: dict[str, float] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(args.rounds):
            for name, fn in runners.items():
                seconds = timed(fn, repeats=args.repeats, warmup=2)
                best[name] = min(seconds, best.get(name, seconds))
            loads.append(os.getloadavg()[0])
        reference = np.asarray(encoder.encode_ids(batch))
        for name, seconds in best.items():
            rows[name] = {"seconds_per_batch": round(seconds, 4),
                          "sentences_per_second": round(args.rows / seconds, 1),
                          "gflops": round(flops / seconds / 1e9, 1),
                          "fraction_of_gemm_peak": round(flops / seconds / 1e9 / peak, 3),
                          "own_peak": own_peak(name, peaks)}
            rows[name]["fraction_of_own_peak"] = round(flops / seconds / 1e9 / peaks[rows[name]["own_peak"]], 3)
            if not name.startswith("pytorch"):
                vectors = np.asarray(runners[name]())
                rows[name]["min_cosine_to_float32"] = round(float(cosines(vectors, reference).min()), 6)
        torch_rates = [row["sentences_per_second"] for name, row in rows.items() if name.startswith("pytorch")]
        tf_rate = rows["simservice (tf.function)"]["sentences_per_second"]
        ort_int8 = max(row["sentences_per_second"] for name, row in rows.items() if name.startswith("onnxruntime int8"))
        for row in rows.values():
            row["vs_tf_function"] = round(row["sentences_per_second"] / tf_rate, 2)
            row["vs_onnxruntime_int8"] = round(row["sentences_per_second"] / ort_int8, 2)
            if torch_rates:
                row["vs_pytorch"] = round(row["sentences_per_second"] / max(torch_rates), 2)
        result["shapes"][shape] = {"real_tokens": tokens, "padded_tokens": padded, "runs": rows,
                                   "load_average": [round(x, 2) for x in loads]}
        print(f"\n{shape} ({layers} layers, hidden {hidden}), batch {args.rows} x ~{args.length} tokens, "
              f"load average {min(loads):.1f} to {max(loads):.1f}")
        print(f"{'':42s} {'sent/s':>8s} {'GFLOP/s':>8s} {'of peak':>8s} {'own peak':>9s} {'vs tf.fn':>9s} "
              f"{'vs torch':>9s} {'vs ORT i8':>9s} {'min cos':>9s}")
        for name, row in rows.items():
            vs_torch = f"{row['vs_pytorch']:8.2f}x" if "vs_pytorch" in row else f"{'-':>9s}"
            cosine = f"{row['min_cosine_to_float32']:9.6f}" if "min_cosine_to_float32" in row else f"{'-':>9s}"
            print(f"{name:42s} {row['sentences_per_second']:8.1f} {row['gflops']:8.1f} "
                  f"{row['fraction_of_gemm_peak']:8.1%} {row['fraction_of_own_peak']:9.1%} "
                  f"{row['vs_tf_function']:8.2f}x {vs_torch} "
                  f"{row['vs_onnxruntime_int8']:8.2f}x {cosine}")
    write_result("encode", result)


if __name__ == "__main__":
    main()
