"""The compute precisions a model can run in, defined once (no TensorFlow import, so settings
and command lines can use it cheaply)."""

from __future__ import annotations

from typing import Literal, get_args

Precision = Literal["float32", "mixed_bfloat16", "mixed_float16"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
