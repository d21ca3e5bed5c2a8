"""UniLM decoding with a key/value cache, many sources and samples in one batch.

The UniLM mask makes the source bidirectional and each target token see the source and the
earlier targets: a prefix-LM, so caching keys and values is exact. Sources of different
lengths are left-padded (pads masked; RoFormer's positions are relative, BERT's are counted
per row from the first real token), prefilled once each, and their cache rows repeated for
the n samples. Then one compiled loop (`tf.while_loop`, XLA with `jit_compile`) feeds one
token per row per step into a preallocated cache updated in place, chooses the next tokens on
the device (`token_choice`) and decides there which rows go on: only the final ids come back.
With XLA, each shape of the loop is compiled in the background (`compiles`) and its batches run
the traced loop until then, so no request waits seconds for a compile.
The loop hands back to the host when the live rows fit a batch half the size, which drops
the finished rows from the cache (batches are powers of two), so they stop costing work.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple, Sequence

import numpy as np
import tensorflow as tf
from keras import ops

from simservice.inference.batching import bucket_length, bucket_rows, pad_left
from simservice.inference.compiles import BackgroundCompiler
from simservice.inference.sampler import RowLimits, SamplingParams, row_uniforms
from simservice.inference.token_choice import choose_tokens, knob_specs
from simservice.model.masks import position_ids_from_padding
from simservice.model.sim_model import SimModel


@dataclasses.dataclass
class DecodeRequest:
    """One source to continue `n` times with its own sampling parameters and seed."""

    source_ids: list[int]
    n: int
    params: SamplingParams
    max_length: int
    seed: int | None = None


class RowState(NamedTuple):
    """What changes per step, on the device: last tokens, live, ids so far [rows, target], lengths,
    summed logprobs, tokens seen [rows, vocab] (source and output), the cache."""

    tokens: object
    live: object
    ids: object
    lengths: object
    sums: object
    seen: object
    cache: object


class RowInputs(NamedTuple):
    """What each row keeps for the whole decode: source length, source mask, max_length, uniforms
    [rows, target], and each sampling knob's values by name (`RowLimits.values`)."""

    sources: object
    source_mask: object
    max_length: object
    uniforms: object
    knobs: dict


@dataclasses.dataclass
class DecodeBatch:
    """The rows being decoded, between two runs of the compiled loop: `t` is the index of the next
    token to choose."""

    t: int
    state: RowState
    fixed: RowInputs

    @property
    def rows(self) -> int:
        return int(self.fixed.sources.shape[0])

    def take(self, slots: np.ndarray, real: int) -> DecodeBatch:
        """The rows at `slots`; the ones after the first `real` are padding and never live."""
        state = tf.nest.map_structure(lambda x: tf.gather(x, slots), self.state)
        live = tf.logical_and(state.live, tf.constant(np.arange(len(slots)) < real))
        fixed = tf.nest.map_structure(lambda x: x[slots], self.fixed)
        return DecodeBatch(self.t, state._replace(live=live), fixed)


