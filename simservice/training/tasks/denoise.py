"""Denoising seq2seq on plain sentences: UniLM from a corrupted sentence back to the sentence itself.

Sentences alone carry no paraphrase, but rebuilding one from a copy with some characters
masked or deleted teaches the generator the language of a domain and to carry the source's
content over, which the positive pairs alone teach slowly to a small model. Only the
seq2seq loss: the sentence vector is left to the pair objectives.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from simservice.training.batches import corrupt, seq2seq_rows
from simservice.training.plan import BatchPlan
from simservice.training.tasks.simbert import target_loss
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs


class DenoiseTask:
    name = "denoise"

    def __init__(self, sentences: Sequence[list[int]], batch_size: int, seed: int, *, mask_id: int,
                 rate: float = 0.2, weight: float = 1.0, compact_logits: bool = True):
        self.sentences = [s for s in sentences if len(s) > 3]  # at least two tokens between [CLS] and [SEP]
        lengths = [np.array([len(x) for x in self.sentences])]
        self.plan = BatchPlan([len(self.sentences)], batch_size, seed, salt=5, lengths=lengths)
        self.seed = seed
        self.mask_id = mask_id
        self.rate = rate
        self.weight = weight
        self.compact_logits = compact_logits

    def signature(self) -> dict:
        return dict(MODEL_INPUTS)

    def batch(self, step: int) -> dict:
        _, indices = self.plan.batch(step)
        rng = np.random.default_rng([self.seed, 5, step])
        pairs = [(corrupt(self.sentences[i], rng, mask_id=self.mask_id, rate=self.rate), self.sentences[i])
                 for i in indices]
        return seq2seq_rows(pairs)

    def loss(self, model, batch, training: bool):
        hidden = model(model_inputs(batch), training=training)
        loss = target_loss(model, hidden, batch, self.compact_logits)
        return self.weight * loss, {"denoise": loss}
