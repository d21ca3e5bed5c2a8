"""Supervised SimCSE on triplets (anchor, positive, hard negative): in-batch contrastive with hard negatives.

Files such as question-matching sets pair one question with a paraphrase and with a
near-miss (same words, another intent); the near-miss as an extra candidate teaches the
vector what the in-batch negatives of SimBERT's loss, mostly off-topic, do not.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from simservice.training.batches import sentence_rows
from simservice.training.losses import hard_negative_loss
from simservice.training.plan import BatchPlan
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs, source_mask


class TripletTask:
    name = "triplet"

    def __init__(self, triplets: Sequence[tuple[list[int], list[int], list[int]]], batch_size: int, seed: int,
                 scale: float = 20.0, weight: float = 1.0):
        self.triplets = list(triplets)
        lengths = [np.array([max(map(len, t)) for t in self.triplets])]
        self.plan = BatchPlan([len(self.triplets)], batch_size, seed, salt=6, lengths=lengths)
        self.scale = scale
        self.weight = weight

    def signature(self) -> dict:
        return dict(MODEL_INPUTS)

    def batch(self, step: int) -> dict:
        _, indices = self.plan.batch(step)
        return sentence_rows([sentence for i in indices for sentence in self.triplets[i]])

    def loss(self, model, batch, training: bool):
        pooled = model.pooled(model(model_inputs(batch), training=training), source_mask(batch))
        loss = hard_negative_loss(pooled[0::3], pooled[1::3], pooled[2::3], self.scale)
        return self.weight * loss, {"triplet": loss}