class CachedDecoder:
    """Decodes batches of `DecodeRequest`s: a compiled prefill, then a compiled loop of steps."""

    def __init__(self, model: SimModel, sep_id: int, jit_compile: bool = False):
        self.model = model
        self.sep_id = sep_id
        c = model.config
        self.cache_dtype = tf.as_dtype(model.backbone.compute_dtype)  # bfloat16 / float16 under mixed precision
        layer_spec = tf.TensorSpec([None, c.num_heads, None, c.head_size], self.cache_dtype)
        cache_spec = [(layer_spec, layer_spec)] * c.num_layers
        ids, flags, ints = (tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.bool),
                            tf.TensorSpec([None], tf.int32))
        row_spec = RowInputs(ints, tf.TensorSpec([None, None], tf.bool), ints, tf.TensorSpec([None, None], tf.float64),
                             knob_specs())
        self._prefill = tf.function(self._prefill_fn, input_signature=[ids, flags, cache_spec])
        self._step = tf.function(self._step_fn, input_signature=[
            tf.TensorSpec([None, 1], tf.int32), tf.TensorSpec([None, 1], tf.int32),
            tf.TensorSpec([None, 1, None], tf.bool), cache_spec, tf.TensorSpec([], tf.int32)])
        self._start = tf.function(self._start_fn, input_signature=[ids, flags, ints, row_spec])
        state_spec = RowState(ints, tf.TensorSpec([None], tf.bool), ids, ints, tf.TensorSpec([None], tf.float32),
                              tf.TensorSpec([None, c.vocab_size], tf.bool), cache_spec)
        loop_spec = [tf.TensorSpec([], tf.int32), state_spec, row_spec]
        self._loop = tf.function(self._loop_fn, input_signature=loop_spec)  # traced once, runs any shape
        # With XLA, one executable per `loop_shape` (rows are powers of two), compiled off the request
        # path: until a shape's executable exists, its batches run the traced loop.
        self._loop_xla = tf.function(self._loop_fn, jit_compile=True, input_signature=loop_spec) if jit_compile else None
        self.compiles = BackgroundCompiler(self._compile_loop, "decode loop") if jit_compile else None

    # -- compiled pieces ----------------------------------------------------------------

    def _empty_cache(self, rows, slots):
        """Keys and values of every layer, zeros [rows, heads, slots, head_size] (the layout attention reads)."""
        c = self.model.config
        zeros = tf.zeros([rows, c.num_heads, slots, c.head_size], self.cache_dtype)
        return [(zeros, zeros)] * c.num_layers

    def _prefill_fn(self, token_ids, padding_mask, cache):
        source_length = tf.shape(token_ids)[1]
        keys = tf.shape(cache[0][0])[2]
        visible = tf.concat([padding_mask, tf.zeros([tf.shape(token_ids)[0], keys - source_length], tf.bool)], 1)
        positions = position_ids_from_padding(padding_mask)
        inputs = {
            "token_ids": token_ids,
            "segment_ids": tf.zeros_like(token_ids),
            "padding_mask": padding_mask,
            "position_ids": positions,
            "attention_mask": tf.tile(visible[:, None, :], [1, source_length, 1]),
        }
        hidden, cache = self.model.backbone.call_with_cache(inputs, cache, 0)
        return self.model.logits(hidden[:, -1]), cache

    def _step_fn(self, token_ids, position_ids, attention_mask, cache, index):
        inputs = {
            "token_ids": token_ids,
            "segment_ids": tf.ones_like(token_ids),
            "padding_mask": tf.ones_like(token_ids, tf.bool),
            "position_ids": position_ids,
            "attention_mask": attention_mask,
        }
        hidden, cache = self.model.backbone.call_with_cache(inputs, cache, index)
        return self.model.logits(hidden[:, -1]), cache

    def _start_fn(self, token_ids, padding_mask, source_of_row, fixed):
        """Prefill the sources, repeat each source's cache for its rows, choose every row's first token."""
        c = self.model.config
        sources, width, target = tf.shape(token_ids)[0], tf.shape(token_ids)[1], tf.shape(fixed.uniforms)[1]
        logits, cache = self._prefill_fn(token_ids, padding_mask, self._empty_cache(sources, width + target))
        cache = tf.nest.map_structure(lambda x: tf.gather(x, source_of_row), cache)
        where = tf.stack([tf.broadcast_to(tf.range(sources)[:, None], [sources, width]), token_ids], -1)
        seen = tf.scatter_nd(tf.reshape(where, [-1, 2]), tf.reshape(tf.cast(padding_mask, tf.int32), [-1]),
                             [sources, c.vocab_size]) > 0
        seen = tf.gather(seen, source_of_row)
        tokens, logprobs = choose_tokens(tf.gather(logits, source_of_row), fixed.uniforms[:, 0], fixed.knobs, seen)
        rows = tf.shape(source_of_row)[0]
        ids = tf.concat([tokens[:, None], tf.zeros([rows, target - 1], tf.int32)], 1)
        live = (tokens != self.sep_id) & (fixed.max_length > 1)
        return RowState(tokens, live, ids, tf.ones([rows], tf.int32), logprobs, _with(seen, tokens), cache)

    def _loop_fn(self, t, state, fixed):
        """Steps from token index `t` while some row is live, more than half the batch is, and
        t < target: feed each row's last token, choose the next on the device."""
        sources, source_mask, max_length, uniforms, knobs = fixed
        rows, width, target = tf.shape(source_mask)[0], tf.shape(source_mask)[1], tf.shape(uniforms)[1]

        def going(t, state):
            return (t < target) & (tf.reduce_sum(tf.cast(state.live, tf.int32)) > rows // 2)

        def step(t, state):
            tokens, live, ids, lengths, sums, seen, cache = state
            targets_seen = tf.broadcast_to(tf.range(target)[None, :] < t, [rows, target])
            visible = tf.concat([source_mask, targets_seen], 1)[:, None, :]
            logits, cache = self._step_fn(tokens[:, None], (sources + t - 1)[:, None], visible, cache, width + t - 1)
            tokens, logprobs = choose_tokens(logits, tf.gather(uniforms, t, axis=1), knobs, seen)
            ids = ops.slice_update(ids, (0, t), tf.where(live, tokens, 0)[:, None])
            lengths += tf.cast(live, tf.int32)
            sums += tf.where(live, logprobs, 0.0)
            live = live & (tokens != self.sep_id) & (lengths < max_length)
            return t + 1, RowState(tokens, live, ids, lengths, sums, _with(seen, tokens), cache)

        return tf.while_loop(going, step, (t, RowState(*state)))

    # -- decoding -----------------------------------------------------------------------

    def prefill(self, sources: Sequence[Sequence[int]], target_length: int):
        """Logits after each source [U, vocab], the cache (per layer, keys and values [U, heads, S + T,
        size]) and the source padding mask [U, S]."""
        width = bucket_length(max(len(s) for s in sources))
        ids, mask = pad_left(sources, width)
        cache = self._empty_cache(len(sources), width + target_length)
        logits, cache = self._prefill(tf.constant(ids), tf.constant(mask), cache)
        return logits.numpy(), cache, mask

    def forced_logits(self, source_ids: Sequence[int], target_ids: Sequence[int]) -> np.ndarray:
        """Next-token logits after the source and after each given target token: [len(target) + 1, vocab]."""
        target = bucket_length(len(target_ids) + 1)
        logits, cache, mask = self.prefill([list(source_ids)], target)
        width, out = mask.shape[1], [logits[0]]
        for t, token in enumerate(target_ids):
            visible = _step_mask(1, np.array([0]), mask, width + target, t)
            step, cache = self._step(tf.constant([[token]], tf.int32), tf.constant([[len(source_ids) + t]], tf.int32),
                                     tf.constant(visible), cache, tf.constant(width + t, tf.int32))
            out.append(step.numpy()[0])
        return np.stack(out)

    def decode(self, requests: Sequence[DecodeRequest]) -> list[list[list[int]]]:
        """For each request, its n continuations (ids, ending with [SEP] unless cut by max_length)."""
        return self.decode_scored(requests)[0]

    def decode_scored(self, requests: Sequence[DecodeRequest]) -> tuple[list[list[list[int]]], list[list[float]]]:
        """`decode`, and each continuation's mean log-probability per token: under the softmax the
        sampler drew from (after the repetition penalty and temperature), before top-k / top-p / min-p cut it."""
        if not requests:
            return [], []
        batch, row_of_slot = self.start(requests)
        outputs: list[list[int]] = [[] for _ in range(len(row_of_slot))]
        logprob_sums = np.zeros(len(outputs))
        target = batch.fixed.uniforms.shape[1]
        while True:
            state = batch.state
            live, ids, lengths, sums = state.live.numpy(), state.ids.numpy(), state.lengths.numpy(), state.sums.numpy()
            for slot in np.flatnonzero((row_of_slot >= 0) & ~live):  # finished: the ids are final
                outputs[row_of_slot[slot]] = ids[slot, : lengths[slot]].tolist()
                logprob_sums[row_of_slot[slot]] = sums[slot]
            if batch.t >= target or not live.any():
                break
            if bucket_rows(int(live.sum())) < batch.rows:  # finished rows leave the cache
                keep = np.flatnonzero(live)
                slots = _padded(keep, bucket_rows(len(keep)))
                batch = batch.take(slots, len(keep))
                row_of_slot = np.where(np.arange(len(slots)) < len(keep), row_of_slot[slots], -1)
            batch = self.run_steps(batch)
        result: list[list[list[int]]] = [[] for _ in requests]
        scores: list[list[float]] = [[] for _ in requests]
        for row, request in enumerate(np.repeat(np.arange(len(requests)), [r.n for r in requests])):
            result[request].append(outputs[row])
            scores[request].append(float(logprob_sums[row] / len(outputs[row])))
        return result, scores

    def start(self, requests: Sequence[DecodeRequest]) -> tuple[DecodeBatch, np.ndarray]:
        """The batch after the prefill and every row's first token, and the row of each slot (-1 for
        the padding rows that round the batch up to a power of two)."""
        target = bucket_length(max(r.max_length for r in requests))
        sources = [r.source_ids for r in requests]
        ids, mask = pad_left(sources, bucket_length(max(len(s) for s in sources)))
        source_of_row = np.repeat(np.arange(len(requests)), [r.n for r in requests])
        rows = len(source_of_row)
        slots = _padded(np.arange(rows), bucket_rows(rows))
        limits = RowLimits.of([requests[i].params for i in source_of_row], self.model.config.vocab_size)
        uniforms = np.concatenate([row_uniforms(r.seed, r.n, target) for r in requests])
        max_length = np.array([requests[i].max_length for i in source_of_row], np.int32)
        fixed = RowInputs(mask.sum(axis=1, dtype=np.int32)[source_of_row], mask[source_of_row], max_length, uniforms,
                          limits.values)
        fixed = tf.nest.map_structure(lambda x: x[slots], fixed)
        fixed.max_length[rows:] = 0  # padding rows are never live
        state = self._start(tf.constant(ids), tf.constant(mask), tf.constant(source_of_row[slots], tf.int32), fixed)
        return DecodeBatch(1, state, fixed), np.where(np.arange(len(slots)) < rows, slots, -1)

    def run_steps(self, batch: DecodeBatch) -> DecodeBatch:
        """One run of the compiled loop: steps until the batch is done or can halve. With XLA, the
        loop's executable for this shape if it exists, else the traced loop while it compiles."""
        loop = self._loop
        if self.compiles is not None:
            shape = loop_shape(batch.fixed)
            if self.compiles.ready(shape):
                loop = self._loop_xla
            else:
                self.compiles.request(shape)
        t, state = loop(tf.constant(batch.t, tf.int32), batch.state, batch.fixed)
        return DecodeBatch(int(t), RowState(*state), batch.fixed)

    def precompile(self, rows: int, source_length: int, max_length: int) -> None:
        """Queue the XLA compiles a request of `rows` samples will need (its rows bucket and each
        halving of it) for a source of `source_length` tokens; nothing without XLA."""
        if self.compiles is None:
            return
        width, target = bucket_length(source_length), bucket_length(max_length)
        rows = bucket_rows(rows)
        while rows >= 1:
            self.compiles.request((rows, width, target))
            rows //= 2

    def _compile_loop(self, shape: tuple[int, int, int]) -> None:
        """Build the XLA loop's executable for `shape` by running it on a batch of that shape with
        no live row (the loop exits at once; XLA compiles by shape, not by values)."""
        rows, width, target = shape
        c = self.model.config
        ints, flags = np.zeros(rows, np.int32), np.zeros(rows, bool)
        state = RowState(ints, flags, np.zeros((rows, target), np.int32), ints, np.zeros(rows, np.float32),
                         np.zeros((rows, c.vocab_size), bool), self._empty_cache(rows, width + target))
        fixed = RowInputs(ints, np.zeros((rows, width), bool), ints, np.zeros((rows, target), np.float64),
                          RowLimits.of([SamplingParams()] * rows, c.vocab_size).values)
        self._loop_xla(tf.constant(0, tf.int32), state, fixed)


def loop_shape(fixed: RowInputs) -> tuple[int, int, int]:
    """(rows, source width, target length): what one XLA executable of the loop is built for."""
    return int(fixed.source_mask.shape[0]), int(fixed.source_mask.shape[1]), int(fixed.uniforms.shape[1])


def _with(seen, tokens):
    """`seen` [rows, vocab] with each row's token added."""
    return seen | (tf.range(tf.shape(seen)[1])[None, :] == tokens[:, None])


def _step_mask(batch: int, slots: np.ndarray, source_masks: np.ndarray, keys: int, t: int) -> np.ndarray:
    """[batch, 1, keys] cache slots visible to target step t: each row's real source tokens, and the
    targets 0..t (every row, so padding rows of the batch see something too)."""
    width = source_masks.shape[1]
    visible = np.zeros((batch, 1, keys), bool)
    visible[slots, 0, :width] = source_masks
    visible[:, 0, width: width + t + 1] = True
    return visible


def _padded(indices: np.ndarray, rows: int) -> np.ndarray:
    """`indices` padded with zeros to `rows` entries (the padding rows are computed and ignored)."""
    return np.concatenate([indices, np.zeros(rows - len(indices), indices.dtype)])
