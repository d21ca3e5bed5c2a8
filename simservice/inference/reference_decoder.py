"""The uncached UniLM decoder: the whole sequence is recomputed at every step, as bert4keras does.

It is slow on purpose: it is the exact baseline that the cached decoder is tested and timed
against (tests and benches take it with `of(pipeline)` and `generate_uncached`; the served
pipeline never builds it). Rows that emit [SEP] leave the batch, as in bert4keras's `random_sample`.
"""

from __future__ import annotations

import weakref

import numpy as np
import tensorflow as tf

from simservice.inference.batching import pad_right
from simservice.inference.sampler import RowLimits, SamplingParams, row_uniforms, softmax
from simservice.inference.token_choice import sample
from simservice.model.sim_model import SimModel


class ReferenceDecoder:
    def __init__(self, model: SimModel, sep_id: int):
        self.model = model
        self.sep_id = sep_id
        self._step = tf.function(self._last_logits, reduce_retracing=True)

    def _last_logits(self, token_ids, segment_ids, padding_mask):
        inputs = {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask}
        return self.model.logits(self.model(inputs)[:, -1])

    def last_logits(self, source_ids: list[int], outputs: list[list[int]]) -> np.ndarray:
        """Next-token logits [rows, vocab] after `source_ids` + each row of `outputs` (same length)."""
        rows = [source_ids + out for out in outputs]
        ids, mask = pad_right(rows, len(rows[0]))
        segments = np.zeros_like(ids)
        segments[:, len(source_ids):] = 1
        return self._step(tf.constant(ids), tf.constant(segments), tf.constant(mask)).numpy()

    def last_probs(self, source_ids: list[int], outputs: list[list[int]], temperature: float = 1.0) -> np.ndarray:
        """Next-token probabilities [rows, vocab] after `source_ids` + each row of `outputs` (same length)."""
        return softmax(self.last_logits(source_ids, outputs), temperature)

    def generate_ids(self, source_ids: list[int], n: int, params: SamplingParams, max_length: int,
                     seed: int | None = None) -> list[list[int]]:
        """n continuations of `source_ids`, each ending with [SEP] unless `max_length` cut it."""
        uniforms = row_uniforms(seed, n, max_length)
        vocab = self.model.config.vocab_size
        limits = RowLimits.of([params] * n, vocab)
        seen = np.zeros((n, vocab), bool)  # the tokens of the source and of each output so far
        seen[:, source_ids] = True
        live = list(range(n))
        outputs: list[list[int]] = [[] for _ in range(n)]
        for t in range(max_length):
            logits = self.last_logits(source_ids, [outputs[i] for i in live])
            chosen, _ = sample(logits, limits.take(np.array(live)), uniforms[live, t], seen[live])
            still = []
            for row, token in zip(live, chosen):
                outputs[row].append(int(token))
                seen[row, token] = True
                if token != self.sep_id:
                    still.append(row)
            live = still
            if not live:
                break
        return outputs


_BUILT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pipeline -> its reference decoder


def of(pipeline) -> ReferenceDecoder:
    """The reference decoder of a loaded pipeline's model, built on first use (its step is traced once)."""
    if pipeline not in _BUILT:
        _BUILT[pipeline] = ReferenceDecoder(pipeline.model, pipeline.tokenizer.sep_id)
    return _BUILT[pipeline]


def generate_uncached(pipeline, text: str, n: int = 1, *, max_length: int = 32, seed: int | None = None,
                      mask_idxs=(), sampler: str | None = None, **knobs) -> list[str]:
    """`pipeline.generate` on the reference decoder, which recomputes everything each step (the baseline)."""
    job = pipeline.paraphrase_job(text, n=n, k=n, sampling=SamplingParams(strategy=sampler, **knobs),
                                  max_length=max_length, mask_idxs=mask_idxs, seed=seed)
    outputs = of(pipeline).generate_ids(list(job.prompt_ids), n, job.sampling, max_length, seed)
    return [pipeline.tokenizer.decode(ids) for ids in outputs]
