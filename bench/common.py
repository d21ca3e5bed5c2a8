"""Shared pieces of the benchmarks: timing, the machine's GEMM peak, model shapes and FLOPs."""

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
