"""Shared pieces of the benchmarks: timing, the machine's GEMM peaks, model shapes and FLOPs."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from typing import Callable

import numpy as np

SHAPES = {
    # name: (layers, hidden, heads, intermediate); vocab 12,000 as RoFormer-Sim-char
    "base": (12, 768, 12, 3072),
    "small": (6, 384, 6, 1536),
    "tiny": (2, 64, 2, 256),  # bench/gpu.sh's CPU fallback
}
VOCAB = 12_000


def timed(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of `fn()` over `repeats` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of `a` to the same row of `b`."""
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def ms_a_text(embed: Callable[[list], object], rows: list, count: int = 8) -> float:
    """Milliseconds a text of `embed` on the first `count` of `rows` one at a time (median of 5 passes
    after a warm-up)."""
    return timed(lambda: [embed([r]) for r in rows[:count]], repeats=5, warmup=1) / count * 1e3


def gemm_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """float32 GEMM GFLOP/s of numpy on this machine, measured now (the matmul peak)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    seconds = timed(lambda: a @ b, repeats=repeats)
    return 2 * n**3 / seconds / 1e9


def encoder_flops(tokens: int, layers: int, hidden: int, intermediate: int, length: int) -> float:
    """FLOPs of a BERT-style encoder forward on `tokens` tokens of sequences of `length`."""
    per_token_layer = 2 * (4 * hidden * hidden + 2 * hidden * intermediate + 2 * length * hidden)
    return tokens * layers * per_token_layer


def machine() -> dict:
    info = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version()}
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                        for p in threadpool_info()]
    except ImportError:
        pass
    return info


def write_result(name: str, result: dict) -> None:
    out = os.path.join(os.path.dirname(__file__), "results", f"{name}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {out}")


def gemm_peaks(n: int, repeats: int, threads: int) -> dict[str, float]:
    """GFLOP/s (2 n^3 per product; for int8, integer ops) of each way this process has to multiply an
    n x n matrix: `tf.matmul` float32 and bfloat16 (oneDNN), int8 x int8 -> int32 under XLA (what Keras's
    int8 Dense runs) and in a tf.function, and ONNX Runtime's `MatMulInteger` on `threads` threads."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    flops = 2 * n**3
    peaks = {}
    a32 = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    b32 = tf.constant(rng.standard_normal((n, n), dtype=np.float32))
    mm = tf.function(lambda a, b: tf.matmul(a, b))
    peaks["tf.matmul float32"] = flops / timed(lambda: mm(a32, b32).numpy(), repeats, 2) / 1e9
    a16, b16 = tf.cast(a32, tf.bfloat16), tf.cast(b32, tf.bfloat16)
    peaks["tf.matmul bfloat16"] = flops / timed(lambda: mm(a16, b16).numpy(), repeats, 2) / 1e9
    a8 = tf.constant(rng.integers(-127, 128, (n, n), dtype=np.int8))
    b8 = tf.constant(rng.integers(-127, 128, (n, n), dtype=np.int8))
    mm8 = lambda a, b: tf.matmul(a, b, output_type=tf.int32)  # noqa: E731  keras.ops.matmul of two int8s
    xla8 = tf.function(mm8, jit_compile=True)
    peaks["tf.matmul int8->int32, XLA"] = flops / timed(lambda: xla8(a8, b8).numpy(), repeats, 2) / 1e9
    fn8 = tf.function(mm8)
    peaks["tf.matmul int8->int32, tf.function"] = flops / timed(lambda: fn8(a8, b8).numpy(), 1, 1) / 1e9
    peaks["onnxruntime MatMulInteger u8 x s8->s32"] = flops / ort_matmul_integer(n, repeats, threads) / 1e9
    return peaks


def ort_options(threads: int):
    """ONNX Runtime session options of the benches: `threads` intra-op threads, one inter-op, sequential."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


def ort_matmul_integer(n: int, repeats: int, threads: int) -> float:
    """Median seconds of one n x n uint8 x int8 -> int32 `MatMulInteger` in ONNX Runtime."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["c"])], "mmi",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [n, n]),
         helper.make_tensor_value_info("b", TensorProto.INT8, [n, n])],
        [helper.make_tensor_value_info("c", TensorProto.INT32, [n, n])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = ort.InferenceSession(model.SerializeToString(), ort_options(threads), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {"a": rng.integers(0, 256, (n, n), dtype=np.uint8), "b": rng.integers(-127, 128, (n, n), dtype=np.int8)}
    return timed(lambda: session.run(None, feed), repeats, 2)
