"""Where an encoder forward pass spends its time, by TensorFlow op type, per precision.

Loads a checkpoint (default: the converted multilingual-e5-small) at each `--precisions`
(tf.function, no XLA), runs `--steps` forward passes of one batch of real sentences under
`tf.profiler`, and sums the host time of every executed TensorFlow op by its type (MatMul,
BatchMatMul, Softmax, Cast, ...; oneDNN's `_Mkl*` / `_Fused*` rewrites keep their own names), read
from the profiler's XPlane. Then the GEMM rate of each dense shape the blocks run (tokens x hidden
by the kernel) in float32 and bfloat16 in the same process, against the n x n peak, to tell a
small-shape limit from an encoder one. 2 threads (TensorFlow intra-op 2, inter-op 1).
The model's Dense layers run matmul + bias + activation on [tokens, features] so that oneDNN fuses
them (`simservice/model/dense.py`); `--keras-dense` also profiles each precision with Keras's own
Dense call (batched matmul, then bias and activation as separate ops; a bfloat16 exact GELU cast to
float32 and back), and `--gelu-in-bfloat16` each 16-bit precision with Keras's Dense and the GELU in
bfloat16: the two earlier ways, patched in for this process only, what each change buys in one run.

    .venv/bin/python bench/profile_encoder.py --model ../bench-e5 --rows 32
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import collections  # noqa: E402
import glob  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)

from common import timed  # noqa: E402
from peers import sentences  # noqa: E402

from simservice.model.dense import Dense  # noqa: E402

MODEL_CALL = Dense.call  # the shipped call, for `patch` to put back after a Keras-Dense run

ROOT = Path(__file__).resolve().parents[1]


def op_times(logdir: str) -> dict[str, float]:
    """Seconds per op type over every TensorFlow op event of the host plane of the trace in `logdir`."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    path = sorted(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))[-1]
    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(path).read_bytes())
    totals: dict[str, float] = collections.defaultdict(float)
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" not in name or "::" in name:  # "name:Type" marks an executed TensorFlow op
                    continue
                kind = name.rsplit(":", 1)[1]
                if not kind or kind[0].islower() or " " in kind:
                    continue
                totals[kind] += event.duration_ps / 1e12
    return dict(totals)


def patch(variant: str) -> None:
    """Make the models built from now on run `variant`: "model" (as shipped), "keras-dense"
    (Keras's own Dense call) or "gelu-in-bfloat16" (that, with the exact GELU in its compute dtype)."""
    import keras
    from keras import activations

    from simservice.model import activations as ours

    def gelu_own_dtype(x):
        return activations.gelu(x, approximate=False)

    Dense.call = MODEL_CALL if variant == "model" else keras.layers.Dense.call
    gelu = gelu_own_dtype if variant == "gelu-in-bfloat16" else ours.gelu_erf
    ours._ACTIVATIONS["gelu"] = ours._ACTIVATIONS["gelu_erf"] = gelu



def dense_shapes(config, tokens: int) -> list[tuple[str, int, int, int]]:
    h, f = config.hidden_size, config.intermediate_size
    return [("q/k/v/out projections", tokens, h, h), ("FFN in", tokens, h, f), ("FFN out", tokens, f, h)]


def gemm_rates(shapes, repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    mm = tf.function(lambda a, b: tf.matmul(a, b))
    out = []
    for name, m, k, n in shapes:
        row = {"shape": f"{name} [{m} x {k}] x [{k} x {n}]"}
        for dtype in (tf.float32, tf.bfloat16):
            a = tf.cast(rng.standard_normal((m, k), dtype=np.float32), dtype)
            b = tf.cast(rng.standard_normal((k, n), dtype=np.float32), dtype)
            row[dtype.name] = round(2 * m * k * n / timed(lambda: mm(a, b).numpy(), repeats, 3) / 1e9, 1)
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="../bench-e5")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "dev" / "lcqmc_dev.tsv"))
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--keras-dense", action="store_true")
    parser.add_argument("--gelu-in-bfloat16", action="store_true")
    parser.add_argument("--xla", action="store_true", help="compile the forward with XLA (the profile then sees "
                                                         "one op per compiled cluster; set XLA_FLAGS=--xla_dump_to=DIR "
                                                         "to read what XLA made of it)")
    args = parser.parse_args()

    from simservice import load_model

    texts = sentences(Path(args.data), args.rows)
    tokens = None
    runs = [(p, "model") for p in args.precisions]
    if args.keras_dense:
        runs += [(p, "keras-dense") for p in args.precisions]
    if args.gelu_in_bfloat16:
        runs += [(p, "gelu-in-bfloat16") for p in args.precisions if p != "float32"]
    for precision, variant in runs:
        patch(variant)
        pipeline = load_model(args.model, max_batch_rows=args.rows, max_batch_tokens=args.rows * 128,
                              precision=precision, jit_compile=args.xla)
        ids = pipeline.tokenizer.encode_batch(texts, prompt=pipeline.tokenizer.prompts.text(None))
        tokens = sum(len(r) for r in ids)
        seconds = timed(lambda: pipeline.embed(ids), repeats=args.steps, warmup=2)
        with tempfile.TemporaryDirectory() as logdir:
            tf.profiler.experimental.start(logdir)
            for _ in range(args.steps):
                pipeline.embed(ids)
            tf.profiler.experimental.stop()
            totals = op_times(logdir)
        ops = sum(totals.values())
        print(f"\n{precision}{', XLA' if args.xla else ''}{'' if variant == 'model' else ', ' + variant}: batch {args.rows} x {tokens / args.rows:.1f} tokens, {seconds * 1e3:.1f} ms a "
              f"forward (median of {args.steps}, unprofiled); profiled op time {ops / args.steps * 1e3:.1f} ms a forward")
        print("| op type | ms a forward | share |")
        print("|---|---:|---:|")
        for kind, t in sorted(totals.items(), key=lambda kv: -kv[1])[:14]:
            print(f"| {kind} | {t / args.steps * 1e3:.2f} | {t / ops:.1%} |")
        del pipeline
    config = load_model(args.model, max_batch_rows=1, max_batch_tokens=128).model.config
    print("\nGEMM GFLOP/s at the blocks' dense shapes (rows = the batch's padded tokens) and square:")
    from simservice.inference.batching import bucket_length, bucket_rows

    padded = bucket_rows(args.rows) * bucket_length(max(len(r) for r in ids))
    shapes = dense_shapes(config, padded) + [("square", 2048, 2048, 2048)]
    for row in gemm_rates(shapes, 5):
        print(f"{row['shape']}: float32 {row['float32']}, bfloat16 {row['bfloat16']} "
              f"({row['bfloat16'] / row['float32']:.2f}x)")


if __name__ == "__main__":
    main()
