"""int8 storage of a checkpoint's large matrices: a quarter of float32's bytes, read back as float32.

A matrix `W` (2-D, stored as Hugging Face stores it: one row per output feature, or per token for
an embedding table) is written as `W` in int8 and `W` + SCALE_SUFFIX, one float16 scale per block of
BLOCK values of a row (symmetric: the block's largest magnitude maps to 127; a row whose length is
not a multiple of BLOCK is one block). Vectors and small matrices are stored in float16.
This is a storage format only: the loader multiplies the scales back in, and the model computes in
whatever precision it is served at.
"""

from __future__ import annotations

import numpy as np

SCALE_SUFFIX = ".int8_scale"
MIN_ELEMENTS = 1 << 16  # smaller matrices are not worth a scale table
BLOCK = 32


def worth_quantizing(array: np.ndarray) -> bool:
    return array.ndim == 2 and array.size >= MIN_ELEMENTS


def _blocks(a: np.ndarray, n_blocks: int) -> np.ndarray:
    return a.reshape(a.shape[0], n_blocks, a.shape[1] // n_blocks)


def quantize_rows(array: np.ndarray, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """(int8 matrix, float16 scales [rows, blocks]) with each block's values ~ q * its scale; an all-zero
    block gets scale 0."""
    a = np.asarray(array, np.float32)
    n_blocks = a.shape[1] // block if a.shape[1] % block == 0 else 1
    blocks = _blocks(a, n_blocks)
    scale = (np.abs(blocks).max(axis=2) / 127.0).astype(np.float16)
    # divide by the float16 scale actually stored, so rounding the scale does not bias the block
    stored = scale.astype(np.float32)
    safe = np.where(stored > 0, stored, 1.0)
    q = np.clip(np.rint(blocks / safe[:, :, None]), -127, 127).astype(np.int8)
    return q.reshape(a.shape), scale


def dequantize_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    if q.ndim != 2 or scale.ndim != 2 or scale.shape[0] != q.shape[0] or not scale.shape[1] \
            or q.shape[1] % scale.shape[1]:
        raise ValueError(f"int8 matrix {q.shape} and scales {scale.shape} do not match (one scale per block of a row)")
    blocks = _blocks(q.astype(np.float32), scale.shape[1]) * scale.astype(np.float32)[:, :, None]
    return blocks.reshape(q.shape)


def quantize_tensors(tensors: dict[str, np.ndarray], dtype: str = "float16") -> dict[str, np.ndarray]:
    """Every large matrix in int8 with its scales; the rest cast to `dtype`."""
    out = {}
    for name, array in tensors.items():
        if worth_quantizing(array):
            out[name], out[name + SCALE_SUFFIX] = quantize_rows(array)
        else:
            out[name] = np.asarray(array).astype(dtype)
    return out
