"""Unsupervised SimCSE on plain sentences: each sentence twice in the batch, dropout makes the two views.

The loss is SimBERT's in-batch contrastive one (rows 2i and 2i+1 are partners), so it
teaches the sentence vectors of a domain that has no labelled pairs, from its text alone.
The model's dropout is the only noise: with dropout 0 both views are equal and nothing is learnt.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from simservice.training.batches import sentence_rows
from simservice.training.losses import in_batch_contrastive_loss
from simservice.training.plan import BatchPlan
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs, source_mask


class SimCseTask:
    name = "simcse"

    def __init__(self, sentences: Sequence[list[int]], batch_size: int, seed: int, scale: float = 20.0,
                 weight: float = 1.0):
        self.sentences = list(sentences)
        lengths = [np.array([len(x) for x in self.sentences])]
        self.plan = BatchPlan([len(self.sentences)], batch_size, seed, salt=4, lengths=lengths)
        self.scale = scale
        self.weight = weight

    def signature(self) -> dict:
        return dict(MODEL_INPUTS)

    def batch(self, step: int) -> dict:
        _, indices = self.plan.batch(step)
        return sentence_rows([self.sentences[i] for i in indices for _ in range(2)])

    def loss(self, model, batch, training: bool):
        pooled = model.pooled(model(model_inputs(batch), training=training), source_mask(batch))
        loss = in_batch_contrastive_loss(pooled, self.scale)
        return self.weight * loss, {"simcse": loss}
