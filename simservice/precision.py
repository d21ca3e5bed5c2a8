"""The compute precisions a model can run in, defined once (no TensorFlow import, so settings
and command lines can use it cheaply)."""

from __future__ import annotations

from typing import Literal, get_args

# Keras dtype policies: what a model can be built and trained in.
DtypePolicy = Literal["float32", "mixed_bfloat16", "mixed_float16"]
DTYPE_POLICIES: tuple[str, ...] = get_args(DtypePolicy)

# What a loaded model can serve in: a dtype policy, or int8 (float32 weights loaded, then the
# transformer blocks' Dense kernels quantized to int8; see `simservice.model.quantization`), or auto
# (the fastest of these that keeps float32's vectors on this machine; `inference.auto_precision`).
Precision = Literal[DtypePolicy, "int8", "auto"]
PRECISIONS: tuple[str, ...] = get_args(Precision)


def check_precision(precision: str, xla: bool) -> None:
    """Raise ValueError unless `precision` is known and, for int8, runs with XLA.

    TensorFlow's own int8 matmul on CPU ran 2.6-4.3x slower than float32 here, while under XLA
    int8 ran faster than float32 (bench/NOTES.md, "int8"), so int8 is offered with XLA only.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "int8" and not xla:
        raise ValueError("precision int8 needs XLA (--xla, SIMSERVICE_XLA=true, jit_compile=True): without it "
                         "TensorFlow's int8 matmul runs several times slower than float32 on CPU")
