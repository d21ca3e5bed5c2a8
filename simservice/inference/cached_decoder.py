"""UniLM decoding with a key/value cache, many sources and samples in one batch.

The UniLM mask makes the source bidirectional and each target token see the source and the
earlier targets: a prefix-LM, so caching keys and values is exact. Sources of different
lengths are left-padded (pads masked; RoFormer's positions are relative, BERT's are counted
per row from the first real token), prefilled once each, and their cache rows repeated for
the n samples. Each step then feeds one token per row. Finished rows leave the batch when
the batch can shrink to a smaller power of two, so they stop costing work.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.inference.batching import bucket_length, bucket_rows, pad_left
from simservice.inference.sampler import SamplingParams, row_generators, sample, softmax
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


class CachedDecoder:
    """Decodes batches of `DecodeRequest`s; compiled prefill and step, sampling on the host."""

    def __init__(self, model: SimModel, sep_id: int, jit_compile: bool = False):
        self.model = model
        self.sep_id = sep_id
        c = model.config
        self.cache_dtype = tf.as_dtype(model.backbone.compute_dtype)  # bfloat16 / float16 under mixed precision
        layer_spec = tf.TensorSpec([None, None, c.num_heads, c.head_size], self.cache_dtype)
        cache_spec = [(layer_spec, layer_spec)] * c.num_layers
        self._prefill = tf.function(self._prefill_fn, input_signature=[
            tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.bool), cache_spec])
        # With XLA, one executable per (rows, cache length) bucket; rows are powers of two.
        self._step = tf.function(self._step_fn, jit_compile=jit_compile, input_signature=[
            tf.TensorSpec([None, 1], tf.int32), tf.TensorSpec([None, 1], tf.int32),
            tf.TensorSpec([None, 1, None], tf.bool), cache_spec, tf.TensorSpec([], tf.int32)])

    # -- compiled pieces ----------------------------------------------------------------

    def _prefill_fn(self, token_ids, padding_mask, cache):
        source_length = tf.shape(token_ids)[1]
        keys = tf.shape(cache[0][0])[1]
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

    # -- decoding -----------------------------------------------------------------------

    def prefill(self, sources: Sequence[Sequence[int]], target_length: int):
        """Logits after each source [U, vocab], the cache (per layer, keys and values [U, S + T, heads,
        size]) and the source padding mask [U, S]."""
        c = self.model.config
        width = bucket_length(max(len(s) for s in sources))
        ids, mask = pad_left(sources, width)
        zeros = tf.zeros([len(sources), width + target_length, c.num_heads, c.head_size], self.cache_dtype)
        cache = [(zeros, zeros)] * c.num_layers
        logits, cache = self._prefill(tf.constant(ids), tf.constant(mask), cache)
        return logits.numpy(), cache, mask

    def step_logits(self, tokens, positions, attention_mask, cache, index):
        logits, cache = self._step(tf.constant(tokens[:, None], tf.int32), tf.constant(positions[:, None], tf.int32),
                                   tf.constant(attention_mask), cache, tf.constant(index, tf.int32))
        return logits.numpy(), cache

    def forced_logits(self, source_ids: Sequence[int], target_ids: Sequence[int]) -> np.ndarray:
        """Next-token logits after the source and after each given target token: [len(target) + 1, vocab]."""
        target = bucket_length(len(target_ids) + 1)
        logits, cache, mask = self.prefill([list(source_ids)], target)
        width, out = mask.shape[1], [logits[0]]
        for t, token in enumerate(target_ids):
            visible = _step_mask(1, np.array([0]), mask, width + target, t)
            step, cache = self.step_logits(np.array([token]), np.array([len(source_ids) + t]), visible, cache, width + t)
            out.append(step[0])
        return np.stack(out)

    def decode(self, requests: Sequence[DecodeRequest]) -> list[list[list[int]]]:
        """For each request, its n continuations (ids, ending with [SEP] unless cut by max_length)."""
        return self.decode_scored(requests)[0]

    def decode_scored(self, requests: Sequence[DecodeRequest]) -> tuple[list[list[list[int]]], list[list[float]]]:
        """`decode`, and each continuation's mean log-probability per token: under the softmax the
        sampler drew from (the request's temperature), before top-k / top-p cut it."""
        if not requests:
            return [], []
        target = bucket_length(max(r.max_length for r in requests))
        first_logits, source_cache, source_mask = self.prefill([r.source_ids for r in requests], target)
        width = source_mask.shape[1]
        request_of_row = np.repeat(np.arange(len(requests)), [r.n for r in requests])
        rows = len(request_of_row)
        rngs = [g for r in requests for g in row_generators(r.seed, r.n)]
        max_length = np.array([requests[i].max_length for i in request_of_row])
        outputs: list[list[int]] = [[] for _ in range(rows)]
        logprob_sums = np.zeros(rows)

        live = np.arange(rows)  # original row number of each live row
        slot = np.arange(rows)  # where each live row sits in the cache batch
        logits = first_logits[request_of_row]
        cache = _gather_rows(source_cache, _padded(request_of_row, bucket_rows(rows)))
        for t in range(target):
            tokens, logprobs = self._choose(logits, live, request_of_row, requests, rngs)
            logprob_sums[live] += logprobs
            for row, token in zip(live, tokens):
                outputs[row].append(int(token))
            keep = (tokens != self.sep_id) & (np.array([len(outputs[r]) for r in live]) < max_length[live])
            if not keep.any():
                break
            live, slot, tokens = live[keep], slot[keep], tokens[keep]
            batch = cache[0][0].shape[0]
            if bucket_rows(len(live)) < batch:  # finished rows leave the cache
                batch = bucket_rows(len(live))
                cache = _gather_rows(cache, _padded(slot, batch))
                slot = np.arange(len(live))
            step_tokens = np.zeros(batch, np.int32)
            step_tokens[slot] = tokens
            positions = np.zeros(batch, np.int32)
            positions[slot] = source_mask[request_of_row[live]].sum(axis=1) + t
            visible = _step_mask(batch, slot, source_mask[request_of_row[live]], width + target, t)
            step_logits, cache = self.step_logits(step_tokens, positions, visible, cache, width + t)
            logits = step_logits[slot]
        result: list[list[list[int]]] = [[] for _ in requests]
        scores: list[list[float]] = [[] for _ in requests]
        for row, request in enumerate(request_of_row):
            result[request].append(outputs[row])
            scores[request].append(float(logprob_sums[row] / len(outputs[row])))
        return result, scores

    @staticmethod
    def _choose(logits, live, request_of_row, requests, rngs) -> tuple[np.ndarray, np.ndarray]:
        """Sample the next token of each live row with its request's parameters and its own stream;
        also the log-probability of each chosen token under the softmax it was drawn from."""
        tokens = np.zeros(len(live), np.int32)
        logprobs = np.zeros(len(live))
        requests_here = request_of_row[live]
        for request in np.unique(requests_here):
            where = np.flatnonzero(requests_here == request)
            params = requests[request].params
            probs = softmax(logits[where], params.temperature)
            tokens[where] = sample(probs, params, [rngs[live[i]] for i in where])
            chosen = probs[np.arange(len(where)), tokens[where]]
            logprobs[where] = np.log(np.maximum(chosen, np.finfo(np.float32).tiny))
        return tokens, logprobs


def _step_mask(batch: int, slots: np.ndarray, source_masks: np.ndarray, keys: int, t: int) -> np.ndarray:
    """[batch, 1, keys] cache slots visible to target step t: each row's real source tokens, and the
    targets 0..t (every row, so padding rows of the batch see something too)."""
    width = source_masks.shape[1]
    visible = np.zeros((batch, 1, keys), bool)
    visible[slots, 0, :width] = source_masks
    visible[:, 0, width: width + t + 1] = True
    return visible


def _gather_rows(cache, rows: np.ndarray):
    return tf.nest.map_structure(lambda t: tf.gather(t, rows, axis=0), cache)


def _padded(indices: np.ndarray, rows: int) -> np.ndarray:
    """`indices` padded with zeros to `rows` entries (the padding rows are computed and ignored)."""
    return np.concatenate([indices, np.zeros(rows - len(indices), indices.dtype)])
