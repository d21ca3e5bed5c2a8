"""Supervised stage on labelled pairs (as RoFormer-Sim-FT): CoSENT on the cosines of the two sentence vectors."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from simservice.training.batches import sentence_rows
from simservice.training.losses import cosent_loss, cosent_order_accuracy
from simservice.training.plan import BatchPlan
from simservice.training.tasks.specs import MODEL_INPUTS, model_inputs, source_mask


class CosentTask:
    """Groups are files; a batch holds pairs of one group, since labels of different files do not compare."""

    name = "cosent"

    def __init__(self, groups: Sequence[tuple[list[list[int]], list[list[int]], np.ndarray]], batch_size: int,
                 seed: int, scale: float = 20.0, weight: float = 1.0):
        self.groups = list(groups)
        lengths = [np.array([max(len(a), len(b)) for a, b in zip(g[0], g[1])]) for g in self.groups]
        self.plan = BatchPlan([len(g[2]) for g in self.groups], batch_size, seed, salt=2, lengths=lengths)
        self.scale = scale
        self.weight = weight

    def signature(self) -> dict:
        return {**MODEL_INPUTS, "labels": tf.TensorSpec([None], tf.float32)}

    def batch(self, step: int) -> dict:
        group, indices = self.plan.batch(step)
        first, second, labels = self.groups[group]
        rows = []
        for i in indices:
            rows += [first[i], second[i]]
        return {**sentence_rows(rows), "labels": labels[indices].astype(np.float32)}

    def loss(self, model, batch, training: bool):
        pooled = model.pooled(model(model_inputs(batch), training=training), source_mask(batch))
        loss = cosent_loss(pooled[0::2], pooled[1::2], batch["labels"], self.scale)
        order = cosent_order_accuracy(pooled[0::2], pooled[1::2], batch["labels"])
        return self.weight * loss, {"cosent": loss, "cosent_order": order}
