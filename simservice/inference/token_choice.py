"""Choosing each row's next token on the device, from logits, with per-row knobs and uniforms.

Every row has its own value of each knob (`sampler.KNOBS`: top_k, the vocabulary size when
unset and 1 for greedy; top_p, 1.0 when unset; min_p; repetition_penalty; temperature), the
tokens seen so far (source and output), and one uniform number u per step from its own random
stream, so a row's token depends only on its own logits, knobs, tokens and u, never on the
other rows of the batch.

The knobs' `logits` effects apply first (repetition penalty, then temperature). Kept tokens:
the `top_k` most likely, then among those the smallest set of most likely tokens whose mass
reaches `top_p` of the top-k mass, and of these the ones at least as likely as each knob's
`floor` (min_p) times the most likely. The token is where u falls in the cumulative mass of
the kept tokens. Two exact ways to get there:

- the shortlist: the `SHORTLIST` most likely tokens (one `top_k`), ranked; used for a row when
  its kept tokens surely lie inside (top_k <= SHORTLIST, or the shortlist alone holds top_p of
  the mass), which is nearly always the case for a trained model;
- the whole vocabulary, without sorting it: the least probability still kept is found by
  bisection on the float's bits (a token is kept when the mass of the tokens strictly more
  likely than it is below top_p; the top_k cut likewise counts the tokens strictly more
  likely), and u is placed in the cumulative mass taken in vocabulary order. Rows that fit the
  shortlist never take this path, whatever their batch does, so a row's token is the same
  alone or in any batch. Only when a probability ties exactly with the last kept one can the
  two ways keep different tokens.

The cached decoder calls `choose_tokens` inside its compiled loop; `sample` runs it on host
arrays (the uncached reference decoder, tests).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from simservice.inference.sampler import KNOBS, RowLimits, device_dtype

SHORTLIST = 64
_BISECTIONS = 31  # a float32 in [0, 1] has at most 2**30 smaller non-negative values


@tf.function(jit_compile=True)  # fused by XLA wherever it is called from: 2-3x faster than op by op
def choose_tokens(logits, uniforms, knobs, seen):
    """Tokens [rows] int32 and their log-probabilities [rows] float32 under the softmax of the
    logits after the knobs' `logits` effects (before top-k / top-p / min_p cut it).

    logits [rows, vocab] float32; uniforms [rows] float64 in [0, 1); knobs: per knob name its
    values [rows] (`RowLimits`); seen [rows, vocab] bool, the tokens of the source and output.
    """
    vocab = logits.shape[-1]
    z = logits
    for knob in KNOBS.values():
        if knob.logits is not None:
            z = knob.logits(tf, z, knobs[knob.name][:, None], seen)
    floor = tf.zeros_like(uniforms, tf.float32)
    for knob in KNOBS.values():
        if knob.floor is not None:
            floor = tf.maximum(floor, knob.floor(tf, knobs[knob.name]))
    top_k, top_p = knobs["top_k"], knobs["top_p"]
    peak = tf.reduce_max(z, axis=-1, keepdims=True)
    weights = tf.exp(z - peak)  # unnormalised probabilities, the largest exactly 1
    total = tf.reduce_sum(weights, axis=-1)
    width = min(SHORTLIST, vocab)
    short_z, short_ids = tf.math.top_k(z, k=width)
    short_tokens, fits = _from_shortlist(tf.exp(short_z - peak), short_ids, total, uniforms, top_k, top_p, floor,
                                         vocab)
    tokens = tf.cond(tf.reduce_all(fits), lambda: short_tokens,
                     lambda: tf.where(fits, short_tokens, _from_vocabulary(weights, uniforms, top_k, top_p, floor)))
    chosen = tf.gather(z, tokens, batch_dims=1)
    logprobs = chosen - peak[:, 0] - tf.math.log(total)
    return tokens, logprobs


def _from_shortlist(weights, ids, total, uniforms, top_k, top_p, floor, vocab):
    """Each row's token drawn from its shortlist (weights and ids, most likely first), and whether
    the row's kept tokens all lie in the shortlist (elsewhere the token is meaningless). A row
    whose top_k lies between the shortlist and the vocabulary measures its nucleus against a
    top-k mass the shortlist cannot know: it never fits unless its top_p is 1."""
    width = weights.shape[-1]
    in_k = tf.range(width)[None, :] < top_k[:, None]
    within_k = tf.where(in_k, weights, 0.0)
    k_fits = top_k <= width
    mass = tf.where(k_fits, tf.reduce_sum(within_k, axis=-1), total)
    before = tf.cumsum(within_k, axis=-1, exclusive=True)  # mass ranked above each token
    kept = in_k & ((top_p >= 1.0)[:, None] | (before < (top_p * mass)[:, None])) & (weights >= floor[:, None])
    nucleus_fits = (top_p < 1.0) & (top_k >= vocab) & (tf.reduce_sum(weights, axis=-1) >= top_p * total)
    rank = _draw(tf.where(kept, weights, 0.0), uniforms)
    rank = tf.minimum(rank, tf.reduce_sum(tf.cast(kept, tf.int32), axis=-1) - 1)
    return tf.gather(ids, rank, batch_dims=1), k_fits | nucleus_fits


def _from_vocabulary(weights, uniforms, top_k, top_p, floor):
    """Each row's token drawn from the whole vocabulary, in vocabulary order."""
    vocab = weights.shape[-1]

    def cut_to_k():
        least = _least_kept(weights, tf.ones_like(weights), tf.cast(top_k, tf.float32))
        return tf.where(weights >= least[:, None], weights, 0.0)

    within_k = tf.cond(tf.reduce_any(top_k < vocab), cut_to_k, lambda: weights)
    least = _least_kept(within_k, within_k, top_p * tf.reduce_sum(within_k, axis=-1))
    least = tf.where(top_p >= 1.0, tf.reduce_min(tf.where(within_k > 0, within_k, 2.0), axis=-1), least)
    kept = within_k >= tf.maximum(least, floor)[:, None]
    token = _draw(tf.where(kept, within_k, 0.0), uniforms)
    last_kept = tf.reduce_max(tf.where(kept, tf.range(vocab)[None, :], -1), axis=-1)
    return tf.minimum(token, last_kept)


