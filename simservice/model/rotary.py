"""Rotary position embedding with adjacent pairs (2i, 2i+1), as RoFormer defines it.

Other libraries rotate the two halves of a head instead ("rotate-half"); on RoFormer's
weights that gives different numbers, so the pairing here is the one the weights expect.
"""

from keras import ops


def rotary_sin_cos(position_ids, head_size: int, base: float = 10000.0, dtype="float32"):
    """sin and cos of shape [batch, length, 1, head_size], each angle repeated for its pair."""
    half = head_size // 2
    inv_freq = ops.power(base, -2.0 * ops.arange(half, dtype="float32") / head_size)
    angles = ops.cast(position_ids, "float32")[..., None] * inv_freq  # [b, n, half]
    sin = ops.repeat(ops.sin(angles), 2, axis=-1)[:, :, None, :]
    cos = ops.repeat(ops.cos(angles), 2, axis=-1)[:, :, None, :]
    return ops.cast(sin, dtype), ops.cast(cos, dtype)


def apply_rotary(x, sin, cos):
    """Rotate each pair (x[2i], x[2i+1]) of x [batch, length, heads, head_size] by its angle."""
    even, odd = x[..., ::2], x[..., 1::2]
    rotated = ops.reshape(ops.stack([-odd, even], axis=-1), ops.shape(x))
    return x * cos + rotated * sin