def _least_kept(values, measure, limit):
    """Per row, the least x (a value of `values` >= 0) such that the `measure` of the entries
    strictly above x is below `limit`: the smallest value kept by the cut."""
    low = tf.zeros(tf.shape(values)[:1], tf.int32)  # bits of 0.0: everything above it, not below the limit
    high = tf.bitcast(tf.reduce_max(values, axis=-1), tf.int32)  # nothing above the largest value

    def bisect(i, low, high):
        middle = low + (high - low) // 2
        above = tf.reduce_sum(tf.where(values > tf.bitcast(middle, tf.float32)[:, None], measure, 0.0), axis=-1)
        below = above < limit
        return i + 1, tf.where(below, low, middle), tf.where(below, middle, high)

    _, _, high = tf.while_loop(lambda i, low, high: i < _BISECTIONS, bisect, (tf.constant(0), low, high))
    return tf.bitcast(high, tf.float32)


def _draw(kept_weights, uniforms):
    """Index where u falls in the cumulative kept weights of each row (float64 sums)."""
    cdf = tf.cumsum(tf.cast(kept_weights, tf.float64), axis=-1)
    return tf.reduce_sum(tf.cast(cdf <= (uniforms * cdf[:, -1])[:, None], tf.int32), axis=-1)


_COMPILED: dict[int, tf.types.experimental.PolymorphicFunction] = {}


def sample(logits: np.ndarray, limits: RowLimits, uniforms: np.ndarray,
           seen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`choose_tokens` on the host's arrays, compiled once per vocabulary size: token ids [rows]
    and their log-probabilities. `seen` [rows, vocab] bool: the tokens already in each row (none if None)."""
    logits = np.asarray(logits, np.float32)
    vocab = logits.shape[-1]
    if vocab not in _COMPILED:
        _COMPILED[vocab] = tf.function(choose_tokens, input_signature=[
            tf.TensorSpec([None, vocab], tf.float32), tf.TensorSpec([None], tf.float64), knob_specs(),
            tf.TensorSpec([None, vocab], tf.bool)])
    seen = np.zeros(logits.shape, bool) if seen is None else seen
    tokens, logprobs = _COMPILED[vocab](logits, np.asarray(uniforms, np.float64), limits.values, seen)
    return tokens.numpy(), logprobs.numpy()


def knob_specs() -> dict[str, tf.TensorSpec]:
    """The per-row knob values' specs, by knob name."""
    return {k.name: tf.TensorSpec([None], tf.as_dtype(device_dtype(k))) for k in KNOBS.values()}
